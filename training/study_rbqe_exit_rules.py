#!/usr/bin/env python3
"""Exit rules for RBQE scored on a per-tile dump (training/dump_rbqe_tiles.py), val only.

    python training/study_rbqe_exit_rules.py MODEL.safetensors TILES.npz

Rules, each a choice of exit per tile from IQAM scores alone (index 0 = the compressed input):
  paper T       the first exit whose quality >= T, else the last (the paper's rule)
  settled T e   as paper, or stop at exit k >= 2 once it changed exit k-1's 8-bit output by a
                mean squared e levels or less: the restoration has settled, deeper exits refine
                it little (exit 1's change to the input is small at every QP, so it says nothing)
For each: per QP, delta Y-PSNR over the input (mean over frames) and the share of the last
exit's MACs saved; then the mean over QPs.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rbqe  # noqa: E402
from calibrate_rbqe import model_from_file  # noqa: E402


def score(d, exits, cum, last):
    """Per QP: (mean delta dB over frames, MACs saved vs always the last exit)."""
    out = {}
    for qp in np.unique(d["qp"]):
        m = d["qp"] == qp
        gains = []
        for f in np.unique(d["frame"][m]):
            t = m & (d["frame"] == f)
            sse_in = d["sse"][t, 0].sum()
            sse_out = d["sse"][t, exits[t] + 1].sum()
            gains.append(10 * np.log10(sse_in / sse_out))
        cost = (cum[exits[m]] * d["pixels"][m]).sum() / d["pixels"][m].sum()
        out[int(qp)] = (float(np.mean(gains)), 1 - cost / last)
    return out


def report(name, s):
    cells = "  ".join(f"{qp}: {g:+.3f} {100 * v:4.1f}%" for qp, (g, v) in s.items())
    mean_g = np.mean([g for g, _ in s.values()])
    mean_v = np.mean([v for _, v in s.values()])
    print(f"{name:<22} {cells}  mean {mean_g:+.4f} {100 * mean_v:4.1f}%", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("tiles")
    ap.add_argument("--changes", default="0.05,0.1,0.2,0.3,0.5,1,2")
    a = ap.parse_args()
    _, doc, _ = model_from_file(a.model)
    cum, alone = rbqe.exit_macs(doc["nodes"], doc["outputs"])
    cum = np.array(cum)
    d = dict(np.load(a.tiles))
    q = d["score"][:, 1:, 0]  # the exits' IQAM (column 0 of the dump is the input)
    n = q.shape[1]
    report("last exit", score(d, np.full(len(q), n - 1), cum, alone[-1]))
    report("exit 1", score(d, np.zeros(len(q), int), cum, alone[-1]))
    T0 = float(d["threshold"])
    for T in (T0 - 0.04, T0 - 0.02, T0, T0 + 0.02, T0 + 0.04):
        report(f"paper {T:.2f}", score(d, rbqe.choose_exits(q, T), cum, alone[-1]))
    for T in (T0, T0 + 0.02, T0 + 0.04, T0 + 0.08):
        for e in map(float, a.changes.split(",")):
            report(f"settled {T:.2f} {e:g}", score(d, rbqe.choose_exits(q, T, d["change"], e), cum, alone[-1]))


if __name__ == "__main__":
    main()
