#!/usr/bin/env python3
"""Pick the ClassSR classifier on the val split: every run's best.pt and last.pt under
CACHE/ckpt/classsr-x<scale>-*, re-validated on the val photographs and the graphics_val artwork
and scored by train_classsr.score (largest branch-MACs saving on the photographs with clean
PSNR at most train_classsr.MAX_DB_LOSS below all-C32 there at 32- and 64-px tiles).
Prints a markdown table and the chosen checkpoint (per width with --per-width).

    python training/pick_classsr.py [--per-width] [--scale 2]
"""
import argparse
import glob
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classsr import build as build_cm  # noqa: E402
from common import CACHE, load_checkpoint  # noqa: E402
from train_classsr import load_branches, precompute_eval, score, validate  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-width", action="store_true")
    ap.add_argument("--scale", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    vals, rows = None, []
    for p in sorted(glob.glob(str(CACHE / "ckpt" / f"classsr-x{a.scale}-*" / "*.pt"))):
        if not p.endswith(("best.pt", "last.pt")):
            continue
        ck = load_checkpoint(p)
        if vals is None:
            branches = load_branches([b["ckpt"] for b in ck["branches"]])
            vals = {split: precompute_eval(split, branches) for split in ("val", "graphics_val")}
        m = build_cm(ck["cfg"])
        m.load_state_dict(ck["model"])
        v = validate(m, vals, lambda T: m.macs_per_tile(T, T))
        rows.append((score(v), p, ck, v))
    print("| run | checkpoint (iter) | w1 | w2 | width | clean t32: dPSNR | branch MACs | + classifier | shares C8/C16/C32 "
          "| clean t64: dPSNR | MACs | h264qp32 t32: dPSNR | MACs | graphics clean t32: dPSNR | MACs | graphics t64: dPSNR |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for sc, p, ck, v in rows:
        r, r64, h = v["clean-t32"], v["clean-t64"], v["h264qp32-t32"]
        g, g64 = v["graphics_val/clean-t32"], v["graphics_val/clean-t64"]
        print(f"| {ck['name']} | {Path(p).stem} ({ck['iter']}) | {ck['args']['w1']:g} | {ck['args']['w2']:g} | "
              f"{ck['cfg']['width']} | {r['d_psnr']:+.3f} | {r['macs_frac'] * 100:.1f}% | "
              f"{r['macs_frac_with_classifier'] * 100:.1f}% | {' / '.join(f'{x * 100:.0f}%' for x in r['shares'])} | "
              f"{r64['d_psnr']:+.3f} | {r64['macs_frac'] * 100:.1f}% | {h['d_psnr']:+.3f} | {h['macs_frac'] * 100:.1f}% | "
              f"{g['d_psnr']:+.3f} | {g['macs_frac'] * 100:.1f}% | {g64['d_psnr']:+.3f} |")
    groups = {}
    for row in rows:
        groups.setdefault(row[2]["cfg"]["width"] if a.per_width else "all", []).append(row)
    for g, rs in groups.items():
        sc, p, ck, v = max(rs, key=lambda t: t[0])
        print(f"chosen ({g}): {p} score {sc}")


if __name__ == "__main__":
    main()
