#!/usr/bin/env python3
"""Per-tile record of every RBQE exit on a split's H.264 pairs, for studying exit rules offline.

    python training/dump_rbqe_tiles.py Sources/ClarityModels/Weights/rbqe-full.safetensors OUT.npz

The engine's tiling (rbqe.clarity_windows): for every frame x QP of make_rbqe_pairs.py's split
(val by default) and every 128-px core, the IQAM (block 4) quality, blockiness and blur of the
compressed input and of each exit's 8-bit output, the squared error of each against the
original, the mean squared change each exit makes to the one before (exit 1: to the input),
and the core's pixel count (these cores, judged on their pixels inside the frame). A rule is
then a function of these arrays (training/study_rbqe_exit_rules.py), scored in seconds
instead of a rerun.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
import rbqe  # noqa: E402
from calibrate_rbqe import study_setup  # noqa: E402
from iqam import iqam  # noqa: E402
from make_rbqe_pairs import QPS, load  # noqa: E402

SCORES = ("quality", "blocky", "blur")


def main():
    a, model, doc = study_setup(__doc__, threads=2, extra=[("out", None), ("--split", "val")])
    align = doc["align"]
    rows = {k: [] for k in ("qp", "frame", "pixels", "sse", "score", "change")}
    frames = load(a.split)
    for qp in QPS:
        kind = f"h264qp{qp}"
        for i, f in enumerate(frames):
            if kind not in f["deg"]:
                continue
            deg, orig = f["deg"][kind], f["orig"].astype(np.float64)
            h, w = orig.shape
            windows, cores = rbqe.clarity_windows(deg, align)
            outs = rbqe.run_windows(model, windows, cores)
            for t, (y0, y1, x0, x1, _, _) in enumerate(cores):
                ry, rx = min(y1, h) - y0, min(x1, w) - x0
                if ry <= 0 or rx <= 0:
                    continue
                ref = orig[y0:y0 + ry, x0:x0 + rx]
                views = [deg[y0:y0 + ry, x0:x0 + rx]] + [o[:ry, :rx] for o in outs[t]]
                views = [v.astype(np.float64) for v in views]
                rows["qp"].append(qp)
                rows["frame"].append(i)
                rows["pixels"].append(ry * rx)
                rows["sse"].append([((v - ref) ** 2).sum() for v in views])
                rows["change"].append([((after - before) ** 2).mean() for before, after in zip(views, views[1:])])
                rows["score"].append([[iqam(v / 255.0, 4)[s] for s in SCORES] for v in views])
        print(kind, len(rows["qp"]), "tiles so far", flush=True)
    np.savez(a.out, **{k: np.array(v) for k, v in rows.items()}, threshold=doc["early_exit"]["threshold"])


if __name__ == "__main__":
    main()
