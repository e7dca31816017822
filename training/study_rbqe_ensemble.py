#!/usr/bin/env python3
"""Whether a geometric self-ensemble lifts RBQE's deepest exit, on the VAL pairs only.

    python training/study_rbqe_ensemble.py Sources/ClarityModels/Weights/rbqe-lite.safetensors

Every val frame of make_rbqe_pairs.py, every H.264 QP, the model's last exit on the whole
frame (edge-padded to a multiple of 32 first, so that flips and transposes keep the coding
blocks on the 4-px grid), as
  - one pass (what Clarity runs),
  - the mean of 2 (identity, left-right flip), 4 (the flips) and 8 (flips and transposes)
    passes, each undone before averaging; rounded to 8 bits after the mean.
Prints the mean delta Y-PSNR (8-bit output over the compressed input) per ensemble.
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

ALIGN = 32
# (transpose, flip rows, flip columns): the 8 symmetries of the square, in ensemble order.
TRANSFORMS = [(False, False, False), (False, False, True), (False, True, False), (False, True, True),
              (True, False, False), (True, False, True), (True, True, False), (True, True, True)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--frames", type=int, default=0, help="first N val frames only (0: all)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, _, _ = model_from_file(a.model)
    frames = pickle.load(open(CACHE / "prepared" / "rbqe-val.pkl", "rb"))
    frames = frames[:a.frames] if a.frames else frames

    def apply(x, t):
        transpose, rows, cols = t
        x = x.T if transpose else x
        return x[::-1 if rows else 1, ::-1 if cols else 1]

    def undo(x, t):
        transpose, rows, cols = t
        x = x[::-1 if rows else 1, ::-1 if cols else 1]
        return x.T if transpose else x

    @torch.no_grad()
    def passes(x):
        h, w = x.shape
        p = np.pad(x, ((0, (-h) % ALIGN), (0, (-w) % ALIGN)), mode="edge").astype(np.float32) / 255
        outs = []
        for t in TRANSFORMS:
            inp = np.ascontiguousarray(apply(p, t))
            o = model(torch.from_numpy(inp)[None, None])[-1][0, 0].numpy()
            outs.append(undo(o, t)[:h, :w])
        return outs

    def ensembles(deg):
        outs = passes(deg)
        return {f"{n} view{'s' if n > 1 else ''}": np.clip(np.rint(np.mean(outs[:n], axis=0) * 255), 0, 255) for n in (1, 2, 4, 8)}

    rbqe_val_study(frames, ensembles, a.model)


if __name__ == "__main__":
    main()
