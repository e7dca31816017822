#!/usr/bin/env python3
"""Evaluate an exported ClassSR classifier with its exported branches (all through graph.py).

    python training/eval_classsr.py models/classsr-x3.safetensors --split test \
        [--weights Sources/ClarityModels/Weights] [--markdown out.md]
    python training/eval_classsr.py models/classsr-x3.safetensors --refresh

--refresh (val split only) rewrites the classifier file's tables that describe its branches,
info.gain_per_class, canvas_gain_per_class, val_tiles_per_class and val, measured with the
branches as bundled now (export_classsr.py's rules): for a branch retrained after the
classifier was exported, whose checkpoint may be gone. The classifier itself is unchanged.

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
import datetime
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph  # noqa: E402
from common import REPO  # noqa: E402
from data import load_eval_set  # noqa: E402
from export import write_model  # noqa: E402
from export_classsr import gain_per_class, val_figures  # noqa: E402
from train_classsr import EVAL_KINDS, precompute_eval, route_metrics, validate  # noqa: E402


def classifier_macs(cls, T):
    """MACs of the classifier on one T x T tile."""
    (_, ), macs = graph.run(cls.doc, cls.t, torch.zeros(1, 1, T, T))
    return macs


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
    ap.add_argument("--refresh", action="store_true", help="rewrite the file's branch gain tables (val only)")
    a = ap.parse_args()
    if a.refresh and a.split != "val":
        sys.exit("--refresh measures on the val split only")
    cls = GraphModel(a.model)
    branches = []
    for name in cls.doc["branches"]:
        p = Path(a.weights) / f"{name}.safetensors"
        m = GraphModel(p)
        branches.append({"name": name, "model": m, "ckpt": str(p), "scale": m.doc["scale"],
                         "macs": m.doc["info"]["macs_per_output_pixel"], "val_psnr": m.doc["info"]["val_psnr"]})
    data = precompute_eval(a.split, branches)
    rows = []
    for (kind, T), images in data["sets"].items():
        r, _ = route_metrics(cls, images, data["macs"], classifier_macs(cls, T))
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
    if a.refresh:
        refresh(a.model, cls, branches, data)


def refresh(path, cls, branches, val):
    """Rewrites the branch gain tables and val figures of the classifier file at `path`."""
    s, M = branches[0]["scale"], len(branches)
    gains, canvas, counts = gain_per_class(cls, val["sets"][("clean", 32)], load_eval_set("val", s, EVAL_KINDS), M, s)
    figures = validate(cls, {"val": val, "graphics_val": precompute_eval("graphics_val", branches)},
                       lambda T: classifier_macs(cls, T))
    doc = json.loads(json.dumps(cls.doc))
    doc["info"].update(gain_per_class=gains, canvas_gain_per_class=canvas, val_tiles_per_class=counts,
                       val=val_figures(figures))
    doc["info"]["branch_tables_refreshed"] = {
        "date": datetime.date.today().isoformat(),
        "branches_val_psnr": {b["name"]: b["val_psnr"] for b in branches},
        "command": f"python training/eval_classsr.py {path} --refresh"}
    write_model(doc, {k: v.contiguous() for k, v in cls.t.items()}, path)
    print(f"rewrote {path}: gain_per_class {gains} (tiles {counts}); clean-t32 {doc['info']['val']['clean-t32']}")


if __name__ == "__main__":
    main()
