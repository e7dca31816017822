"""Writes the fixtures of the `clarity bench quality` protocol tests (PIL is the reference).

    /work/venv/bin/python Tests/ClarityMediaTests/Fixtures/make_fixtures.py

- photo_192.png: a 192x192 RGB crop of a test-split photo (rubberwhale1.png, opencv-doc).
- photo_192_lr3_64x64.u8: the toolkit's LR of it at x3 (training/common.py: BT.601 Y as float,
  modcrop 2*scale, PIL BICUBIC resize in mode F, np.rint to 8 bits).
- alpha_48.png / alpha_48_rgb.u8: an RGBA crop of chicky_512.png and PIL's RGB of it after
  compositing on white (common.load_rgb).
- ../../ClarityQualityTests/Fixtures/resample_*.f32: float planes resized by PIL in mode F
  (input, bicubic down x3 and x2, bicubic and lanczos up x3), for the Swift PIL resampler.
Raw files, not PGM/PPM: the Swift tests need no parser. The Swift tests never run Python.
"""
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("CLARITY_CACHE", "/work/cache")
OPENCV = os.path.join(CACHE, "src/opencv-doc/usr/share/doc/opencv-doc/examples/data")


def rgb_to_y(rgb):
    r, g, b = (rgb[..., i].astype(np.float64) / 255.0 for i in range(3))
    return 16.0 + 65.481 * r + 128.553 * g + 24.966 * b


def resize_f(y, w, h, f):
    return np.asarray(Image.fromarray(y.astype(np.float32), mode="F").resize((w, h), f), dtype=np.float32)


def write_u8(name, img):
    """Raw 8-bit samples, rows packed (RGB interleaved for colour); the size is in the name."""
    np.ascontiguousarray(img, np.uint8).tofile(os.path.join(HERE, name))


def write_f32(name, a):
    a.astype("<f4").tofile(os.path.join(HERE, "..", "..", "ClarityQualityTests", "Fixtures", name))


photo = Image.open(os.path.join(OPENCV, "rubberwhale1.png")).convert("RGB")
crop = photo.crop((200, 100, 392, 292))
crop.save(os.path.join(HERE, "photo_192.png"), optimize=True)
rgb = np.asarray(Image.open(os.path.join(HERE, "photo_192.png")).convert("RGB"))
y = rgb_to_y(rgb).astype(np.float32)
lr = np.clip(np.rint(resize_f(y, 64, 64, Image.BICUBIC)), 0, 255).astype(np.uint8)
write_u8("photo_192_lr3_64x64.u8", lr)

chick = Image.open(os.path.join(OPENCV, "chicky_512.png"))
assert chick.mode == "RGBA"
acrop = chick.crop((0, 0, 48, 48))  # its transparent pixels are the first row and column
a = np.asarray(acrop)[..., 3]
assert a.min() < 255 and a.max() > 0, "want partly transparent pixels"
acrop.save(os.path.join(HERE, "alpha_48.png"))
bg = Image.new("RGBA", acrop.size, (255, 255, 255, 255))
write_u8("alpha_48_rgb.u8", np.asarray(Image.alpha_composite(bg, acrop).convert("RGB")))

# A float plane with detail and values outside 0...255 between samples (a Y crop, 8-bit units).
src = y[40:76, 20:68].copy()  # 48 wide, 36 high
write_f32("resample_in_48x36.f32", src)
write_f32("resample_down3_16x12.f32", resize_f(src, 16, 12, Image.BICUBIC))
write_f32("resample_down2_24x18.f32", resize_f(src, 24, 18, Image.BICUBIC))
small = resize_f(src, 16, 12, Image.BICUBIC)
write_f32("resample_up3_bicubic_48x36.f32", resize_f(small, 48, 36, Image.BICUBIC))
write_f32("resample_up3_lanczos_48x36.f32", resize_f(small, 48, 36, Image.LANCZOS))
print("alpha pixels partly transparent:", int(((a > 0) & (a < 255)).sum()))
