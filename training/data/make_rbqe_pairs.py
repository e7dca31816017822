#!/usr/bin/env python3
"""(compressed, original) LUMA pairs for RBQE, from camera-move clips of TRAIN / VAL photos.

    /work/venv/bin/python training/data/make_rbqe_pairs.py            # train and val
    /work/venv/bin/python training/data/make_rbqe_pairs.py --split val

Clips are made like streams/make_streams.sh (whose clips come from the TEST split and are
the evaluation set, never used here): an integer-pixel pan (dx, dy px per frame, seeded)
over one photo at native pixels, cropped to at most 1280x720 (train) or 640x384 (val),
converted by ffmpeg to yuv420p (`format=yuv420p`, the same swscale path as the streams),
kept losslessly as raw yuv420p (the master), then
  - H.264: libx264 `-preset medium -threads 1 -qp Q -g 30 -bf 2` for Q in 22, 27, 32, 37,
    42 (as make_streams.sh's `encode`), decoded back; x264 codes I frames a little finer
    than P/B (ipratio), so intra AND inter frames are kept: frames KEEP of each clip, with
    their picture type;
  - JPEG: grayscale (the luma path of a colour JPEG, PIL) of the master Y of the first kept
    frame at quality 10, 20, 30, 40, 50.
Only Y planes (8 bit) are stored, in CACHE/prepared/rbqe-<split>.pkl: a list of frames
{"clip", "photo", "frame", "pict_type", "orig": HxW uint8, "deg": {kind: HxW uint8}} with
kinds h264qp22..h264qp42 and (first kept frame only) jpeg10..jpeg50. Deterministic: fixed
seed per split, single-threaded x264. The photos / clips used are written to
training/data/splits/rbqe_<split>.txt (committed).
"""
import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import CACHE, SPLITS, jpeg, split_files  # noqa: E402

QPS = (22, 27, 32, 37, 42)
QFS = (50, 40, 30, 20, 10)          # level k of QPS[k] pairs with QFS[k] (paper's loss weights)
FRAMES = 12                          # frames per master clip (GOP 30: one I, then P/B)
KEEP = {"train": (0, 4, 8), "val": (0, 5)}
MAXSIZE = {"train": (1280, 720), "val": (640, 384)}
SEED = {"train": 20260601, "val": 20260602}
FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


def kind_level(kind):
    """Compression level 0 (lightest) .. 4 (heaviest) of a kind name."""
    if kind.startswith("h264qp"):
        return QPS.index(int(kind[6:]))
    return QFS.index(int(kind[4:]))


def read_y(path, w, h, frames):
    raw = np.fromfile(path, dtype=np.uint8)
    fs = w * h * 3 // 2
    assert raw.size == fs * frames, (path, raw.size, fs * frames)
    return [raw[i * fs: i * fs + w * h].reshape(h, w).copy() for i in range(frames)]


def make_clip(rel, rng, split, tmp):
    W, H = Image.open(CACHE / rel).size
    dx = int(rng.integers(-5, 6))
    dy = int(rng.integers(-4, 5))
    if dx == 0 and dy == 0:
        dx = 3
    span_x, span_y = abs(dx) * (FRAMES - 1), abs(dy) * (FRAMES - 1)
    mw, mh = MAXSIZE[split]
    cw = min(mw, (W - span_x) // 16 * 16)
    ch = min(mh, (H - span_y) // 16 * 16)
    if cw < 128 or ch < 128:
        return None
    # start so that the whole path stays inside the photo
    x_lo = span_x if dx < 0 else 0
    y_lo = span_y if dy < 0 else 0
    x0 = x_lo + int(rng.integers(0, W - cw - span_x + 1))
    y0 = y_lo + int(rng.integers(0, H - ch - span_y + 1))
    master = tmp / "master.yuv"
    subprocess.run(FF + ["-loop", "1", "-framerate", "30", "-i", str(CACHE / rel), "-vf",
                         f"crop={cw}:{ch}:x={x0}+{dx}*n:y={y0}+{dy}*n,format=yuv420p",
                         "-frames:v", str(FRAMES), "-r", "30", "-f", "rawvideo", "-pix_fmt",
                         "yuv420p", str(master)], check=True)
    orig = read_y(master, cw, ch, FRAMES)
    keep = KEEP[split]
    frames = [{"clip": f"{Path(rel).stem}-pan", "photo": rel, "frame": k, "orig": orig[k],
               "deg": {}, "pict_type": {}} for k in keep]
    for qp in QPS:
        bits, dec = tmp / "c.264", tmp / "d.yuv"
        subprocess.run(FF + ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{cw}x{ch}", "-r", "30",
                             "-i", str(master), "-c:v", "libx264", "-preset", "medium", "-threads", "1",
                             "-qp", str(qp), "-g", "30", "-bf", "2", "-pix_fmt", "yuv420p",
                             "-f", "h264", str(bits)], check=True)
        subprocess.run(FF + ["-threads", "1", "-i", str(bits), "-f", "rawvideo", "-pix_fmt", "yuv420p",
                             str(dec)], check=True)
        ys = read_y(dec, cw, ch, FRAMES)
        types = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                                "frame=pict_type", "-of", "csv=p=0", str(bits)],
                               capture_output=True, text=True, check=True).stdout.split()
        for f in frames:
            f["deg"][f"h264qp{qp}"] = ys[f["frame"]]
            f["pict_type"][qp] = types[f["frame"]].strip(",")
    for qf in QFS:
        frames[0]["deg"][f"jpeg{qf}"] = jpeg(frames[0]["orig"], qf)
    desc = {"photo": rel, "clip": frames[0]["clip"], "size": [cw, ch], "start": [x0, y0],
            "move_per_frame": [dx, dy], "frames": FRAMES, "kept": list(keep)}
    return frames, desc


def build(split):
    assert split in ("train", "val"), "the test split is the evaluation set: never make pairs from it"
    rng = np.random.default_rng(SEED[split])
    out, descs = [], []
    with tempfile.TemporaryDirectory() as t:
        for rel in split_files(split):
            r = make_clip(rel, rng, split, Path(t))
            if r is None:
                print(f"  skip {rel}: too small")
                continue
            frames, desc = r
            out += frames
            descs.append(desc)
            print(f"  {desc['clip']}: {desc['size'][0]}x{desc['size'][1]} move {desc['move_per_frame']} "
                  f"types {[f['pict_type'][32] for f in frames]}", flush=True)
    path = CACHE / "prepared" / f"rbqe-{split}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(out, f, protocol=4)
    lst = SPLITS / f"rbqe_{split}.txt"
    lst.write_text("# photo\tclip\tjson (crop size, start, pan px/frame, frames, kept frames)\n" +
                   "".join(f"{d['photo']}\t{d['clip']}\t{json.dumps({k: d[k] for k in ('size', 'start', 'move_per_frame', 'frames', 'kept')})}\n"
                           for d in descs))
    px = sum(f["orig"].size for f in out)
    print(f"{split}: {len(descs)} clips, {len(out)} frames ({px / 1e6:.1f} Mpx of originals) -> {path}")


def load(split):
    with open(CACHE / "prepared" / f"rbqe-{split}.pkl", "rb") as f:
        return pickle.load(f)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["train", "val", "both"], default="both")
    a = ap.parse_args()
    for s in (["val", "train"] if a.split == "both" else [a.split]):
        build(s)
