"""Shared helpers: paths, image loading, BT.601 luma, degradations, metrics.

Conventions (used by training, export and evaluation alike):
- Y is BT.601 studio-range luma, Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 for RGB
  in [0, 1], kept in 8-bit units / 255 (so Y lies in [16/255, 235/255]).
- HR Y is float (from 8-bit RGB, not rounded). LR Y is 8-bit (rounded), like a decoded video.
- LR = PIL BICUBIC downscale (a = -0.5, antialiased) of the HR Y plane by the integer scale,
  after cropping HR so both sides are multiples of 2 * scale ("modcrop"); PIL's resampling is
  linear, so this equals the luma of the downscaled RGB image up to rounding.
- Compressed LR: grayscale JPEG of the 8-bit LR Y (the luma path of a colour JPEG), or one
  H.264 intra frame (libx264, yuv420p with neutral chroma, fixed QP) through ffmpeg.
"""
import io
import os
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

CACHE = Path(os.environ.get("CLARITY_CACHE", "/work/cache"))
REPO = Path(__file__).resolve().parent.parent
SPLITS = REPO / "training" / "data" / "splits"


def split_files(split):
    return [l.strip() for l in (SPLITS / f"{split}.txt").read_text().splitlines() if l.strip()]


def load_rgb(rel):
    im = Image.open(CACHE / rel)
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


def rgb_to_y(rgb_u8):
    """BT.601 studio-range luma in 8-bit units (float64, not rounded)."""
    r, g, b = (rgb_u8[..., i].astype(np.float64) / 255.0 for i in range(3))
    return 16.0 + 65.481 * r + 128.553 * g + 24.966 * b


def modcrop(a, m):
    h, w = a.shape[:2]
    return a[: h - h % m, : w - w % m]


def resize_f(y, w, h, resample=Image.BICUBIC):
    """Resize a float plane with PIL (mode F)."""
    return np.asarray(Image.fromarray(y.astype(np.float32), mode="F").resize((w, h), resample),
                      dtype=np.float32)


def downscale(y_hr, s):
    """8-bit-unit float HR plane (sides multiple of s) -> 8-bit LR plane (uint8)."""
    h, w = y_hr.shape
    lr = resize_f(y_hr, w // s, h // s, Image.BICUBIC)
    return np.clip(np.rint(lr), 0, 255).astype(np.uint8)


def jpeg(y_u8, quality):
    buf = io.BytesIO()
    Image.fromarray(y_u8, mode="L").save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("L"), dtype=np.uint8)


def h264(y_u8, qp):
    """One libx264 frame at a fixed QP (yuv420p, chroma 128); sides must be even."""
    h, w = y_u8.shape
    assert h % 2 == 0 and w % 2 == 0
    raw = y_u8.tobytes() + bytes([128]) * (w * h // 2)
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-s", f"{w}x{h}", "-i", "-", "-c:v", "libx264", "-preset", "medium", "-qp", str(qp),
           "-threads", "1", "-f", "h264", "-"]
    bits = subprocess.run(cmd, input=raw, capture_output=True, check=True).stdout
    dec = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "h264", "-i", "-",
           "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    out = subprocess.run(dec, input=bits, capture_output=True, check=True).stdout
    return np.frombuffer(out[: w * h], dtype=np.uint8).reshape(h, w).copy()


def degrade(y_u8, kind):
    """kind: 'clean', 'jpeg<Q>' or 'h264qp<QP>'."""
    if kind == "clean":
        return y_u8
    if kind.startswith("jpeg"):
        return jpeg(y_u8, int(kind[4:]))
    if kind.startswith("h264qp"):
        return h264(y_u8, int(kind[6:]))
    raise ValueError(kind)


def psnr(a, b, border=0):
    """PSNR in dB of two planes in 8-bit units, `border` pixels removed on every side."""
    if border:
        a = a[border:-border, border:-border]
        b = b[border:-border, border:-border]
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def ssim(a, b, border=0):
    from skimage.metrics import structural_similarity
    if border:
        a = a[border:-border, border:-border]
        b = b[border:-border, border:-border]
    return float(structural_similarity(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                       data_range=255.0, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False))


def to_u8(y):
    """Model output (8-bit units / 255) -> 8-bit plane, as a video frame would hold it."""
    return np.clip(np.rint(np.asarray(y, np.float64) * 255.0), 0, 255).astype(np.uint8)


def open_run(name, script):
    """A training run's checkpoint folder, its logger (stdout and CACHE/logs/<name>.log, timestamped)
    and the command line that started it (recorded in checkpoints and exported models)."""
    import shlex
    import sys
    import time
    ckdir = CACHE / "ckpt" / name
    ckdir.mkdir(parents=True, exist_ok=True)
    (CACHE / "logs").mkdir(parents=True, exist_ok=True)
    logf = open(CACHE / "logs" / f"{name}.log", "a")
    command = f"python training/{script} " + " ".join(shlex.quote(x) for x in sys.argv[1:])

    def log(msg):
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    return ckdir, log, command


class TrainingClock:
    """Seconds of training so far. Checkpointed, so a resumed run keeps its time budget and its
    learning-rate decay; validation and checkpoint writing are left out with `skip()`."""

    def __init__(self):
        import time
        self._time = time.time
        self.elapsed = 0.0
        self._mark = self._time()

    def tick(self):
        now = self._time()
        self.elapsed += now - self._mark
        self._mark = now

    def skip(self):
        self._mark = self._time()


def linear_decay(opt, clock, budget=None, iters=None):
    """The learning rate falling linearly to 0 over `budget` seconds of training time on
    `clock`, or, without a budget, over `iters` scheduler steps."""
    import torch

    def remaining(i):
        return max(0.0, 1.0 - (clock.elapsed / budget if budget else i / iters))
    return torch.optim.lr_scheduler.LambdaLR(opt, remaining)


def optimizer_step(loss, opt, sched, clock):
    """One optimizer step on `loss`, its time counted on `clock`, then the schedule's step."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    clock.tick()
    sched.step()


def load_checkpoint(path):
    """A torch checkpoint or cache file, onto the CPU wherever it was saved (runs trained on a
    GPU export, resume and initialise here)."""
    import torch
    return torch.load(path, map_location="cpu", weights_only=False)


class RunState:
    """What every trainer checkpoints and resumes: config, arguments, model, optimizer,
    schedule, both random generators (numpy's `rng` and torch's) and the training clock."""

    def __init__(self, cfg, args, model, opt, sched, rng, clock):
        self.cfg, self.args, self.model, self.opt, self.sched, self.rng, self.clock = \
            cfg, args, model, opt, sched, rng, clock

    def save(self, path, **extra):
        """Writes the run and `extra` (iteration, best, history, ...) atomically."""
        import torch
        torch.save({"cfg": self.cfg, "args": self.args, "model": self.model.state_dict(),
                    "opt": self.opt.state_dict(), "sched": self.sched.state_dict(),
                    "np_rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                    "elapsed": self.clock.elapsed, **extra}, str(path) + ".tmp")
        os.replace(str(path) + ".tmp", path)

    def resume(self, path, same, log):
        """Restores the run from `path` when it exists, after checking that it was trained with
        this config and these values of the arguments named in `same`. Returns the checkpoint
        (for the trainer's own entries), or None."""
        import sys
        import torch
        if not path.exists():
            return None
        ck = load_checkpoint(path)
        if ck["cfg"] != self.cfg or any(ck["args"].get(k) != self.args[k] for k in same):
            sys.exit(f"error: {path} was trained with another config; use --name or delete it")
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["opt"])
        self.sched.load_state_dict(ck["sched"])
        self.rng.bit_generator.state = ck["np_rng"]
        torch.set_rng_state(ck["torch_rng"])
        self.clock.elapsed = ck.get("elapsed", 0.0)
        log(f"resumed from {path} at iteration {ck['iter']} ({self.clock.elapsed / 60:.1f} min trained)")
        return ck


def load_init(model, cfg, path):
    """Loads the weights of a checkpoint (.pt) or an exported model (.safetensors) of the same
    config into `model`: the start of a continuation run."""
    import sys
    import torch
    path = str(path)
    if path.endswith(".safetensors"):
        import graph
        doc, tensors = graph.load(path)
        if doc.get("info", {}).get("config") != cfg:
            sys.exit(f"error: {path} holds another config ({doc.get('info', {}).get('config')})")
        _, params = model.graph()  # graph tensor names -> the model's own parameters
        with torch.no_grad():
            for k, p in params.items():
                p.copy_(tensors[k].reshape(p.shape))
    else:
        init = load_checkpoint(path)
        if init["cfg"] != cfg:
            sys.exit(f"error: {path} holds another config")
        model.load_state_dict(init["model"])


def rbqe_val_study(frames, outputs, title):
    """Mean delta Y-PSNR over the compressed input of each variant, over every H.264 kind of
    every val frame (make_rbqe_pairs.py), printed clip by clip as it goes and at the end.
    `outputs(degraded)` returns {variant: 8-bit output} for one degraded luma plane."""
    gains = {}
    for f in frames:
        for kind, deg in f["deg"].items():
            if not kind.startswith("h264"):
                continue
            p0 = psnr(deg, f["orig"])
            for name, out in outputs(deg).items():
                gains.setdefault(name, []).append(psnr(out, f["orig"]) - p0)
        print(f["clip"], {n: round(float(np.mean(g)), 4) for n, g in gains.items()}, flush=True)
    print(f"\n{title}: mean delta Y-PSNR of the last exit over {len(next(iter(gains.values())))} val frame x QP pairs")
    for name, g in gains.items():
        print(f"  {str(name):<28} {np.mean(g):+.4f} dB")
