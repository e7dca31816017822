#!/usr/bin/env python3
"""Early-exit threshold of an RBQE model file, calibrated on the VALIDATION pairs.

    python training/calibrate_rbqe.py models/rbqe-l6-c32.safetensors [--record]

Tiling (the Swift engine's; rbqe.clarity_windows): the decoded luma frame is edge-padded to
multiples of the model's alignment and cut into CORES OF 128x128 LUMA PIXELS (smaller at the
frame's end), each read through a WINDOW of the core plus 16 px of context on every side
(shifted inward at the frame's border); each window is one independent network input (its own
ECA statistics, zero padding at its sides). For every tile every exit's 8-bit output core is
scored with IQAM (training/iqam.py, block 4 for H.264, pixels / 255), as Clarity judges it;
the rule is "leave at the first exit whose core has Q >= T, else the last exit"
(rbqe.choose_exits). Cores are stitched without the engine's feathering.

Sweep of T over the val frames' H.264 pairs (QP 22..42, intra and inter frames): mean delta
Y-PSNR over the QPs (frame = the padded-tile outputs stitched and cropped, 8 bit, against the
lossless original) versus mean MACs per pixel (cumulative cost of the exits taken, earlier
exit heads included). T is the knee of that curve (Kneedle: both axes scaled to [0, 1] over
the sweep, the point furthest above the chord, i.e. max(quality - cost); ties -> cheaper).
The model file is rewritten with `"early_exit": {"iqam_block": 4, "threshold": T,
"tile": 128}` (docs/model-format.md) and info.early_exit_calibration; --record appends the
sweep table to training/RESULTS.md. (The JPEG pairs are swept too, block 8, for the table
only: the app's inputs are video.)
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
import graph  # noqa: E402
import rbqe  # noqa: E402
from make_rbqe_pairs import QFS, QPS, load  # noqa: E402

THRESHOLDS = [0.0] + [round(float(x), 3) for x in np.arange(0.30, 1.0001, 0.01)] + [1.01]


def model_from_file(path):
    doc, tensors = graph.load(path)
    m = rbqe.build(doc["info"]["config"])
    sd = {}
    for name, mod in m.mods.items():
        if isinstance(mod, rbqe.ECA):
            sd[f"mods.{name}.conv.weight"] = tensors[f"{name}.weight"]
        else:
            sd[f"mods.{name}.weight"] = tensors[f"{name}.weight"]
            sd[f"mods.{name}.bias"] = tensors[f"{name}.bias"]
    m.load_state_dict(sd)
    m.eval()
    return m, doc, tensors


def tile_stats(model, deg, orig, block, align):
    """Per tile of the engine's tiling: IQAM per exit [T, E] (on the 8-bit core), SSE per exit
    over the core's real (unpadded) pixels [T, E], and the real pixel count per core [T]."""
    h, w = orig.shape
    windows, cores = rbqe.clarity_windows(deg, align)
    outs = rbqe.run_windows(model, windows, cores)
    q = rbqe.tile_quality(outs, block)
    sse = np.zeros((len(cores), len(outs[0])))
    npx = np.zeros(len(cores))
    for t, (y0, y1, x0, x1, _, _) in enumerate(cores):
        ry, rx = min(y1, h) - y0, min(x1, w) - x0
        if ry <= 0 or rx <= 0:
            continue
        ref = orig[y0:y0 + ry, x0:x0 + rx].astype(np.float64)
        sse[t] = [((o[:ry, :rx].astype(np.float64) - ref) ** 2).sum() for o in outs[t]]
        npx[t] = ry * rx
    return q, sse, npx


def psnr_from(sse, n):
    return 10 * np.log10(255.0 ** 2 / max(sse / n, 1e-12))


def sweep(stats, cum):
    """stats: {kind: [(q, sse, npx, input_psnr), ...]} -> rows per threshold."""
    rows = []
    for T in THRESHOLDS:
        row = {"T": T, "kinds": {}}
        for kind, frames in stats.items():
            d, spent, px, ex = [], 0.0, 0.0, []
            for q, sse, npx, p0 in frames:
                e = rbqe.choose_exits(q, T)
                d.append(psnr_from(sse[np.arange(len(e)), e].sum(), npx.sum()) - p0)
                spent += float((np.asarray(cum)[e] * npx).sum())
                px += float(npx.sum())
                ex += list(e)
            row["kinds"][kind] = {"delta": float(np.mean(d)), "macs": spent / px,
                                  "exits": np.bincount(ex, minlength=len(cum)).tolist()}
        rows.append(row)
    return rows


def knee(rows, kinds):
    q = np.array([np.mean([r["kinds"][k]["delta"] for k in kinds]) for r in rows])
    c = np.array([np.mean([r["kinds"][k]["macs"] for k in kinds]) for r in rows])
    qn = (q - q.min()) / max(q.max() - q.min(), 1e-12)
    cn = (c - c.min()) / max(c.max() - c.min(), 1e-12)
    score = qn - cn
    best = max(range(len(rows)), key=lambda i: (round(score[i], 9), -c[i]))
    return best, q, c


def fixed_exit_rows(stats, n_exits):
    out = {}
    for kind, frames in stats.items():
        out[kind] = [float(np.mean([psnr_from(sse[:, e].sum(), npx.sum()) - p0 for q, sse, npx, p0 in frames]))
                     for e in range(n_exits)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--record", action="store_true", help="append the sweep to training/RESULTS.md")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-jpeg", action="store_true", help="skip the JPEG (reference-only) sweep")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, doc, tensors = model_from_file(a.model)
    cum, alone = rbqe.exit_macs(doc["nodes"], doc["outputs"])
    E = len(doc["outputs"])
    val = load("val")
    stats = {}
    for kind, block in [(f"h264qp{q}", 4) for q in QPS] + ([] if a.no_jpeg else [(f"jpeg{q}", 8) for q in QFS]):
        for f in val:
            if kind not in f["deg"]:
                continue
            q, sse, npx = tile_stats(model, f["deg"][kind], f["orig"], block, doc["align"])
            p0 = psnr_from(((f["deg"][kind].astype(np.float64) - f["orig"]) ** 2).sum(), f["orig"].size)
            stats.setdefault(kind, []).append((q, sse, npx, p0))
        print(f"  {kind}: {len(stats[kind])} frames", flush=True)
    h264 = [f"h264qp{q}" for q in QPS]
    jpg = [] if a.no_jpeg else [f"jpeg{q}" for q in QFS]
    fixed = fixed_exit_rows(stats, E)
    rows_h = sweep({k: stats[k] for k in h264}, cum)
    ih, qh, ch = knee(rows_h, h264)
    T = float(rows_h[ih]["T"])
    if jpg:
        rows_j = sweep({k: stats[k] for k in jpg}, cum)
        ij, qj, cj = knee(rows_j, jpg)
        TJ = float(rows_j[ij]["T"])
    else:
        rows_j, ij, TJ = [], None, None
    early = {"iqam_block": 4, "threshold": T, "tile": rbqe.TILE}

    # report
    name = doc["name"]
    L = [f"### {name}: early-exit calibration on the val split (128-px cores in 160-px windows, IQAM block 4 for H.264)",
         f"Command: `python training/calibrate_rbqe.py {a.model}`. {len(stats[h264[0]])} val frames "
         f"(H.264, intra + inter) per QP, {len(stats[jpg[0]]) if jpg else 0} per JPEG QF; MACs per pixel per exit "
         f"(cumulative, early exit) {[round(x) for x in cum]}; a fixed exit alone {[round(x) for x in alone]}.",
         "", "Fixed exits (tiled), val delta Y-PSNR (dB):", "",
         "| kind | " + " | ".join(f"exit {e + 1}" for e in range(E)) + " |",
         "|---|" + "---|" * E]
    for k in h264 + jpg:
        L.append(f"| {k} | " + " | ".join(f"{x:+.3f}" for x in fixed[k]) + " |")
    for label, rows, kinds, sel in (("H.264 (block 4)", rows_h, h264, ih), ("JPEG (block 8)", rows_j, jpg, ij))[: 2 if jpg else 1]:
        L += ["", f"Sweep, {label}: delta Y-PSNR per level, mean, MACs/px (mean over core pixels), saving vs "
                  f"always the last exit ({alone[-1]:.0f} MACs/px); exits taken (tiles per exit, all levels)", "",
              "| T | " + " | ".join(kinds) + " | mean | MACs/px | saving | exits |",
              "|---|" + "---|" * (len(kinds) + 4)]
        for i, r in enumerate(rows):
            if i % 2 and i != sel and r["T"] < 1.0:
                continue  # every other threshold, to keep the table short
            ex = np.sum([r["kinds"][k]["exits"] for k in kinds], 0).tolist()
            m = np.mean([r["kinds"][k]["macs"] for k in kinds])
            mark = " **knee**" if i == sel else ""
            L.append(f"| {r['T']:.2f}{mark} | " + " | ".join(f"{r['kinds'][k]['delta']:+.3f}" for k in kinds)
                     + f" | {np.mean([r['kinds'][k]['delta'] for k in kinds]):+.3f} | {m:.0f} | "
                     f"{100 * (1 - m / alone[-1]):.1f}% | {ex} |")
    L += ["", f"Chosen (knee, H.264): T = {T} -> `early_exit` {json.dumps(early)} written into the model file. "
              + (f"(JPEG knee, block 8, for reference only: T = {TJ}.)" if jpg else ""), ""]
    text = "\n".join(L)
    print(text)

    # write the threshold into the model file
    doc["early_exit"] = early
    r = rows_h[ih]
    doc["info"]["early_exit_calibration"] = {
        "data": "val split pairs (make_rbqe_pairs.py), H.264 QP 22-42, 128-px cores judged in 160-px windows as the engine tiles",
        "rule": "knee (max of normalised quality - normalised MACs) of the threshold sweep",
        "val_delta_psnr_at_threshold": {k: round(r["kinds"][k]["delta"], 3) for k in h264},
        "val_macs_per_pixel_at_threshold": round(float(np.mean([r["kinds"][k]["macs"] for k in h264])), 1),
        "macs_per_pixel_always_last": round(alone[-1], 1),
        "jpeg_threshold_block8": TJ,
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, a.model, metadata={"clarity": json.dumps(doc)})
    print(f"wrote early_exit {early} into {a.model}")
    if a.record:
        res = Path(__file__).resolve().parent / "RESULTS.md"
        with open(res, "a") as f:
            f.write("\n" + text)
        print(f"appended to {res}")


if __name__ == "__main__":
    main()
