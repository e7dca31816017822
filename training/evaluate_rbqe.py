#!/usr/bin/env python3
"""RBQE on the TEST clips (streams/, made from test-split photos): final figures only, never
used for any choice (training and threshold selection use the train / val splits).

    python training/evaluate_rbqe.py models/rbqe-l6-c32.safetensors [more models] [--record]

Clips: dune-pan-720p-qp{22,27,32,37,42}.mp4 against dune-pan-720p-lossless.mkv, and
mosaic-pan at the same QPs, encoded here from mosaic-pan-720p-lossless.mkv with the video
settings of make_streams.sh's `encode` (libx264 -preset medium -threads 1 -qp N -g 30 -bf 2;
the encode of QP 32 is checked bit-exact against streams/mosaic-pan-720p-qp32.mp4's frames).
Every --step-th frame (default 5: 15 of 75 frames, I frames 0/30/60 included) is scored.

Per QP: delta Y-PSNR (8-bit output minus the decoded input, against the lossless luma,
whole frame, no border; mean over frames) of every exit and of the early-exit rule, both in
the engine's tiled mode (128-px cores read through 160-px windows, each an independent input;
rbqe.clarity_windows), the exits taken, and the mean MACs per pixel with early exit (cumulative
cost of the exits taken) vs always the last exit alone. Baselines, on the same frames:
ffmpeg `deblock`, `spp`, `hqdn3d` with their default parameters (luma as filtered in yuv420p;
`spp` with defaults takes its quantiser from QP side data, which ffmpeg 5.1 does not export
for H.264, so it returns its input: +0.000 there; the Swift side benchmarks tuned settings).
"""
import argparse
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rbqe  # noqa: E402
from calibrate_rbqe import model_from_file, psnr_from, tile_stats  # noqa: E402
from common import CACHE, REPO  # noqa: E402

QPS = (22, 27, 32, 37, 42)
W, H, N = 1280, 720, 75
FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
BASELINES = {"deblock": "deblock", "spp": "spp", "hqdn3d": "hqdn3d"}


def decode_y(path, vf=None):
    cmd = FF + ["-threads", "1", "-i", str(path)] + (["-vf", vf] if vf else []) + \
        ["-map", "0:v", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    raw = np.frombuffer(subprocess.run(cmd, capture_output=True, check=True).stdout, np.uint8)
    fs = W * H * 3 // 2
    assert raw.size == fs * N, (path, raw.size)
    return np.stack([raw[i * fs: i * fs + W * H].reshape(H, W) for i in range(N)])


def encode(src, qp, out):
    subprocess.run(FF + ["-i", str(src), "-map", "0:v", "-c:v", "libx264", "-preset", "medium", "-threads", "1",
                         "-qp", str(qp), "-g", "30", "-bf", "2", "-pix_fmt", "yuv420p", "-colorspace", "smpte170m",
                         "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv",
                         "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", str(out)],
                   check=True)


def test_frames(step):
    """{clip: {"orig": [F, H, W], "qp<N>": [F, H, W], "<filter>-qp<N>": ...}} (cached)."""
    path = CACHE / "prepared" / f"rbqe-test-step{step}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    s = REPO / "streams"
    sel = slice(0, N, step)
    out = {}
    with tempfile.TemporaryDirectory() as t:
        for clip in ("dune-pan", "mosaic-pan"):
            lossless = s / f"{clip}-720p-lossless.mkv"
            d = {"orig": decode_y(lossless)[sel]}
            for qp in QPS:
                mp4 = s / f"{clip}-720p-qp{qp}.mp4"
                if clip == "mosaic-pan":
                    enc = Path(t) / f"{clip}-qp{qp}.mp4"
                    encode(lossless, qp, enc)
                    if mp4.exists():  # the published clip: our encode must give the same frames
                        assert np.array_equal(decode_y(mp4)[sel], decode_y(enc)[sel]), f"{enc} != {mp4}"
                        print(f"  {clip} qp{qp}: encode matches {mp4.name}")
                    mp4 = enc
                d[f"qp{qp}"] = decode_y(mp4)[sel]
                for b, vf in BASELINES.items():
                    d[f"{b}-qp{qp}"] = decode_y(mp4, vf)[sel]
                print(f"  decoded {clip} qp{qp}", flush=True)
            out[clip] = d
    with open(path, "wb") as f:
        pickle.dump(out, f, protocol=4)
    return out


def frame_psnr(a, b):
    return psnr_from(((a.astype(np.float64) - b) ** 2).sum(), a.size)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--step", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--subsample", type=int, default=1,
                    help="score only every k-th of the --step frames (3 with step 5: frames 0, 15, 30, 45, 60)")
    ap.add_argument("--record", action="store_true", help="append the tables to training/RESULTS.md")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    data = test_frames(a.step)
    if a.subsample > 1:
        data = {c: {k: v[:: a.subsample] for k, v in d.items()} for c, d in data.items()}
    frames_used = list(range(0, N, a.step))[:: a.subsample]
    text = []
    for mp in a.models:
        model, doc, _ = model_from_file(mp)
        ee = doc.get("early_exit")
        if not ee:
            sys.exit(f"{mp}: no early_exit threshold (run calibrate_rbqe.py first)")
        T = ee["threshold"]
        cum, alone = rbqe.exit_macs(doc["nodes"], doc["outputs"])
        E = len(cum)
        L = [f"### {doc['name']} on the test clips (128-px cores in 160-px windows, early exit T = {T}, "
             f"settle {ee.get('settle') or 'off'}, IQAM block {ee['iqam_block']})",
             f"Command: `python training/evaluate_rbqe.py {mp} --step {a.step} --subsample {a.subsample}`; "
             f"frames {frames_used} of 75 per clip. Delta Y-PSNR (dB) over the decoded input; "
             f"MACs/px: early exit (cumulative) vs the last exit alone ({alone[-1]:.0f}).", "",
             "| clip | QP | input dB | " + " | ".join(f"exit {e + 1}" for e in range(E)) +
             " | early exit | exits taken | MACs/px | saving | " + " | ".join(BASELINES) + " |",
             "|---|---|---|" + "---|" * (E + 4 + len(BASELINES))]
        summary = {}
        for clip, d in data.items():
            for qp in QPS:
                deg = d[f"qp{qp}"]
                dl, de, p0s, spent, px, ex = [], [], [], 0.0, 0.0, []
                for i in range(len(deg)):
                    q, sse, npx, ch = tile_stats(model, deg[i], d["orig"][i], ee["iqam_block"], doc["align"])
                    p0 = frame_psnr(deg[i], d["orig"][i])
                    e = rbqe.choose_exits(q, T, ch, ee.get("settle"))
                    dl.append([psnr_from(sse[:, k].sum(), npx.sum()) - p0 for k in range(E)])
                    de.append(psnr_from(sse[np.arange(len(e)), e].sum(), npx.sum()) - p0)
                    p0s.append(p0)
                    spent += float((np.asarray(cum)[e] * npx).sum())
                    px += float(npx.sum())
                    ex += list(e)
                dl = np.mean(dl, 0)
                base = {b: float(np.mean([frame_psnr(d[f"{b}-qp{qp}"][i], d["orig"][i]) - p0s[i]
                                          for i in range(len(deg))])) for b in BASELINES}
                m = spent / px
                summary[(clip, qp)] = {"exits": dl.tolist(), "early": float(np.mean(de)), "macs": m,
                                       "saving": 1 - m / alone[-1], "base": base}
                L.append(f"| {clip} | {qp} | {np.mean(p0s):.2f} | " + " | ".join(f"{x:+.3f}" for x in dl) +
                         f" | {np.mean(de):+.3f} | {np.bincount(ex, minlength=E).tolist()} | {m:.0f} | "
                         f"{100 * (1 - m / alone[-1]):.1f}% | " + " | ".join(f"{base[b]:+.3f}" for b in BASELINES) + " |")
                print(L[-1], flush=True)
        for clip in data:
            s = [summary[(clip, qp)] for qp in QPS]
            L.append(f"| {clip} | mean | | " + " | ".join(f"{np.mean([x['exits'][k] for x in s]):+.3f}" for k in range(E)) +
                     f" | {np.mean([x['early'] for x in s]):+.3f} | | {np.mean([x['macs'] for x in s]):.0f} | "
                     f"{100 * np.mean([x['saving'] for x in s]):.1f}% | " +
                     " | ".join(f"{np.mean([x['base'][b] for x in s]):+.3f}" for b in BASELINES) + " |")
        L.append("")
        text.append("\n".join(L))
        print(text[-1], flush=True)
    if a.record:
        res = Path(__file__).resolve().parent / "RESULTS.md"
        with open(res, "a") as f:
            f.write("\n" + "\n".join(text))
        print(f"appended to {res}")


if __name__ == "__main__":
    main()
