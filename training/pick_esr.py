#!/usr/bin/env python3
"""Print the train.py arguments of the edge-SR model with the best validation PSNR at a
scale (default x3), read from the exported models/*.safetensors and the bundled ones
(validation only: never the test split).
    python training/pick_esr.py [--scale 3]"""
import argparse
import json
import sys
from pathlib import Path

from safetensors import safe_open

ap = argparse.ArgumentParser()
ap.add_argument("--scale", type=int, default=3)
a = ap.parse_args()
best = None
repo = Path(__file__).resolve().parent.parent
for p in sorted([*(repo / "models").glob("esr-*.safetensors"),
                 *(repo / "Sources/ClarityModels/Weights").glob("esr-*.safetensors")]):
    with safe_open(str(p), framework="pt") as f:
        doc = json.loads(f.metadata()["clarity"])
    if doc["scale"] != a.scale:
        continue
    v = doc["info"]["val_psnr"]
    if best is None or v > best[0]:
        best = (v, doc["info"]["config"])
if best is None:
    sys.exit("no edge-SR model at this scale")
c = best[1]
print(f"--arch {c['arch']} --kernel {c['kernel']} --candidates {c['candidates']} "
      f"--residual {int(c['global_residual'])}")
