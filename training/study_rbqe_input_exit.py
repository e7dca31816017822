#!/usr/bin/env python3
"""Whether a tile whose INPUT already scores IQAM >= T could skip RBQE, on the VAL pairs only.

    python training/study_rbqe_input_exit.py Sources/ClarityModels/Weights/rbqe-lite.safetensors

Per H.264 QP of make_rbqe_pairs.py's val frames, the engine's tiling (rbqe.clarity_windows) and
the model's calibrated T: the paper's rule (the first exit whose 8-bit core scores >= T) against
the same rule with an "exit 0" first (a tile whose compressed input core scores >= T keeps it,
at no cost). Prints, per QP, the mean delta Y-PSNR over the input and the share of the last
exit's MACs saved of each rule, and how many tiles kept their input.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
import rbqe  # noqa: E402
from calibrate_rbqe import psnr_from, study_setup  # noqa: E402
from iqam import iqam  # noqa: E402
from make_rbqe_pairs import QPS, load  # noqa: E402


def main():
    a, model, doc = study_setup(__doc__)
    T, align = doc["early_exit"]["threshold"], doc["align"]
    cum, alone = rbqe.exit_macs(doc["nodes"], doc["outputs"])
    val = load("val")
    for qp in QPS:
        kind = f"h264qp{qp}"
        gains = {"paper": [], "exit 0": []}
        spent = {"paper": 0.0, "exit 0": 0.0}
        pixels, kept, tiles = 0, 0, 0
        for f in val:
            if kind not in f["deg"]:
                continue
            deg, orig = f["deg"][kind], f["orig"]
            h, w = orig.shape
            windows, cores = rbqe.clarity_windows(deg, align)
            outs = rbqe.run_windows(model, windows, cores)
            exits = rbqe.choose_exits(rbqe.tile_quality(outs, 4), T)
            sse = {"paper": 0.0, "exit 0": 0.0}
            n = 0
            for t, (y0, y1, x0, x1, _, _) in enumerate(cores):
                ry, rx = min(y1, h) - y0, min(x1, w) - x0
                if ry <= 0 or rx <= 0:
                    continue
                ref = orig[y0:y0 + ry, x0:x0 + rx].astype(np.float64)
                inp = deg[y0:y0 + ry, x0:x0 + rx].astype(np.float64)
                out = outs[t][exits[t]][:ry, :rx].astype(np.float64)
                cost = cum[exits[t]] * ry * rx
                sse["paper"] += ((out - ref) ** 2).sum()
                spent["paper"] += cost
                if iqam(inp / 255, 4)["quality"] >= T:
                    sse["exit 0"] += ((inp - ref) ** 2).sum()
                    kept += 1
                else:
                    sse["exit 0"] += ((out - ref) ** 2).sum()
                    spent["exit 0"] += cost
                tiles += 1
                n += ry * rx
            p0 = psnr_from(((deg.astype(np.float64) - orig) ** 2).sum(), orig.size)
            for r in gains:
                gains[r].append(psnr_from(sse[r], n) - p0)
            pixels += n
        print(kind, "  ".join(f"{r}: {np.mean(g):+.4f} dB, {100 * (1 - spent[r] / pixels / alone[-1]):.1f}% saved"
                              for r, g in gains.items()), f"  inputs kept {kept}/{tiles}", flush=True)


if __name__ == "__main__":
    main()
