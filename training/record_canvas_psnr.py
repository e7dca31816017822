#!/usr/bin/env python3
"""Record what the classical canvases score on the val split, into every bundled upscaler of
that scale.

    clarity bench quality --list training/data/splits/val.txt --scale 3 --precision fp32 \
        --no-speed --json --models none > canvas-x3.json
    python3 training/record_canvas_psnr.py canvas-x3.json

The router paints a canvas (swscale's Lanczos or bicubic) and puts models on some tiles: what
a model adds is its gain over that canvas, not over PIL's bicubic (`val_psnr_bicubic`). This
writes the canvases' val Y-PSNR (rows "FILTER (swscale)", the same protocol as `val_psnr`)
into each upscaler file of the report's scale as `val_psnr_canvas` {"lanczos": dB, ...}. Only
val figures are accepted. The tensors are kept byte for byte; only the JSON header changes.
"""
from record_cross_scale import WEIGHTS, rewrite_info, val_report


def main():
    report = val_report(__doc__)
    canvas = {row["method"].removesuffix(" (swscale)"): round(row["psnr"], 3)
              for row in report["rows"] if row["method"].endswith(" (swscale)")}

    def update(doc):
        if doc.get("task") != "upscale" or doc.get("scale") != report["scale"]:
            return False
        doc.setdefault("info", {})["val_psnr_canvas"] = canvas
        return True
    for path in sorted(WEIGHTS.glob("*.safetensors")):
        if rewrite_info(path, update):
            print(f"{path.stem}: val_psnr_canvas = {canvas}")


if __name__ == "__main__":
    main()
