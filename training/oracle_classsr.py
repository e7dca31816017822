#!/usr/bin/env python3
"""Upper bound for routing on the val split: an oracle that sees the HR picks, per tile, the
branch minimising (PSNR loss + lambda x MACs), lambda set so the mean-over-images PSNR loss
vs the last branch is at most --max-loss dB (first-order in each image's SSE). Shows how
much MACs saving any classifier could reach with these branches.

    python training/oracle_classsr.py [--split val] [--tile 32] [--kind clean]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_classsr import DEFAULT_BRANCHES, load_branches, precompute_eval, route_metrics  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="val")
    ap.add_argument("--tile", type=int, default=32)
    ap.add_argument("--kind", default="clean")
    ap.add_argument("--max-loss", type=float, default=0.1)
    a = ap.parse_args()
    br = load_branches(DEFAULT_BRANCHES)
    data = precompute_eval(a.split, br)
    images = data["sets"][(a.kind, a.tile)]
    macs = np.array(data["macs"])
    M = len(macs)
    best = None
    for lam in np.logspace(-9, -2, 200):
        choices = []
        for im in images:
            tot = im["sse"][:, M - 1].sum()
            dloss = 10 / np.log(10) * (im["sse"][:, :M] - im["sse"][:, [M - 1]]) / tot / len(images)
            cost = lam * im["area"][:, None] * macs[None, :] / 1e6
            choices.append(np.argmin(dloss + cost, 1))
        r, _ = route_metrics(None, images, list(macs), 0, choices=choices)
        if r["d_psnr"] >= -a.max_loss and (best is None or r["macs_frac"] < best[1]["macs_frac"]):
            best = (lam, r)
    lam, r = best
    print(f"oracle ({a.split}, {a.kind}, tile {a.tile}): dPSNR {r['d_psnr']:+.3f} dB, branch MACs "
          f"{r['macs_frac'] * 100:.1f}% of {data['branches'][-1]}, shares {r['shares']}, "
          f"branch PSNRs {[round(x, 3) for x in r['psnr_branch']]}")


if __name__ == "__main__":
    main()
