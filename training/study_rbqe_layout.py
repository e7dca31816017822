#!/usr/bin/env python3
"""How much RBQE's deepest exit loses to tiling, on the VAL pairs only (never the test clips).

    python training/study_rbqe_layout.py Sources/ClarityModels/Weights/rbqe-lite.safetensors

Every val frame of make_rbqe_pairs.py, every H.264 QP, the model's last exit, run as
  - the whole frame (edge-padded to a multiple of 32),
  - 128-px tiles, each reading --contexts pixels of context on every side (edge padding at the
    frame's border) and keeping its 128-px core, no blending (Clarity feathers its overlap).
Prints the mean delta Y-PSNR (8-bit output over the compressed input) per layout, clip by clip
as it goes. docs/benchmarks.md (fourteenth session) holds the figures for rbqe-lite.
"""
import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate_rbqe import model_from_file  # noqa: E402
from common import CACHE, rbqe_val_study  # noqa: E402

TILE, ALIGN = 128, 32


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--contexts", default="0,16,32", help="comma list of context widths (px) for the tiled runs")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, _, _ = model_from_file(a.model)
    frames = pickle.load(open(CACHE / "prepared" / "rbqe-val.pkl", "rb"))

    @torch.no_grad()
    def last_exit(x):
        h, w = x.shape
        p = np.pad(x, ((0, (-h) % ALIGN), (0, (-w) % ALIGN)), mode="edge")
        o = model(torch.from_numpy(p.astype(np.float32) / 255)[None, None])[-1][0, 0].numpy()
        return np.clip(np.rint(o * 255), 0, 255)[:h, :w]

    def tiled(x, context):
        h, w = x.shape
        H, W = -(-h // TILE) * TILE, -(-w // TILE) * TILE
        p = np.pad(x, ((context, H - h + context), (context, W - w + context)), mode="edge")
        out = np.zeros((H, W))
        for y in range(0, H, TILE):
            for x0 in range(0, W, TILE):
                window = p[y:y + TILE + 2 * context, x0:x0 + TILE + 2 * context]
                out[y:y + TILE, x0:x0 + TILE] = last_exit(window)[context:context + TILE, context:context + TILE]
        return out[:h, :w]

    layouts = [("whole frame", last_exit)] + [
        (f"{TILE}-px tiles, {c} px context", lambda d, c=c: tiled(d, c)) for c in map(int, a.contexts.split(","))]
    rbqe_val_study(frames, lambda deg: {name: run(deg) for name, run in layouts}, a.model)


if __name__ == "__main__":
    main()
