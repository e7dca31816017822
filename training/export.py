#!/usr/bin/env python3
"""Export a training checkpoint to a Clarity model file (docs/model-format.md).

    python training/export.py CACHE/ckpt/<name>/best.pt models/<name>.safetensors [NAME]

NAME (default: the run's name) is the model's name in the file, e.g. the bundled name a
continuation run replaces. A continuation run (--init FILE) records FILE's own training
command and iterations under `info.continued_from`, so the whole history stays in the file.

Upscalers (train.py) and RBQE (train_rbqe.py, task "deartifact": one output per exit,
shallowest first; info holds MACs per pixel per exit and the validation delta-PSNR per
kind per exit) are both handled; the checkpoint's config says which.

The file holds the weights as F32 tensors named <node>.weight (PyTorch layouts) and, in
__metadata__["clarity"], the graph (the fixed bicubic global residual included, as a conv2d
named `bicubic` + pixel_shuffle + add). After writing, the file is read back and run through
the reference interpreter (graph.py); the export fails unless it matches the PyTorch model.
"""
import datetime
import json
import platform
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph  # noqa: E402
import numpy as np  # noqa: E402
from common import downscale, load_checkpoint, load_rgb, modcrop, rgb_to_y, split_files  # noqa: E402
from models import build  # noqa: E402


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def observed_ranges(doc, tensors, inputs):
    """Per node, the 0.01% and 99.99% quantiles of its values over `inputs` (a strided sample;
    the low end is 0 when nothing is negative), as the engine's own calibration measures them."""
    values = {}
    for x in inputs:
        captured = {}
        with torch.no_grad():
            graph.run(doc, tensors, x, capture=captured)
        for k, v in captured.items():
            values.setdefault(k, []).append(v.flatten())
    ranges = {}
    for k, chunks in values.items():
        v = torch.cat(chunks).numpy()
        sample = np.sort(v[::max(1, v.size // 262_144)])
        q = sample.size // 10_000
        lo = 0.0 if v.min() >= 0 else min(float(sample[q]), -1e-6)
        ranges[k] = [lo, float(sample[sample.size - 1 - q])]
    return ranges


def calibration_ranges(doc, tensors, images=8, crop=96):
    """int8 activation ranges per node, from LR crops of the first `images` training photos.

    Same rule as the engine's own calibration (Model.clippedRange): 0.01% and 99.99% quantiles
    of a strided sample; the low end is 0 when no value is negative. Measured here, on
    training data, so int8 does not depend on whichever frame a run happens to start with.
    """
    s = doc["scale"]
    inputs = []
    for rel in split_files("train")[:images]:
        lr = downscale(modcrop(rgb_to_y(load_rgb(rel)).astype(np.float32), 2 * s), s)
        h, w = lr.shape
        c = min(crop, h - h % 2, w - w % 2)
        y0, x0 = (h - c) // 2 // 2 * 2, (w - c) // 2 // 2 * 2
        x = torch.from_numpy(lr[y0:y0 + c, x0:x0 + c].astype(np.float32) / 255.0)[None, None]
        inputs.append(x)
    return observed_ranges(doc, tensors, inputs)


def model_doc(name, task, scale, outputs, g, info, **extra):
    """A model file's description (docs/model-format.md) of a graph from `model.graph()`."""
    return {"format": 1, "name": name, "task": task, "scale": scale, "input": "lr", "outputs": outputs,
            "align": g["align"], "receptive_radius": g["receptive_radius"], "nodes": g["nodes"],
            "info": dict(info), **extra}


def write_model(doc, tensors, path):
    """Writes the model file and reads it back, so that the exporters check what was written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"clarity": json.dumps(doc)})
    return (path, *graph.load(path))


def export_model(model, name, path, info):
    model.eval()
    g, tensors = model.graph()
    s = model.scale
    doc = model_doc(name, "upscale", s, ["out"], g, info)
    tensors = {k: v.detach().float().contiguous().clone() for k, v in tensors.items()}
    # cost: MACs per output pixel, counted by the reference interpreter on a test input
    x = torch.rand(1, 1, 48, 64)
    with torch.no_grad():
        (ref,), macs = graph.run(doc, tensors, x)
        want = model(x)
    doc["info"]["params"] = int(sum(p.numel() for p in model.parameters()))
    doc["info"]["macs_per_output_pixel"] = round(macs / (ref.shape[-1] * ref.shape[-2]), 2)
    doc["calibration"] = calibration_ranges(doc, tensors)
    path, doc2, t2 = write_model(doc, tensors, path)
    with torch.no_grad():
        (got,), _ = graph.run(doc2, t2, x)
    err = (got - want).abs().max().item()
    if err > 1e-5:
        raise SystemExit(f"error: exported graph differs from the model by {err}")
    return path, doc2


def history(ck):
    """`{"continued_from": ...}` for a continuation run: the init file's training record
    (nested if that run was itself a continuation); `{}` for a run from scratch."""
    init = ck["args"].get("init")
    if not init:
        return {}
    if not str(init).endswith(".safetensors"):
        return {"continued_from": {"checkpoint": str(init)}}
    doc, _ = graph.load(init)
    i = doc.get("info", {})
    keep = ("training_command", "iterations", "best_iteration", "exported", "machine", "continued_from")
    return {"continued_from": {"file": Path(init).name, **{k: i[k] for k in keep if k in i}}}


def export_checkpoint(ckpt, out, name=None):
    ck = load_checkpoint(ckpt)
    model = build(ck["cfg"])
    model.load_state_dict(ck["model"])
    best = ck["best"]
    info = {
        "config": ck["cfg"],
        "val_psnr": round(best["clean"], 3),
        "val_psnr_bicubic": round(ck["val_bicubic"]["clean"], 3),
        "val_psnr_h264qp32": round(best.get("h264qp32", float("nan")), 3),
        "val_psnr_bicubic_h264qp32": round(ck["val_bicubic"]["h264qp32"], 3),
        "psnr_protocol": "Y (BT.601 studio) of 8-bit output, border = scale, mean over the val split; "
                         "LR = PIL bicubic downscale of HR luma; bicubic = PIL bicubic (a=-0.5)",
        "iterations": ck["iter"],
        "best_iteration": best.get("iter"),
        "dataset": "training/data/splits (train for training, val for selection)",
        "seed": ck["args"]["seed"],
        "training_command": ck["command"],
        "exported": datetime.date.today().isoformat(),
        "machine": f"{cpu_name()}, torch {torch.__version__}",
        **history(ck),
    }
    path, doc = export_model(model, name or ck["name"], out, info)
    print(f"wrote {path}: {doc['info']['params']} params, {doc['info']['macs_per_output_pixel']} MACs/px, "
          f"val {info['val_psnr']} dB (bicubic {info['val_psnr_bicubic']})")
    return path




def rbqe_calibration_ranges(doc, tensors, frames=8, crop=128):
    """int8 activation ranges (same rule as calibration_ranges) from H.264 QP 32 crops of the
    first `frames` RBQE training frames (training/data/make_rbqe_pairs.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
    from make_rbqe_pairs import load
    inputs = []
    for f in load("train")[:frames]:
        d = f["deg"]["h264qp32"]
        h, w = d.shape
        c = min(crop, h // doc["align"] * doc["align"], w // doc["align"] * doc["align"])
        y0, x0 = (h - c) // 2 // 16 * 16, (w - c) // 2 // 16 * 16
        x = torch.from_numpy(d[y0:y0 + c, x0:x0 + c].astype(np.float32) / 255.0)[None, None]
        inputs.append(x)
    return observed_ranges(doc, tensors, inputs)


def export_rbqe(model, name, path, info, early_exit=None):
    """Writes an RBQE model (task deartifact); checks the file against the PyTorch model on
    every exit (max abs error <= 1e-5, i.e. far above 50 dB)."""
    model.eval()
    g, tensors = model.graph()
    doc = model_doc(name, "deartifact", 1, g["outputs"], g, info, **({"early_exit": early_exit} if early_exit else {}))
    tensors = {k: v.detach().float().contiguous().clone() for k, v in tensors.items()}
    a = g["align"]
    x = torch.rand(1, 1, 2 * a, 3 * a)
    node_macs = {}
    with torch.no_grad():
        graph.run(doc, tensors, x, node_macs=node_macs)
        want = model(x)
    px = x.shape[-1] * x.shape[-2]
    doc["info"]["params"] = int(sum(p.numel() for p in model.parameters()))
    # early exit runs the node list in order up to exit k: cumulative cost of the nodes before it
    doc["info"]["macs_per_pixel_per_exit"] = [round(node_macs[o] / px, 1) for o in g["outputs"]]
    doc["info"]["macs_per_output_pixel"] = doc["info"]["macs_per_pixel_per_exit"][-1]
    doc["calibration"] = rbqe_calibration_ranges(doc, tensors)
    path, doc2, t2 = write_model(doc, tensors, path)
    with torch.no_grad():
        got, _ = graph.run(doc2, t2, x)
    err = max((a_ - b_).abs().max().item() for a_, b_ in zip(got, want))
    mse = max(((a_ - b_) ** 2).mean().item() for a_, b_ in zip(got, want))
    db = float("inf") if mse == 0 else 10 * np.log10(1 / mse)
    if err > 1e-5 or db < 50:
        raise SystemExit(f"error: exported graph differs from the model by {err} ({db:.1f} dB)")
    return path, doc2


def rbqe_info(ck):
    best = ck["best"]
    r3 = lambda v: [round(x, 3) for x in v]  # noqa: E731
    return {
        "config": ck["cfg"],
        "val_delta_psnr_per_exit": {k: r3(v) for k, v in best["delta"].items()},
        "val_psnr_input": {k: round(v, 3) for k, v in best["base"].items()},
        "val_score": round(best["score"], 4),
        "psnr_protocol": "delta Y-PSNR (8-bit output vs compressed input, against the lossless "
                         "original), BT.601 studio luma as decoded, no border; mean over the val "
                         "crops (centre crops <= 256 px of the val frames of make_rbqe_pairs.py)",
        "exit_loss_weights": ck.get("exit_weights"),
        "iterations": ck["iter"],
        "best_iteration": best.get("iter"),
        "training_minutes": round(ck.get("elapsed", 0.0) / 60, 1),
        "dataset": "training/data/make_rbqe_pairs.py: pan clips of splits/rbqe_train.txt "
                   "(train split) for training, splits/rbqe_val.txt (val split) for selection; "
                   "H.264 QP 22-42 (intra + inter frames) and JPEG QF 10-50, luma",
        "seed": ck["args"]["seed"],
        "training_command": ck["command"],
        "exported": datetime.date.today().isoformat(),
        "machine": f"{cpu_name()}, torch {torch.__version__}",
        **history(ck),
    }


def export_rbqe_checkpoint(ckpt, out, early_exit=None, extra_info=None, name=None):
    from rbqe import build as build_rbqe
    ck = load_checkpoint(ckpt)
    model = build_rbqe(ck["cfg"])
    model.load_state_dict(ck["model"])
    info = rbqe_info(ck)
    info.update(extra_info or {})
    path, doc = export_rbqe(model, name or ck["name"], out, info, early_exit)
    print(f"wrote {path}: {doc['info']['params']} params, MACs/px per exit "
          f"{doc['info']['macs_per_pixel_per_exit']}, val score {info['val_score']}")
    return path


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    name = sys.argv[3] if len(sys.argv) == 4 else None
    if load_checkpoint(sys.argv[1])["cfg"]["arch"] == "rbqe":
        export_rbqe_checkpoint(sys.argv[1], sys.argv[2], name=name)
    else:
        export_checkpoint(sys.argv[1], sys.argv[2], name=name)
