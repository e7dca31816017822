#!/usr/bin/env python3
"""Evaluate Clarity model files against classical upscalers on an image split.

    python training/evaluate.py models/bicubicpp-c32-x3.safetensors [more models...]
        [--split test] [--kinds clean,h264qp32] [--markdown out.md] [--per-image] [--record]

Protocol (DESIGN.md): Y = BT.601 studio-range luma; HR = the photo's Y (float) cropped to
multiples of 2 * scale; LR = PIL bicubic downscale of the HR Y, rounded to 8 bits (then,
for other kinds, JPEG Q / H.264 QP applied to it); every method maps LR Y to an 8-bit Y
plane; Y-PSNR and SSIM (Gaussian 11x11, sigma 1.5) with `scale` pixels removed at each
border, averaged over the images. Baselines in the same run: PIL bicubic (a = -0.5, the
"bicubic" the gains refer to), PIL lanczos, and ffmpeg/swscale bicubic and lanczos (what
`clarity bench quality` compares against). Models run through the reference interpreter
(graph.py) from the file alone, so this measures exactly what is shipped.

--record writes each model's clean test-split Y-PSNR (and PIL bicubic's on the same images)
into its file's info as test_psnr / test_psnr_bicubic, which `clarity models` shows. The
weights are untouched; the test split never feeds training or selection.
"""
import json
import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from common import psnr, resize_f, ssim, to_u8  # noqa: E402
from data import load_eval_set  # noqa: E402


def pil_up(lr, w, h, f):
    return np.clip(np.rint(resize_f(lr.astype(np.float32), w, h, f)), 0, 255).astype(np.uint8)


def swscale_up(lr, w, h, flags):
    lh, lw = lr.shape
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray",
           "-s", f"{lw}x{lh}", "-i", "-", "-vf", f"scale={w}:{h}:flags={flags}",
           "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    out = subprocess.run(cmd, input=lr.tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(h, w)


def model_up(doc, tensors, lr):
    x = torch.from_numpy(lr.astype(np.float32) / 255.0)[None, None]
    with torch.no_grad():
        (y,), _ = graph.run(doc, tensors, x)
    return to_u8(y[0, 0].numpy())


def record(path, test_psnr, bicubic_psnr):
    """Adds the test-split figures to a model file's info, keeping its tensors as they are."""
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    doc = json.loads(meta["clarity"])
    doc["info"]["test_psnr"] = round(test_psnr, 3)
    doc["info"]["test_psnr_bicubic"] = round(bicubic_psnr, 3)
    meta["clarity"] = json.dumps(doc)
    save_file(tensors, path, metadata=meta)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--scale", type=int, default=None, help="needed only without models")
    ap.add_argument("--split", default="test")
    ap.add_argument("--kinds", default="clean", help="comma list: clean, jpeg<Q>, h264qp<QP>")
    ap.add_argument("--no-swscale", action="store_true")
    ap.add_argument("--per-image", action="store_true")
    ap.add_argument("--markdown", default=None, help="append the tables to this file")
    ap.add_argument("--record", action="store_true", help="write clean test-split PSNR into the model files")
    a = ap.parse_args()
    if a.record and (a.split != "test" or "clean" not in a.kinds.split(",")):
        sys.exit("--record needs --split test and the clean kind")
    torch.set_num_threads(2)

    loaded = [(Path(p).stem, *graph.load(p)) for p in a.models]
    paths = dict(zip((n for n, _, _ in loaded), a.models))
    scales = sorted({d["scale"] for _, d, _ in loaded} or {a.scale or 3})
    kinds = a.kinds.split(",")
    md = []
    for s in scales:
        data = load_eval_set(a.split, s, tuple(kinds))
        methods = [("bicubic (PIL)", lambda lr, w, h: pil_up(lr, w, h, Image.BICUBIC)),
                   ("lanczos (PIL)", lambda lr, w, h: pil_up(lr, w, h, Image.LANCZOS))]
        if not a.no_swscale:
            methods += [("bicubic (swscale)", lambda lr, w, h: swscale_up(lr, w, h, "bicubic")),
                        ("lanczos (swscale)", lambda lr, w, h: swscale_up(lr, w, h, "lanczos"))]
        for name, doc, t in loaded:
            if doc["scale"] == s:
                methods.append((name, lambda lr, w, h, doc=doc, t=t: model_up(doc, t, lr)))
        for kind in kinds:
            rows, per = [], {}
            for mname, fn in methods:
                ps, ss = [], []
                for it in data:
                    h, w = it["hr"].shape
                    out = fn(it["lr"][kind], w, h)
                    ps.append(psnr(out, it["hr"], border=s))
                    ss.append(ssim(out, it["hr"], border=s))
                per[mname] = ps
                rows.append((mname, float(np.mean(ps)), float(np.mean(ss))))
            base = rows[0][1]
            if a.record and kind == "clean":
                for mname, p, _ in rows:
                    if mname in paths:
                        record(paths[mname], p, base)
            title = f"x{s}, {a.split} split ({len(data)} images), LR {kind}"
            lines = [f"### {title}", "", "| method | Y-PSNR (dB) | SSIM | vs bicubic (dB) |", "|---|---|---|---|"]
            for mname, p, q in rows:
                lines.append(f"| {mname} | {p:.3f} | {q:.4f} | {p - base:+.3f} |")
            if a.per_image:
                lines += ["", "| image | " + " | ".join(m for m, _, _ in rows) + " |",
                          "|---|" + "---|" * len(rows)]
                for i, it in enumerate(data):
                    lines.append(f"| {Path(it['name']).name} | " + " | ".join(f"{per[m][i]:.2f}" for m, _, _ in rows) + " |")
            lines.append("")
            print("\n".join(lines), flush=True)
            md += lines
    if a.markdown:
        with open(a.markdown, "a") as f:
            f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
