"""Writes the ClarityQuality test fixtures: small generated images and reference scores.

    python Tests/ClarityQualityTests/Fixtures/make_fixtures.py     (numpy; scikit-image if present)

IQAM scores come from training/iqam.py (the Python twin); PSNR and SSIM from scikit-image
when it is importable (else PSNR from numpy and no SSIM). Everything lands in
fixtures.json beside the images, so the Swift tests never need Python.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "training"))
import iqam  # noqa: E402

try:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    import skimage
    SKIMAGE = skimage.__version__
except ImportError:
    SKIMAGE = None

rng = np.random.default_rng(20240601)


def write_netpbm(name, img):
    """8-bit binary PGM (P5) for a 2-D array, PPM (P6) for an H x W x 3 one."""
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"%s\n%d %d\n255\n" % (b"P5" if img.ndim == 2 else b"P6", img.shape[1], img.shape[0]))
        f.write(img.tobytes())
    return img


def write_f32(name, img):
    img = img.astype("<f4")
    img.tofile(os.path.join(HERE, name))
    return img


def dct_matrix(n):
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    m = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * x + 1) * k / (2 * n))
    m[0] /= np.sqrt(2.0)
    return m


def block_quantise(img, n, step):
    """JPEG-like: n x n DCT per block, uniform quantisation, inverse (blocking artifacts)."""
    d = dct_matrix(n)
    out = img.astype(np.float64).copy()
    h, w = img.shape
    for y in range(0, h - h % n, n):
        for x in range(0, w - w % n, n):
            c = d @ out[y:y + n, x:x + n] @ d.T
            c = np.round(c / step) * step
            out[y:y + n, x:x + n] = d.T @ c @ d
    return out


def box_blur3(img):
    p = np.pad(img.astype(np.float64), 1, mode="reflect")
    h, w = img.shape
    return sum(p[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9.0


yy, xx = np.mgrid[0:70, 0:90].astype(np.float64)
smooth_scene = 60 + 1.2 * xx + 0.8 * yy + 3 * np.sin(xx / 9.0)
texture = (128 + 45 * np.sin(xx * 0.9) * np.cos(yy * 0.7) + 25 * np.sin((xx + 2 * yy) * 0.45)
           + rng.normal(0, 12, xx.shape))
y2, x2 = np.mgrid[0:80, 0:96].astype(np.float64)
scene = 90 + 0.9 * x2 + 0.5 * y2 + np.where(x2 > 48, 35 * np.sin(x2 * 0.8) * np.sin(y2 * 0.6), 0.0)
scene += rng.normal(0, 4, scene.shape)

images = {
    "blocky4.pgm": write_netpbm("blocky4.pgm", block_quantise(smooth_scene + rng.normal(0, 1.5, xx.shape), 4, 24)),
    "texture.pgm": write_netpbm("texture.pgm", texture),
    "texture_blurred.pgm": write_netpbm("texture_blurred.pgm", box_blur3(np.clip(np.round(texture), 0, 255))),
    "scene.pgm": write_netpbm("scene.pgm", scene),
    "scene_jpeg8.pgm": write_netpbm("scene_jpeg8.pgm", block_quantise(np.clip(np.round(scene), 0, 255), 8, 40)),
}

yf, xf = np.mgrid[0:48, 0:64].astype(np.float64)
mixed = np.where(xf < 32, 0.3 + 0.004 * xf + 0.002 * yf,
                 0.5 + 0.2 * np.sin(xf * 1.3) * np.cos(yf * 0.9) + rng.normal(0, 0.03, xf.shape))
mixed = np.clip(mixed, 0, 1)
floats = {
    "mixed_64x48.f32": write_f32("mixed_64x48.f32", mixed),
    "mixed_noisy_64x48.f32": write_f32("mixed_noisy_64x48.f32",
                                       np.clip(mixed + rng.normal(0, 0.02, mixed.shape), 0, 1)),
}

yr, xr = np.mgrid[0:24, 0:32].astype(np.float64)
rgb_a = np.stack([120 + 80 * np.sin(xr * 0.5), 100 + 3 * yr, 200 - 4 * xr], axis=-1)
rgb_a = write_netpbm("rgb_a.ppm", rgb_a + rng.normal(0, 5, rgb_a.shape))
rgb_b = write_netpbm("rgb_b.ppm", rgb_a.astype(np.float64) + rng.normal(0, 6, rgb_a.shape))


def as64(img):
    return np.asarray(img, dtype=np.float64)


def iqam_entry(name, img, n, rect=None):
    s = iqam.iqam_rect(img, *rect, n=n) if rect else iqam.iqam(img, n)
    assert s["margin"] > 1e-6, f"{name} n={n}: a patch sits within 1e-6 of the texture threshold"
    return {"file": name, "n": n, "rect": list(rect) if rect else None, **s}


fixtures = {"generator": "make_fixtures.py", "skimage": SKIMAGE, "numpy": np.__version__,
            "float_files": {"mixed_64x48.f32": [64, 48], "mixed_noisy_64x48.f32": [64, 48]},
            "iqam": [], "psnr8": [], "psnr_float": [], "ssim8": [], "rgb": []}

for name, img in images.items():
    for n in (4, 8):
        fixtures["iqam"].append(iqam_entry(name, as64(img), n))
fixtures["iqam"].append(iqam_entry("texture.pgm", as64(images["texture.pgm"]), 4, (8, 4, 40, 32)))
fixtures["iqam"].append(iqam_entry("scene_jpeg8.pgm", as64(images["scene_jpeg8.pgm"]), 8, (16, 8, 64, 56)))
# the float file is read as float32, scored in float64
fixtures["iqam"].append(iqam_entry("mixed_64x48.f32", as64(floats["mixed_64x48.f32"]), 4))
fixtures["iqam"].append(iqam_entry("mixed_64x48.f32", as64(floats["mixed_64x48.f32"]), 8))
fixtures["iqam"].append(iqam_entry("mixed_64x48.f32", as64(floats["mixed_64x48.f32"]), 4, (4, 4, 28, 40)))


def crop(img, b):
    return img[b:img.shape[0] - b, b:img.shape[1] - b] if b else img


def psnr(a, b, peak):
    if SKIMAGE:
        return float(peak_signal_noise_ratio(a, b, data_range=peak))
    return float(10 * np.log10(peak * peak / np.mean((a - b) ** 2)))


def ssim(a, b, rng_):
    return float(structural_similarity(a, b, data_range=rng_, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False))


for a, b in [("scene.pgm", "scene_jpeg8.pgm"), ("texture.pgm", "texture_blurred.pgm")]:
    for border in (0, 3):
        ia, ib = crop(as64(images[a]), border), crop(as64(images[b]), border)
        fixtures["psnr8"].append({"a": a, "b": b, "border": border, "psnr": psnr(ia, ib, 255.0)})
        if SKIMAGE:
            fixtures["ssim8"].append({"a": a, "b": b, "border": border, "ssim": ssim(ia, ib, 255.0)})


def pair_entry(names, planes, border, peak, keys=("psnr", "ssim")):
    """PSNR (and SSIM with skimage) of two planes with `border` removed."""
    a, b = crop(planes[0], border), crop(planes[1], border)
    e = {"a": names[0], "b": names[1], "border": border, keys[0]: psnr(a, b, peak)}
    if SKIMAGE:
        e[keys[1]] = ssim(a, b, peak)
    return e


fa, fb = as64(floats["mixed_64x48.f32"]), as64(floats["mixed_noisy_64x48.f32"])
for border in (0, 2):
    fixtures["psnr_float"].append(pair_entry(("mixed_64x48.f32", "mixed_noisy_64x48.f32"), (fa, fb), border, 1.0))


def luma(rgb):
    rgb = rgb.astype(np.float64) / 255.0
    return 16 + 65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]


ya, yb = luma(rgb_a), luma(rgb_b)
for border in (0, 2):
    fixtures["rgb"].append(pair_entry(("rgb_a.ppm", "rgb_b.ppm"), (ya, yb), border, 255.0, ("ypsnr", "yssim")))

with open(os.path.join(HERE, "fixtures.json"), "w") as f:
    json.dump(fixtures, f, indent=1)
print(json.dumps(fixtures["iqam"], indent=None)[:3000])
