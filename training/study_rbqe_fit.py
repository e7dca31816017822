#!/usr/bin/env python3
"""How well an RBQE model fits its TRAINING pairs, beside the val pairs, by one protocol.

    python training/study_rbqe_fit.py Sources/ClarityModels/Weights/rbqe-full.safetensors --threads 2

Both splits are scored as train_rbqe.py validates (centre crops of at most 256 px of every
frame, H.264 kinds only, delta Y-PSNR of each exit's 8-bit output over the compressed input);
the training side on --frames frames drawn with a fixed seed. A model that gains much more on
its training pairs than on val is short of data; one that gains little on both is short of
training (or of capacity).
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
from calibrate_rbqe import study_setup  # noqa: E402
from make_rbqe_pairs import load  # noqa: E402
from train_rbqe import H264, val_crops, validate  # noqa: E402


def main():
    a, model, _ = study_setup(__doc__, extra=(("--frames", "60"),))
    rng = np.random.default_rng(0)
    for split in ("val", "train"):
        frames = load(split)
        if split == "train" and len(frames) > int(a.frames):
            frames = [frames[i] for i in sorted(rng.choice(len(frames), size=int(a.frames), replace=False))]
        delta, base = validate(model, val_crops(frames, model.align, jpeg=False))
        print(f"{split}: {len(frames)} frames")
        for k in H264:
            print(f"  {k}: input {base[k]:.2f} dB, delta per exit " + " ".join(f"{x:+.3f}" for x in delta[k]))
        print(f"  mean over the QPs: deepest exit {np.mean([delta[k][-1] for k in H264]):+.3f}, "
              f"best exit {np.mean([max(delta[k]) for k in H264]):+.3f}", flush=True)


if __name__ == "__main__":
    main()
