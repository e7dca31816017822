#!/usr/bin/env python3
"""Export a ClassSR Class-Module checkpoint to a Clarity model file (task "classify").

    python training/export_classsr.py CACHE/ckpt/<run>/best.pt models/classsr-x3.safetensors [NAME]

NAME defaults to classsr-x<scale of the branches>.

The graph: conv0 (4x4 stride 4, leaky_relu) -> conv1, conv2, conv3 (1x1, leaky_relu) ->
conv4 (1x1) -> pool (global_avg_pool) -> logits (linear 32 -> M); input "lr" (one LR luma
tile, Y / 255, sides multiples of 4), output "logits" [N, M] (softmax left to the consumer,
routing takes the argmax). Top-level "branches": the bundled model names of the branches in
class order. info.gain_per_class[c][b]: mean over the val tiles (32 px, clean LR) that the
classifier puts in class c of the Y-PSNR gain of branch b over PIL bicubic on the tile (dB).
info.canvas_gain_per_class[filter][c]: the same for each of swscale's filters, the canvas that
Clarity's tiles without a model keep (ffmpeg's scale filter on the grey LR plane, bit for bit
what Clarity's canvas gives): the router weighs a branch by its gain over the canvas in use.
The file is read back and run through graph.py; it must match PyTorch within 1e-4.
"""
import datetime
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph  # noqa: E402
from classsr import build as build_cm  # noqa: E402
from common import load_checkpoint  # noqa: E402
from export import calibration_ranges, cpu_name, model_doc, write_model  # noqa: E402
from data import load_eval_set  # noqa: E402
from train_classsr import EVAL_KINDS, MAX_DB_LOSS, classify, load_branches, precompute_eval, psnr_of, scale_of, tile_grid, tile_stats  # noqa: E402


# swscale's filters, as Clarity's --canvas names them (ScaleFilter).
CANVAS_FILTERS = ("neighbor", "fast_bilinear", "bilinear", "bicubic", "area", "gauss", "sinc", "lanczos", "spline")


def swscale_upscale(lr, s, flt):
    """An 8-bit plane enlarged s times by swscale's `flt` through ffmpeg's scale filter."""
    H, W = lr.shape
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{W}x{H}",
                          "-i", "-", "-vf", f"scale={W * s}:{H * s}:flags={flt}", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         input=np.ascontiguousarray(lr).tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(H * s, W * s)


def gain_per_class(model, images, items, M, s, T=32):
    """Mean per-tile Y-PSNR gain over PIL bicubic (dB) per class: [class][branch] for the
    branches, {filter: [class]} for swscale's filters; and tiles per class. `images` are the
    precomputed val tiles of side T, `items` the val split's planes in the same order."""
    def mean(g):
        return round(float(np.mean(g)), 3) if g else 0.0
    gains = [[[] for _ in range(M)] for _ in range(M)]
    canvas = {f: [[] for _ in range(M)] for f in CANVAS_FILTERS}
    for im, it in zip(images, items, strict=True):
        assert im["name"] == it["name"], (im["name"], it["name"])
        c = classify(model, im["win"])
        lr = it["lr"]["clean"]
        ups = [swscale_upscale(lr, s, f) for f in CANVAS_FILTERS]
        _, sse = tile_stats(it["hr"], ups, tile_grid(*lr.shape, T), s)
        n = np.maximum(im["n"], 1)
        for i in range(len(c)):
            pb = psnr_of(im["sse"][i, M], n[i])
            for b in range(M):
                gains[c[i]][b].append(psnr_of(im["sse"][i, b], n[i]) - pb)
            for k, f in enumerate(CANVAS_FILTERS):
                canvas[f][c[i]].append(psnr_of(sse[i, k], n[i]) - pb)
    counts = [len(gains[k][0]) for k in range(M)]
    return ([[mean(g) for g in row] for row in gains], {f: [mean(g) for g in row] for f, row in canvas.items()},
            counts)


def val_figures(v):
    """The file's info.val: routing figures per val set (train_classsr.validate), rounded."""
    return {k: {"d_psnr_vs_last": round(r["d_psnr"], 3), "psnr_routed": round(r["psnr_routed"], 3),
                "psnr_branches": [round(x, 3) for x in r["psnr_branch"]],
                "psnr_bicubic": round(r["psnr_bicubic"], 3),
                "macs_fraction": round(r["macs_frac"], 4),
                "macs_fraction_with_classifier": round(r["macs_frac_with_classifier"], 4),
                "class_shares": r["shares"]} for k, r in v.items()}


def export(ckpt, out, name=None):
    ck = load_checkpoint(ckpt)
    model = build_cm(ck["cfg"])
    model.load_state_dict(ck["model"])
    model.eval()
    M = ck["cfg"]["classes"]
    branches = load_branches([b["ckpt"] for b in ck["branches"]])
    s = scale_of(branches)
    name = name or f"classsr-x{s}"
    val = precompute_eval("val", branches)
    gains, canvas_gains, counts = gain_per_class(model, val["sets"][("clean", 32)], load_eval_set("val", s, EVAL_KINDS), M, s)
    g, tensors = model.graph()
    tensors = {k: t.detach().float().contiguous().clone() for k, t in tensors.items()}
    a = ck["args"]
    x32 = torch.rand(1, 1, 32, 32)
    info = {
        "config": ck["cfg"],
        "params": int(sum(p.numel() for p in model.parameters())),
        "macs_per_tile_32": model.macs_per_tile(32, 32),
        "macs_per_input_pixel": round(model.macs_per_tile(32, 32) / 1024, 2),
        "branch_macs_per_output_pixel": [round(b["macs"], 2) for b in branches],
        "gain_per_class": gains,
        "gain_per_class_layout": "[class][branch], dB: mean over val tiles (32 px LR, clean, argmax class) of "
                                 "the branch's tile Y-PSNR minus PIL bicubic's (border = scale)",
        "canvas_gain_per_class": canvas_gains,
        "canvas_gain_per_class_layout": "{swscale filter: [class]}, dB: as gain_per_class, for swscale's filter "
                                        "(ffmpeg's scale filter on the grey LR plane, as Clarity's canvas)",
        "val_tiles_per_class": counts,
        "val": val_figures(ck["best"]["val"]),
        "val_protocol": "val split, argmax routing, non-overlapping LR tiles (key -t32 / -t64), each tile's core "
                        "taken from its branch's output with full context (= Clarity tiler with overlap >= "
                        "receptive radius, no feathering); Y-PSNR of the 8-bit output, border = scale, mean over "
                        "images; d_psnr_vs_last = routed minus the last (most expensive) branch alone; "
                        "macs_fraction = branch MACs vs the last branch on every tile",
        "selection": "training/pick_classsr.py: among every run's best.pt and last.pt, the largest branch-MACs "
                     f"saving (val, clean, 32-px tiles) with routed PSNR >= last branch - {MAX_DB_LOSS} dB on clean "
                     "val with 32- and 64-px tiles (the 0.1 dB target less a margin); checkpoint and loss "
                     "weights w1, w2 chosen on val only",
        "loss": {"w1_class_loss": a["w1"], "w2_average_loss": a["w2"], "batch": a["batch"],
                 "train_tile": 32},
        "iterations": ck["iter"],
        "best_iteration": ck["best"]["iter"],
        "dataset": "training/data/splits (train for training, val for selection)",
        "seed": a["seed"],
        "training_command": ck["command"],
        "exported": datetime.date.today().isoformat(),
        "machine": f"{cpu_name()}, torch {torch.__version__}",
    }
    doc = model_doc(name, "classify", 1, ["logits"], g, info, branches=[b["name"] for b in branches])
    # int8 activation ranges on LR crops of training photos at the branches' scale (the export.py rule)
    doc["calibration"] = calibration_ranges(dict(doc, scale=s), tensors)
    out, doc2, t2 = write_model(doc, tensors, out)
    err = 0.0
    with torch.no_grad():
        for shape in ((8, 1, 32, 32), (4, 1, 64, 64), (2, 1, 48, 64)):
            x = torch.rand(*shape)
            (got,), macs = graph.run(doc2, t2, x)
            err = max(err, (got - model(x)).abs().max().item())
        (_, ), macs = graph.run(doc2, t2, x32)
    if err > 1e-4:
        raise SystemExit(f"error: exported graph differs from the model by {err}")
    assert macs == info["macs_per_tile_32"], (macs, info["macs_per_tile_32"])
    print(f"wrote {out}: {info['params']} params, {macs} MACs per 32x32 tile, graph.py vs PyTorch max |diff| "
          f"{err:.2e}; branches {doc['branches']}; gain_per_class {gains} (tiles {counts}); "
          f"lanczos canvas {canvas_gains['lanczos']}")
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    export(*sys.argv[1:])
