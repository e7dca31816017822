#!/usr/bin/env python3
"""Reference inputs and outputs for checking an inference engine against PyTorch.

    python training/make_reference.py models/*.safetensors [--out models/reference-io.safetensors]

Writes one safetensors file with, per scale s present among the models:
  lr_x<s>   [1, 1, 48, 64]  F32, Y / 255 of an 8-bit LR crop (PIL bicubic downscale of a
                            test-split photo, rubberwhale1.png), values k / 255
  hr_x<s>   [1, 1, 48s, 64s] F32, the matching HR Y / 255 (not rounded)
and per model `out.<model-name>` = the model's output (F32, not rounded) on lr_x<s>, computed by
the reference interpreter (graph.py) from the model file. __metadata__ lists the models with
their output Y-PSNR vs hr (8-bit rounded output, border s). An engine in fp32 should match
`out.*` to well above 50 dB; its PSNR vs hr should match the listed values.

Deartifact models (task "deartifact", RBQE) get, once:
  deart_in  [1, 1, 64, 96]  F32, Y / 255 of the same photo's luma (8-bit, crop at (40, 60)) after
                            one libx264 intra frame at QP 37 (common.h264), values k / 255
  deart_ref [1, 1, 64, 96]  F32, the 8-bit luma before compression / 255
and per model and exit `out.<model-name>.<exit node>` (whole-input run, no tiling), with
per-exit PSNR vs deart_ref (8-bit rounded output, no border) in the metadata.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph  # noqa: E402
from common import downscale, h264, load_rgb, modcrop, psnr, rgb_to_y, to_u8  # noqa: E402

SRC = "src/opencv-doc/usr/share/doc/opencv-doc/examples/data/rubberwhale1.png"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "models" / "reference-io.safetensors"))
    a = ap.parse_args()
    y = rgb_to_y(load_rgb(SRC)).astype(np.float32)
    tensors, meta = {}, {"source": SRC + " (test split)", "models": {}}
    for p in sorted(a.models):
        doc, t = graph.load(p)
        if doc.get("task") == "deartifact":
            if "deart_in" not in tensors:
                y8 = np.clip(np.rint(y), 0, 255).astype(np.uint8)[40:40 + 64, 60:60 + 96]
                tensors["deart_in"] = torch.from_numpy(h264(y8, 37).astype(np.float32) / 255.0)[None, None].contiguous()
                tensors["deart_ref"] = torch.from_numpy(y8.astype(np.float32) / 255.0)[None, None].contiguous()
                meta["deart_in_psnr"] = round(psnr(to_u8(tensors["deart_in"][0, 0].numpy()), y8), 3)
            with torch.no_grad():
                outs, _ = graph.run(doc, t, tensors["deart_in"])
            ref = tensors["deart_ref"][0, 0].numpy() * 255.0
            for name, o in zip(doc["outputs"], outs):
                tensors[f"out.{doc['name']}.{name}"] = o.contiguous()
            meta["models"][doc["name"]] = {
                "task": "deartifact", "outputs": doc["outputs"],
                "psnr_vs_ref": [round(psnr(to_u8(o[0, 0].numpy()), ref), 3) for o in outs]}
            continue
        s = doc["scale"]
        if f"lr_x{s}" not in tensors:
            hr = modcrop(y, 2 * s)
            lr = downscale(hr, s)
            y0, x0 = 40, 60  # LR crop origin (even, inside the image)
            lr_c = lr[y0:y0 + 48, x0:x0 + 64]
            hr_c = hr[y0 * s:(y0 + 48) * s, x0 * s:(x0 + 64) * s]
            tensors[f"lr_x{s}"] = torch.from_numpy(lr_c.astype(np.float32) / 255.0)[None, None].contiguous()
            tensors[f"hr_x{s}"] = torch.from_numpy(hr_c / 255.0)[None, None].contiguous()
        with torch.no_grad():
            (out,), _ = graph.run(doc, t, tensors[f"lr_x{s}"])
        tensors[f"out.{doc['name']}"] = out.contiguous()
        meta["models"][doc["name"]] = {
            "scale": s,
            "psnr_vs_hr": round(psnr(to_u8(out[0, 0].numpy()), tensors[f"hr_x{s}"][0, 0].numpy() * 255.0, border=s), 3)}
    save_file(tensors, a.out, metadata={"clarity_reference": json.dumps(meta)})
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
