#!/usr/bin/env python3
"""The RBQE pairs (make_rbqe_pairs.py) as a compact folder of PNGs, to train where the
cache is not (a rented GPU machine takes a few tens of MB, not the 430 MB pickles).

    /work/venv/bin/python training/data/pack_rbqe.py OUT [--width 0.45] [--val-crop 256]
    python training/train_rbqe.py --pairs OUT ...

OUT/<split>/index.json lists the frames; each frame's original and H.264 Y planes are
lossless PNGs. JPEG kinds are not stored: `read` makes them again from the original with
common.jpeg (PIL; the same quality factors), which is what make_rbqe_pairs.py did.
--width keeps that fraction of each training frame's width, to fit a size limit: the kept
frames of a clip (a slow pan over one photo, so nearly the same picture) take windows from its
left, centre and right, on the 16-pixel grid so that coding blocks stay where they were. --val-crop keeps
only the centre crop of each validation frame that train_rbqe.py validates on.
"""
import argparse
import io
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import jpeg  # noqa: E402
from make_rbqe_pairs import QFS, load  # noqa: E402

def png(y):
    buf = io.BytesIO()
    Image.fromarray(y, mode="L").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def unpng(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.uint8)


def encode(job):
    out, name, y = job
    (out / name).write_bytes(png(y))
    return (out / name).stat().st_size


def centre(n, crop, align=16):
    """Start and side of train_rbqe.val_crops' centre crop of a side of n pixels."""
    side = min(crop, n // align * align)
    return (n - side) // 2 // 16 * 16, side


def write(split, out, width=1.0, val_crop=None):
    frames = load(split)
    kept = {}
    for f in frames:
        kept.setdefault(f["clip"], []).append(f["frame"])
    out = out / split
    out.mkdir(parents=True, exist_ok=True)
    index, jobs = [], []
    for n, f in enumerate(frames):
        h, w = f["orig"].shape
        x0, y0 = 0, 0
        if width < 1:
            k, side = kept[f["clip"]], -(-int(w * width) // 16) * 16
            x0 = round((w - side) / 16 * k.index(f["frame"]) / max(len(k) - 1, 1)) * 16
            w = side
        if val_crop:
            (y0, h), (x0, w) = centre(h, val_crop), centre(w, val_crop)
        entry = {k: f[k] for k in ("clip", "photo", "frame")}
        entry.update(pict_type={str(k): v for k, v in f["pict_type"].items()}, x0=x0, y0=y0,
                     jpeg=any(k.startswith("jpeg") for k in f["deg"]), files={})
        for kind, y in [("orig", f["orig"])] + [(k, v) for k, v in f["deg"].items() if k.startswith("h264")]:
            name = f"{n:04d}-{kind}.png"
            entry["files"][kind] = name
            jobs.append((out, name, np.ascontiguousarray(y[y0:y0 + h, x0:x0 + w])))
        index.append(entry)
    with ProcessPoolExecutor() as ex:
        size = sum(ex.map(encode, jobs, chunksize=4))
    (out / "index.json").write_text(json.dumps(index, indent=1))
    print(f"{split}: {len(index)} frames, {size / 2 ** 20:.1f} MiB -> {out}")


def read_frame(args):
    folder, entry = args
    f = {k: entry[k] for k in ("clip", "photo", "frame")}
    f["pict_type"] = {int(k): v for k, v in entry["pict_type"].items()}
    ys = {k: unpng((folder / name).read_bytes()) for k, name in entry["files"].items()}
    f["orig"] = ys.pop("orig")
    f["deg"] = ys
    if entry["jpeg"]:
        for qf in QFS:
            f["deg"][f"jpeg{qf}"] = jpeg(f["orig"], qf)
    return f


def read(folder):
    """The frames of one split, as make_rbqe_pairs.load gives them."""
    folder = Path(folder)
    index = json.loads((folder / "index.json").read_text())
    with ProcessPoolExecutor() as ex:
        return list(ex.map(read_frame, [(folder, e) for e in index], chunksize=2))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--width", type=float, default=1.0, help="fraction of each training frame's width kept")
    ap.add_argument("--val-crop", type=int, default=None, help="keep the validation centre crops of this side")
    a = ap.parse_args()
    write("val", a.out, val_crop=a.val_crop)
    write("train", a.out, a.width)
