"""Y-PSNR of a clip against a reference clip, whole frames and each field's rows.

usage: field_psnr.py OUT REFERENCE WIDTH HEIGHT STEP   (every STEP-th reference frame)
"""
import subprocess
import sys

import numpy as np


def luma(path, width, height):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width).astype(np.float64)


def psnr(a, b):
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)


out, ref, width, height, step = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
a = luma(out, width, height)
b = luma(ref, width, height)[::step]
assert len(a) == len(b), f"{len(a)} frames against {len(b)}"
print(f"{len(a)} frames, Y-PSNR {psnr(a, b):.2f} dB "
      f"(top-field rows {psnr(a[:, 0::2], b[:, 0::2]):.2f}, bottom-field rows {psnr(a[:, 1::2], b[:, 1::2]):.2f})")
