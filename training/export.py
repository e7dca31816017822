#!/usr/bin/env python3
"""Export a training checkpoint to a Clarity model file (docs/model-format.md).

    python training/export.py CACHE/ckpt/<name>/best.pt models/<name>.safetensors

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
from common import downscale, load_rgb, modcrop, rgb_to_y, split_files  # noqa: E402
from models import build  # noqa: E402


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def calibration_ranges(doc, tensors, images=8, crop=96):
    """int8 activation ranges per node, from LR crops of the first `images` training photos.

    Same rule as the engine's own calibration (Model.clippedRange): 0.01% and 99.99% quantiles
    of a strided sample; the low end is 0 when no value is negative. Measured here, on
    training data, so int8 does not depend on whichever frame a run happens to start with.
    """
    s = doc["scale"]
    values = {}
    for rel in split_files("train")[:images]:
        lr = downscale(modcrop(rgb_to_y(load_rgb(rel)).astype(np.float32), 2 * s), s)
        h, w = lr.shape
        c = min(crop, h - h % 2, w - w % 2)
        y0, x0 = (h - c) // 2 // 2 * 2, (w - c) // 2 // 2 * 2
        x = torch.from_numpy(lr[y0:y0 + c, x0:x0 + c].astype(np.float32) / 255.0)[None, None]
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


def export_model(model, name, path, info):
    model.eval()
    g, tensors = model.graph()
    s = model.scale
    doc = {"format": 1, "name": name, "task": "upscale", "scale": s, "input": "lr",
           "outputs": ["out"], "align": g["align"], "receptive_radius": g["receptive_radius"],
           "nodes": g["nodes"], "info": dict(info)}
    tensors = {k: v.detach().float().contiguous().clone() for k, v in tensors.items()}
    # cost: MACs per output pixel, counted by the reference interpreter on a test input
    x = torch.rand(1, 1, 48, 64)
    with torch.no_grad():
        (ref,), macs = graph.run(doc, tensors, x)
        want = model(x)
    doc["info"]["params"] = int(sum(p.numel() for p in model.parameters()))
    doc["info"]["macs_per_output_pixel"] = round(macs / (ref.shape[-1] * ref.shape[-2]), 2)
    doc["calibration"] = calibration_ranges(doc, tensors)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"clarity": json.dumps(doc)})
    # read back and check
    doc2, t2 = graph.load(path)
    with torch.no_grad():
        (got,), _ = graph.run(doc2, t2, x)
    err = (got - want).abs().max().item()
    if err > 1e-5:
        raise SystemExit(f"error: exported graph differs from the model by {err}")
    return path, doc2


def export_checkpoint(ckpt, out):
    ck = torch.load(ckpt, weights_only=False)
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
    }
    path, doc = export_model(model, ck["name"], out, info)
    print(f"wrote {path}: {doc['info']['params']} params, {doc['info']['macs_per_output_pixel']} MACs/px, "
          f"val {info['val_psnr']} dB (bicubic {info['val_psnr_bicubic']})")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export_checkpoint(sys.argv[1], sys.argv[2])
