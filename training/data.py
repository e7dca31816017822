"""Training data: HR luma planes, their degraded LR versions, and a patch sampler by difficulty.

prepare(split, scale) builds (once; cached in CACHE/prepared/) for every image of the split:
  - HR versions: the photo itself, plus a 2x-downscaled copy (PIL BICUBIC, antialiased) when
    its short side is at least 1000 px (denser detail, hides the JPEG artifacts of sources);
  - for each HR version, cropped to multiples of 2 * scale: LR variants 'clean',
    JPEG (Q 60, 75, 90) and H.264 intra (QP 22, 27, 32, 37), all 8-bit;
  - a difficulty map: bicubic PSNR of every candidate patch (LR grid, stride patch / 2).

PatchSampler draws (LR, HR) patch batches:
  - patch weight 1 where bicubic (the model's own residual) scores < 40 dB, else 0.1;
  - image probability proportional to sqrt(sum of its patch weights) (so a big smooth
    wallpaper cannot dominate), times 1.5 for the textured "testimage" stratum;
  - the LR variant: clean with probability p_clean, else a random compressed one;
  - random offset jitter, flips and 90-degree rotations.
"""
import csv
import hashlib
import pickle

import numpy as np
import torch

from common import CACHE, SPLITS, degrade, downscale, load_rgb, modcrop, resize_f, rgb_to_y, split_files
from models import BicubicResidual

JPEG_Q = (60, 75, 90)
H264_QP = (22, 27, 32, 37)
VARIANTS = ("clean",) + tuple(f"jpeg{q}" for q in JPEG_Q) + tuple(f"h264qp{q}" for q in H264_QP)
EASY_DB = 40.0


def strata():
    with open(SPLITS / "manifest.tsv") as f:
        return {r["path"]: r["stratum"] for r in csv.DictReader(f, delimiter="\t")}


def hr_versions(rel):
    y = rgb_to_y(load_rgb(rel)).astype(np.float32)
    out = [(rel, y)]
    h, w = y.shape
    if min(h, w) >= 1000:
        out.append((rel + "@half", resize_f(y, w // 2, h // 2)))
    return out


def bicubic_psnr_map(hr, lr_clean, s, patch):
    """PSNR of the bicubic residual branch on LR cells (patch x patch, stride patch // 2)."""
    with torch.no_grad():
        up = BicubicResidual(s)(torch.from_numpy(lr_clean.astype(np.float32) / 255.0)[None, None])[0, 0]
    err = (up.numpy() * 255.0 - hr) ** 2
    st = patch // 2
    H, W = lr_clean.shape
    ys = list(range(0, max(H - patch, 0) + 1, st))
    xs = list(range(0, max(W - patch, 0) + 1, st))
    m = np.zeros((len(ys), len(xs)), np.float32)
    for i, y0 in enumerate(ys):
        for j, x0 in enumerate(xs):
            e = err[y0 * s:(y0 + patch) * s, x0 * s:(x0 + patch) * s].mean()
            m[i, j] = 10 * np.log10(255.0 ** 2 / max(e, 1e-10))
    return m, ys, xs


def prepare(split, scale, patch=64, variants=VARIANTS, verbose=True):
    files = split_files(split)
    key = hashlib.sha1(repr((files, scale, patch, variants, 2)).encode()).hexdigest()[:10]
    path = CACHE / "prepared" / f"{split}-x{scale}-p{patch}-{key}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    st = strata()
    items = []
    for rel in files:
        for name, y in hr_versions(rel):
            hr = modcrop(y, 2 * scale)
            if min(hr.shape) < patch * scale:
                if verbose:
                    print(f"  skip {name}: {hr.shape} smaller than one patch")
                continue
            lr = {"clean": downscale(hr, scale)}
            for v in variants[1:]:
                lr[v] = degrade(lr["clean"], v)
            pm, ys, xs = bicubic_psnr_map(hr, lr["clean"], scale, patch)
            items.append({"name": name, "stratum": st.get(rel, "?"), "hr": hr.astype(np.float32),
                          "lr": lr, "psnr_map": pm, "ys": ys, "xs": xs})
            if verbose:
                print(f"  {name}: HR {hr.shape}, {pm.size} cells, "
                      f"{(pm < EASY_DB).mean() * 100:.0f}% hard, median bicubic {np.median(pm):.1f} dB", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(items, f, protocol=4)
    return items


class PatchSampler:
    def __init__(self, items, scale, patch=64, p_clean=0.6, easy_weight=0.1, texture_boost=1.5,
                 seed=0):
        self.items, self.s, self.p = items, scale, patch
        self.p_clean = p_clean
        self.rng = np.random.default_rng(seed)
        self.cell_w, img_w = [], []
        for it in items:
            w = np.where(it["psnr_map"] < EASY_DB, 1.0, easy_weight).ravel()
            self.cell_w.append(w / w.sum())
            img_w.append(np.sqrt(w.sum()) * (texture_boost if it["stratum"] == "testimage" else 1.0))
        img_w = np.array(img_w)
        self.img_p = img_w / img_w.sum()

    def describe(self):
        lines = []
        for it, p in sorted(zip(self.items, self.img_p), key=lambda t: -t[1]):
            lines.append(f"{p * 100:5.1f}%  {it['name']}")
        return "\n".join(lines)

    def batch(self, n):
        s, P = self.s, self.p
        lrs = np.empty((n, 1, P, P), np.float32)
        hrs = np.empty((n, 1, P * s, P * s), np.float32)
        comp = [v for v in VARIANTS if v != "clean"]
        for b in range(n):
            k_img = int(self.rng.choice(len(self.items), p=self.img_p))
            it = self.items[k_img]
            c = int(self.rng.choice(len(self.cell_w[k_img]), p=self.cell_w[k_img]))
            i, j = divmod(c, len(it["xs"]))
            H, W = it["lr"]["clean"].shape
            y0 = int(np.clip(it["ys"][i] + self.rng.integers(-P // 4, P // 4 + 1), 0, H - P))
            x0 = int(np.clip(it["xs"][j] + self.rng.integers(-P // 4, P // 4 + 1), 0, W - P))
            v = "clean" if self.rng.random() < self.p_clean else comp[self.rng.integers(len(comp))]
            lr = it["lr"][v][y0:y0 + P, x0:x0 + P].astype(np.float32) / 255.0
            hr = it["hr"][y0 * s:(y0 + P) * s, x0 * s:(x0 + P) * s] / 255.0
            k = int(self.rng.integers(8))
            if k & 1:
                lr, hr = lr[:, ::-1], hr[:, ::-1]
            if k & 2:
                lr, hr = lr[::-1], hr[::-1]
            if k & 4:
                lr, hr = lr.T, hr.T
            lrs[b, 0], hrs[b, 0] = lr, hr
        return torch.from_numpy(lrs), torch.from_numpy(hrs)


def load_eval_set(split, scale, kinds=("clean",)):
    """Whole images for validation / test: HR Y (float, 8-bit units) modcropped to 2*scale,
    and LR variants (uint8). Cached."""
    files = split_files(split)
    key = hashlib.sha1(repr((files, scale, kinds, 1)).encode()).hexdigest()[:10]
    path = CACHE / "prepared" / f"eval-{split}-x{scale}-{key}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    out = []
    for rel in files:
        hr = modcrop(rgb_to_y(load_rgb(rel)).astype(np.float32), 2 * scale)
        lr = {"clean": downscale(hr, scale)}
        for k in kinds:
            if k != "clean":
                lr[k] = degrade(lr["clean"], k)
        out.append({"name": rel, "hr": hr, "lr": lr})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(out, f, protocol=4)
    return out
