#!/usr/bin/env python3
"""What IQAM should judge when Clarity picks a tile's exit, on the VAL pairs only.

    python training/study_rbqe_judging.py Sources/ClarityModels/Weights/rbqe-lite.safetensors

Clarity's tiles as its engine cuts them (TileGrid: 128-px cores over the frame edge-padded to
the model's alignment, each read through a window of the core plus 16 px on every side,
shifted inward at the frame's border; every exit of the window computed), and the model's
calibrated threshold T. A tile leaves at the first exit whose output scores IQAM >= T, judged
  - on the whole window, in floats (Clarity until the twenty-eighth session),
  - on the core, rounded to 8 bits (what training/calibrate_rbqe.py calibrated T on),
and keeps its core (no feathering). Prints the mean delta Y-PSNR over the compressed input and
the mean MACs per pixel of each rule (and of always the last exit), over every H.264 kind of
every val frame of make_rbqe_pairs.py.
"""
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rbqe  # noqa: E402
from calibrate_rbqe import study_setup  # noqa: E402
from common import CACHE, psnr  # noqa: E402
from iqam import iqam  # noqa: E402

def main():
    a, model, doc = study_setup(__doc__)
    early = doc["early_exit"]
    T, block = early["threshold"], early["iqam_block"]
    macs, alone = rbqe.exit_macs(doc["nodes"], doc["outputs"])
    align = doc["align"]
    frames = pickle.load(open(CACHE / "prepared" / "rbqe-val.pkl", "rb"))
    rules = ["window, float", "core, 8-bit", "last exit"]
    gains = {r: [] for r in rules}
    cost = {r: [] for r in rules}
    for f in frames:
        for kind, deg in f["deg"].items():
            if not kind.startswith("h264"):
                continue
            h, w = deg.shape
            p = np.pad(deg, ((0, (-h) % align), (0, (-w) % align)), mode="edge")
            H, W = p.shape
            wh, ys = rbqe.window_axis(H)
            ww, xs = rbqe.window_axis(W)
            out = {r: np.zeros((H, W)) for r in rules}
            spent = {r: 0.0 for r in rules}
            for y0, y1, oy in ys:
                for x0, x1, ox in xs:
                    window = torch.from_numpy(p[oy:oy + wh, ox:ox + ww].astype(np.float32) / 255)[None, None]
                    with torch.no_grad():
                        exits = [o[0, 0].numpy().astype(np.float64) for o in model(window)]
                    cores = [np.clip(np.rint(e[y0 - oy:y1 - oy, x0 - ox:x1 - ox] * 255), 0, 255) for e in exits]
                    judged = {"window, float": [iqam(e, block)["quality"] for e in exits],
                              "core, 8-bit": [iqam(c / 255, block)["quality"] for c in cores]}
                    for r in rules:
                        k = len(exits) - 1
                        if r in judged:
                            k = next((i for i, q in enumerate(judged[r][:-1]) if q >= T), k)
                        out[r][y0:y1, x0:x1] = cores[k]
                        spent[r] += (macs[k] if r in judged else alone[k]) * (y1 - y0) * (x1 - x0)
            p0 = psnr(deg, f["orig"])
            for r in rules:
                gains[r].append(psnr(out[r][:h, :w], f["orig"]) - p0)
                cost[r].append(spent[r] / (H * W))
        print(f["clip"], {r: (round(float(np.mean(gains[r])), 4), round(float(np.mean(cost[r])))) for r in rules}, flush=True)
    n = len(gains[rules[0]])
    print(f"\n{a.model}: T = {T}, block {block}; {n} val frame x QP pairs (H.264); mean delta Y-PSNR, MACs/px, saving vs the last exit")
    last = np.mean(cost["last exit"])
    for r in rules:
        print(f"  {r:<16} {np.mean(gains[r]):+.4f} dB  {np.mean(cost[r]):8.0f}  {100 * (1 - np.mean(cost[r]) / last):5.1f}%")
    print(json.dumps({r: {"dpsnr": round(float(np.mean(gains[r])), 4), "macs": round(float(np.mean(cost[r])))} for r in rules}))


if __name__ == "__main__":
    main()
