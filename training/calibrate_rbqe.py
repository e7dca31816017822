#!/usr/bin/env python3
"""Early-exit threshold of an RBQE model file, calibrated on the VALIDATION pairs.

    python training/calibrate_rbqe.py models/rbqe-l6-c32.safetensors [--record]

Tiling (the Swift engine's; rbqe.clarity_windows): the decoded luma frame is edge-padded to
multiples of the model's alignment and cut into CORES OF 128x128 LUMA PIXELS (smaller at the
frame's end), each read through a WINDOW of the core plus 16 px of context on every side
(shifted inward at the frame's border); each window is one independent network input (its own
ECA statistics, zero padding at its sides). For every tile every exit's 8-bit output core is
scored with IQAM (training/iqam.py, block 4 for H.264, pixels / 255), as Clarity judges it,
and measured against the previous exit's core (mean squared change, 8-bit levels). The rule
(rbqe.choose_exits): leave at the first exit whose core has Q >= T (the paper's), or, from
exit 2 on, that changed the previous exit's core by a mean square of at most S (the
restoration has settled: deeper exits refine it little); else the last exit. Cores are
stitched without the engine's feathering.

Sweep of (T, S) over the val frames' H.264 pairs (QP 22..42, intra and inter frames), S "off"
included (the paper's rule alone): mean delta Y-PSNR over the QPs (frame = the padded-tile
outputs stitched and cropped, 8 bit, against the lossless original) versus mean MACs per pixel
(cumulative cost of the exits taken, earlier exit heads included). (T, S) is the knee of that
trade-off (Kneedle: both axes scaled to [0, 1] over the sweep, the point furthest above the
chord, i.e. max(quality - cost); ties -> cheaper). The model file is rewritten with
`"early_exit": {"iqam_block": 4, "threshold": T, "settle": S, "tile": 128}`
(docs/model-format.md) and info.early_exit_calibration; --record appends the sweep tables to
training/RESULTS.md. (The JPEG pairs are swept too, block 8, T only, for the table only: the
app's inputs are video.)
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
import graph  # noqa: E402
import rbqe  # noqa: E402
from make_rbqe_pairs import QFS, QPS, load  # noqa: E402

THRESHOLDS = [0.0] + [round(float(x), 3) for x in np.arange(0.30, 1.0001, 0.01)] + [1.01]
SETTLES = [None, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]


def model_from_file(path):
    doc, tensors = graph.load(path)
    m = rbqe.build(doc["info"]["config"])
    sd = {}
    for name, mod in m.mods.items():
        if isinstance(mod, rbqe.ECA):
            sd[f"mods.{name}.conv.weight"] = tensors[f"{name}.weight"]
        else:
            sd[f"mods.{name}.weight"] = tensors[f"{name}.weight"]
            sd[f"mods.{name}.bias"] = tensors[f"{name}.bias"]
    m.load_state_dict(sd)
    m.eval()
    return m, doc, tensors


def study_setup(doc_text, threads=1, extra=()):
    """The command line of an RBQE study on a model file: MODEL, `extra` positionals and
    (name, default) options, --threads; returns (args, model, doc) with torch's threads set."""
    ap = argparse.ArgumentParser(description=doc_text, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    for name, default in extra:
        ap.add_argument(name, **({} if default is None else {"default": default}))
    ap.add_argument("--threads", type=int, default=threads)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, doc, _ = model_from_file(a.model)
    return a, model, doc


def tile_stats(model, deg, orig, block, align):
    """Per tile of the engine's tiling: IQAM per exit [T, E] (on the 8-bit core), SSE per exit
    over the core's real (unpadded) pixels [T, E], the real pixel count per core [T] and each
    exit's mean squared change to the previous one [T, E] (rbqe.tile_changes)."""
    h, w = orig.shape
    windows, cores = rbqe.clarity_windows(deg, align)
    outs = rbqe.run_windows(model, windows, cores)
    q = rbqe.tile_quality(outs, block)
    sse = np.zeros((len(cores), len(outs[0])))
    npx = np.zeros(len(cores))
    for t, (y0, y1, x0, x1, _, _) in enumerate(cores):
        ry, rx = min(y1, h) - y0, min(x1, w) - x0
        if ry <= 0 or rx <= 0:
            continue
        ref = orig[y0:y0 + ry, x0:x0 + rx].astype(np.float64)
        sse[t] = [((o[:ry, :rx].astype(np.float64) - ref) ** 2).sum() for o in outs[t]]
        npx[t] = ry * rx
    return q, sse, npx, rbqe.tile_changes(outs)


def psnr_from(sse, n):
    return 10 * np.log10(255.0 ** 2 / max(sse / n, 1e-12))


def sweep(stats, cum, settles=SETTLES):
    """stats: {kind: [(q, sse, npx, changes, input_psnr), ...]} -> rows per (threshold, settle)."""
    rows = []
    for S, T in ((S, T) for S in settles for T in THRESHOLDS):
        row = {"T": T, "S": S, "kinds": {}}
        for kind, frames in stats.items():
            d, spent, px, ex = [], 0.0, 0.0, []
            for q, sse, npx, ch, p0 in frames:
                e = rbqe.choose_exits(q, T, ch, S)
                d.append(psnr_from(sse[np.arange(len(e)), e].sum(), npx.sum()) - p0)
                spent += float((np.asarray(cum)[e] * npx).sum())
                px += float(npx.sum())
                ex += list(e)
            row["kinds"][kind] = {"delta": float(np.mean(d)), "macs": spent / px,
                                  "exits": np.bincount(ex, minlength=len(cum)).tolist()}
        rows.append(row)
    return rows


def knee(rows, kinds):
    q = np.array([np.mean([r["kinds"][k]["delta"] for k in kinds]) for r in rows])
    c = np.array([np.mean([r["kinds"][k]["macs"] for k in kinds]) for r in rows])
    qn = (q - q.min()) / max(q.max() - q.min(), 1e-12)
    cn = (c - c.min()) / max(c.max() - c.min(), 1e-12)
    score = np.round(qn - cn, 9)
    best = max(range(len(rows)), key=lambda i: (score[i], -c[i]))
    return best, score


def fixed_exit_rows(stats, n_exits):
    out = {}
    for kind, frames in stats.items():
        out[kind] = [float(np.mean([psnr_from(sse[:, e].sum(), npx.sum()) - p0 for q, sse, npx, _, p0 in frames]))
                     for e in range(n_exits)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--record", action="store_true", help="append the sweep to training/RESULTS.md")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-jpeg", action="store_true", help="skip the JPEG (reference-only) sweep")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, doc, tensors = model_from_file(a.model)
    cum, alone = rbqe.exit_macs(doc["nodes"], doc["outputs"])
    E = len(doc["outputs"])
    val = load("val")
    stats = {}
    for kind, block in [(f"h264qp{q}", 4) for q in QPS] + ([] if a.no_jpeg else [(f"jpeg{q}", 8) for q in QFS]):
        for f in val:
            if kind not in f["deg"]:
                continue
            q, sse, npx, ch = tile_stats(model, f["deg"][kind], f["orig"], block, doc["align"])
            p0 = psnr_from(((f["deg"][kind].astype(np.float64) - f["orig"]) ** 2).sum(), f["orig"].size)
            stats.setdefault(kind, []).append((q, sse, npx, ch, p0))
        print(f"  {kind}: {len(stats[kind])} frames", flush=True)
    h264 = [f"h264qp{q}" for q in QPS]
    jpg = [] if a.no_jpeg else [f"jpeg{q}" for q in QFS]
    fixed = fixed_exit_rows(stats, E)
    rows_h = sweep({k: stats[k] for k in h264}, cum)
    ih, score_h = knee(rows_h, h264)
    T, S = float(rows_h[ih]["T"]), rows_h[ih]["S"]
    if jpg:
        rows_j = sweep({k: stats[k] for k in jpg}, cum, [None])
        ij, _ = knee(rows_j, jpg)
        TJ = float(rows_j[ij]["T"])
    else:
        rows_j, ij, TJ = [], None, None
    early = {"iqam_block": 4, "threshold": T, "settle": S, "tile": rbqe.TILE}

    # report
    name = doc["name"]
    L = [f"### {name}: early-exit calibration on the val split (128-px cores in 160-px windows, IQAM block 4 for H.264)",
         f"Command: `python training/calibrate_rbqe.py {a.model}`. {len(stats[h264[0]])} val frames "
         f"(H.264, intra + inter) per QP, {len(stats[jpg[0]]) if jpg else 0} per JPEG QF; MACs per pixel per exit "
         f"(cumulative, early exit) {[round(x) for x in cum]}; a fixed exit alone {[round(x) for x in alone]}.",
         "", "Fixed exits (tiled), val delta Y-PSNR (dB):", "",
         "| kind | " + " | ".join(f"exit {e + 1}" for e in range(E)) + " |",
         "|---|" + "---|" * E]
    for k in h264 + jpg:
        L.append(f"| {k} | " + " | ".join(f"{x:+.3f}" for x in fixed[k]) + " |")
    def row(r, mark=""):
        kinds = list(r["kinds"])
        ex = np.sum([r["kinds"][k]["exits"] for k in kinds], 0).tolist()
        m = np.mean([r["kinds"][k]["macs"] for k in kinds])
        return (f"| {r['T']:.2f}{mark} | " + " | ".join(f"{r['kinds'][k]['delta']:+.3f}" for k in kinds)
                + f" | {np.mean([r['kinds'][k]['delta'] for k in kinds]):+.3f} | {m:.0f} | "
                f"{100 * (1 - m / alone[-1]):.1f}% | {ex} |")

    def header(label, kinds, first="T"):
        return ["", f"{label}: delta Y-PSNR per level, mean, MACs/px (mean over core pixels), saving vs "
                    f"always the last exit ({alone[-1]:.0f} MACs/px); exits taken (tiles per exit, all levels)", "",
                f"| {first} | " + " | ".join(kinds) + " | mean | MACs/px | saving | exits |",
                "|---|" + "---|" * (len(kinds) + 4)]

    for label, rows, kinds, sel in (("H.264 (block 4)", rows_h, h264, ih), ("JPEG (block 8)", rows_j, jpg, ij))[: 2 if jpg else 1]:
        paper = [i for i, r in enumerate(rows) if r["S"] is None]
        own = paper[knee([rows[i] for i in paper], kinds)[0]]
        L += header(f"Sweep of T, {label}, the paper's rule alone (no settle test)", kinds)
        for n, i in enumerate(paper):
            if n % 2 and i not in (own, sel) and rows[i]["T"] < 1.0:
                continue  # every other threshold, to keep the table short
            L.append(row(rows[i], " **knee**" if i == sel else " (knee of this rule)" if i == own else ""))
    L += header("Sweep of (T, S), H.264: for each settle bound S (mean squared change, 8-bit levels), the T "
                "furthest above the chord", h264, "S, T")
    for bound in SETTLES:
        cand = [i for i, r in enumerate(rows_h) if r["S"] == bound]
        i = max(cand, key=lambda i: (score_h[i], -i))
        L.append(row(rows_h[i], " **knee**" if i == ih else "").replace("| ", f"| {'off' if bound is None else bound}, ", 1))
    L += ["", f"Chosen (knee, H.264): T = {T}, S = {S if S is not None else 'off'} -> `early_exit` {json.dumps(early)} "
              "written into the model file. " + (f"(JPEG knee, block 8, T only, for reference: T = {TJ}.)" if jpg else ""), ""]
    text = "\n".join(L)
    print(text)

    # write the threshold into the model file
    doc["early_exit"] = early
    r = rows_h[ih]
    doc["info"]["early_exit_calibration"] = {
        "data": "val split pairs (make_rbqe_pairs.py), H.264 QP 22-42, 128-px cores judged in 160-px windows as the engine tiles",
        "rule": "knee (max of normalised quality - normalised MACs) of the (threshold, settle) sweep",
        "val_delta_psnr_at_threshold": {k: round(r["kinds"][k]["delta"], 3) for k in h264},
        "val_macs_per_pixel_at_threshold": round(float(np.mean([r["kinds"][k]["macs"] for k in h264])), 1),
        "macs_per_pixel_always_last": round(alone[-1], 1),
        "jpeg_threshold_block8": TJ,
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, a.model, metadata={"clarity": json.dumps(doc)})
    print(f"wrote early_exit {early} into {a.model}")
    if a.record:
        res = Path(__file__).resolve().parent / "RESULTS.md"
        with open(res, "a") as f:
            f.write("\n" + text)
        print(f"appended to {res}")


if __name__ == "__main__":
    main()
