#!/usr/bin/env python3
"""Evaluate an exported ClassSR classifier with its exported branches (all through graph.py).

    python training/eval_classsr.py models/classsr-x3.safetensors --split test \
        [--weights Sources/ClarityModels/Weights] [--markdown out.md]

Branches: the files <weights>/<name>.safetensors for the names in the classifier's
"branches". Protocol: every branch and PIL bicubic run on each whole LR image (clean, and
H.264 QP 32); the LR plane is cut into non-overlapping tiles of 32 (and 64) px, the last row
/ column shorter and classified by a full-size window shifted inside the image; each tile's
core comes from its argmax branch's full-context output (what the Clarity tiler gives with
overlap >= the receptive radius, without its feathering). Y-PSNR of the 8-bit output,
border = scale, mean over images; MACs fraction = sum over tiles of core area x branch MACs
per output pixel, over the last branch on every tile (and with the classifier's MACs).
Use --split val while choosing; the test split only for the final table.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph  # noqa: E402
from common import REPO  # noqa: E402
from train_classsr import precompute_eval, route_metrics  # noqa: E402


class GraphModel(nn.Module):
    def __init__(self, path):
        super().__init__()
        self.doc, self.t = graph.load(path)

    def forward(self, x):
        (y,), _ = graph.run(self.doc, self.t, x)
        return y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--split", default="val")
    ap.add_argument("--weights", default=str(REPO / "Sources" / "ClarityModels" / "Weights"))
    ap.add_argument("--markdown", default=None)
    a = ap.parse_args()
    cls = GraphModel(a.model)
    branches = []
    for name in cls.doc["branches"]:
        p = Path(a.weights) / f"{name}.safetensors"
        m = GraphModel(p)
        branches.append({"name": name, "model": m, "ckpt": str(p), "scale": m.doc["scale"],
                         "macs": m.doc["info"]["macs_per_output_pixel"]})
    data = precompute_eval(a.split, branches)
    rows = []
    for (kind, T), images in data["sets"].items():
        (_, ), macs = graph.run(cls.doc, cls.t, torch.zeros(1, 1, T, T))
        r, _ = route_metrics(cls, images, data["macs"], macs)
        rows.append((kind, T, r))
        print(json.dumps({"kind": kind, "tile": T, **r}))
    names = [b["name"] for b in branches]
    lines = [f"| LR | tile | ClassSR (argmax) | {' | '.join(names)} | PIL bicubic | ClassSR - {names[-1]} | "
             f"MACs vs {names[-1]} (branches) | with classifier | class shares (tiles) |",
             "|---|---|---|" + "---|" * len(names) + "---|---|---|---|---|"]
    for kind, T, r in rows:
        lines.append(f"| {kind} | {T} | {r['psnr_routed']:.3f} | " + " | ".join(f"{x:.3f}" for x in r["psnr_branch"])
                     + f" | {r['psnr_bicubic']:.3f} | {r['d_psnr']:+.3f} dB | {r['macs_frac'] * 100:.1f}% | "
                     f"{r['macs_frac_with_classifier'] * 100:.1f}% | "
                     + " / ".join(f"{s * 100:.0f}%" for s in r["shares"]) + " |")
    md = "\n".join(lines)
    print(md)
    if a.markdown:
        Path(a.markdown).write_text(md + "\n")


if __name__ == "__main__":
    main()
