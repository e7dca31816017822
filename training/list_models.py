#!/usr/bin/env python3
"""Markdown table of the model files in models/ (from their metadata).
    python training/list_models.py [--commands]"""
import json
import sys
from pathlib import Path

from safetensors import safe_open

rows = []
for p in sorted((Path(__file__).resolve().parent.parent / "models").glob("*.safetensors")):
    with safe_open(str(p), framework="pt") as f:
        m = f.metadata() or {}
    if "clarity" not in m:
        continue
    d = json.loads(m["clarity"])
    if d.get("task") == "deartifact":
        continue  # RBQE: see training/RESULTS.md (per-exit tables)
    i = d["info"]
    rows.append((d["scale"], d["name"], i))
rows.sort(key=lambda r: (r[0], r[2]["macs_per_output_pixel"]))
print("| model | scale | params | MACs / output px | val Y-PSNR | val bicubic | gain | val H.264 QP32 gain | iterations |")
print("|---|---|---|---|---|---|---|---|---|")
for s, n, i in rows:
    g32 = i["val_psnr_h264qp32"] - i["val_psnr_bicubic_h264qp32"]
    print(f"| {n} | x{s} | {i['params']} | {i['macs_per_output_pixel']:g} | {i['val_psnr']:.3f} | "
          f"{i['val_psnr_bicubic']:.3f} | {i['val_psnr'] - i['val_psnr_bicubic']:+.3f} | {g32:+.3f} | {i['iterations']} |")
if "--commands" in sys.argv:
    print()
    for s, n, i in rows:
        print(f"- `{n}`: `{i['training_command']}` (best at iteration {i['best_iteration']}, exported {i['exported']})")
