#!/usr/bin/env python3
"""Train RBQE (training/rbqe.py) on the (compressed, original) luma pairs of
training/data/make_rbqe_pairs.py; resumable, logged, seeded, wall-clock budget.

    python training/train_rbqe.py --levels 4 --channels 16 --minutes 40 --lr 1e-3   # lite
    python training/train_rbqe.py --levels 6 --channels 32 --minutes 70 --lr 1e-3   # full

- Loss: MSE (Y / 255) at EVERY exit, weighted per sample by its compression level with the
  paper's weights (rbqe.PAPER_WEIGHTS; fewer exits: the columns of rbqe.EXIT_COLUMNS), summed
  over exits, averaged over the batch. No early exit while training. --norm kind (default)
  also divides each sample's loss by its kind's mean input MSE (relative to H.264 QP 32):
  QP 42's input MSE is 22x QP 22's, so with the plain loss the light levels barely count and
  the model over-smooths them (val, lite, 700 iterations: -1.3 .. -3.8 dB at QP 22).
- Batches mix all levels: each sample is H.264 (QP 22..42, intra and inter frames) with
  probability 1 - p_jpeg, else grayscale JPEG (QF 50..10); level uniform; frame drawn with
  probability proportional to sqrt(its area) (big smooth wallpapers do not dominate); patch
  origin on the 16-pixel grid (so coding blocks sit where they sit in a frame tile); random
  flips and 90-degree rotations.
- Adam, learning rate decaying linearly to 0 over --minutes of training time (validation and
  checkpoints excluded) or over --iters.
- Validation (every --val-minutes and at the end) on the VAL pairs: centre crops of at most
  VAL_CROP px of every val frame (sides multiple of the model's align), every kind; delta
  Y-PSNR of the 8-bit output over the compressed input, per kind and exit (--val-crop,
  --val-jpeg 0 make it cheaper for the full model). Selection score
  (best.pt): mean over the five H.264 QPs of the loss-weighted mean delta over exits.
Checkpoints CACHE/ckpt/<name>/{last,best}.pt (last every --ckpt-every s); log
CACHE/logs/<name>.log; rerunning the same command resumes. At the end best.pt is exported
to models/<name>.safetensors (export.py).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
import pack_rbqe  # noqa: E402
import rbqe  # noqa: E402
from common import linear_decay, load_init, open_run, optimizer_step, psnr, REPO, RunState, to_u8, TrainingClock  # noqa: E402
from make_rbqe_pairs import QFS, QPS, kind_level, load  # noqa: E402

H264 = [f"h264qp{q}" for q in QPS]
JPEG = [f"jpeg{q}" for q in QFS]
VAL_CROP = 256


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels", type=int, default=6)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--p-jpeg", type=float, default=0.15)
    ap.add_argument("--norm", choices=["kind", "none"], default="kind",
                    help="kind: divide each sample's loss by its kind's mean input MSE on the training "
                         "frames (every QP counts alike); none: the paper's plain weighted MSE")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="torch device: cpu, cuda")
    ap.add_argument("--bf16", action="store_true",
                    help="forward and backward under bfloat16 autocast (weights, loss and validation "
                         "stay fp32): about 2x on a CPU with AVX-512 bf16 for the full model")
    ap.add_argument("--pairs", type=Path, default=None,
                    help="a folder of data/pack_rbqe.py instead of the cache's pickles")
    ap.add_argument("--val-minutes", type=float, default=6.0)
    ap.add_argument("--val-crop", type=int, default=VAL_CROP, help="side of the val centre crops")
    ap.add_argument("--val-jpeg", type=int, default=1, help="0: validate on the H.264 pairs only")
    ap.add_argument("--ckpt-every", type=float, default=120.0, help="seconds")
    ap.add_argument("--init", default=None,
                    help="start from these weights, a checkpoint (.pt) or an exported model "
                         "(.safetensors): a continuation run with a new schedule, optimizer state not "
                         "carried")
    ap.add_argument("--name", default=None)
    ap.add_argument("--no-export", action="store_true")
    return ap.parse_args()


class Sampler:
    """Random training patches, drawn by numpy's seeded generator and cut out on `device` from
    one padded uint8 tensor of every frame's planes (one gather per batch: fast enough to feed
    a GPU, and the same draws on any device)."""

    def __init__(self, frames, patch, p_jpeg, seed, align=16, device="cpu"):
        self.frames = [f for f in frames if min(f["orig"].shape) >= patch]
        self.patch, self.p_jpeg, self.align, self.device = patch, p_jpeg, align, device
        self.rng = np.random.default_rng(seed)
        self.kinds = H264 + JPEG
        self.levels = np.array([kind_level(k) for k in self.kinds])
        self.by_kind = {}
        for k in self.kinds:
            idx = [i for i, f in enumerate(self.frames) if k in f["deg"]]
            w = np.sqrt([self.frames[i]["orig"].size for i in idx])
            self.by_kind[k] = (np.array(idx), w / w.sum())
        # mean input MSE (Y / 255) per kind over the training frames, for --norm kind
        self.mse_in = {}
        for k in self.kinds:
            se = sum(((self.frames[i]["deg"][k].astype(np.float64) - self.frames[i]["orig"]) ** 2).sum()
                     for i in self.by_kind[k][0])
            self.mse_in[k] = se / sum(self.frames[i]["orig"].size for i in self.by_kind[k][0]) / 255.0 ** 2
        self.norm = np.ones(len(self.kinds), np.float32)
        self.sizes = np.array([f["orig"].shape for f in self.frames])
        hmax, wmax = self.sizes.max(0)
        planes = np.zeros((len(self.frames), 1 + len(self.kinds), hmax, wmax), np.uint8)  # orig, kinds
        for i, f in enumerate(self.frames):
            h, w = f["orig"].shape
            planes[i, 0, :h, :w] = f["orig"]
            for j, k in enumerate(self.kinds):
                if k in f["deg"]:
                    planes[i, 1 + j, :h, :w] = f["deg"][k]
        self.planes = torch.from_numpy(planes).to(device)

    def normalise(self):
        ref = self.mse_in["h264qp32"]
        self.norm = np.array([ref / self.mse_in[k] for k in self.kinds], np.float32)  # relative to QP 32

    def batch(self, n):
        P, r = self.patch, self.rng
        jpeg = r.random(n) < self.p_jpeg
        kind = np.where(jpeg, len(H264) + r.integers(len(JPEG), size=n), r.integers(len(H264), size=n))
        frame = np.empty(n, np.int64)
        for k in np.unique(kind):
            idx, w = self.by_kind[self.kinds[k]]
            frame[kind == k] = idx[r.choice(len(idx), size=int((kind == k).sum()), p=w)]
        h, w = self.sizes[frame].T
        y0 = r.integers((h - P) // self.align + 1) * self.align
        x0 = r.integers((w - P) // self.align + 1) * self.align
        t = r.integers(8, size=n)  # one of the 8 flips and quarter turns
        dev = self.device
        i = torch.arange(P, device=dev).view(1, P, 1).expand(n, P, P)
        j = i.transpose(1, 2)
        tt = torch.from_numpy(t).to(dev).view(n, 1, 1)
        swap, turn = (tt & 4) > 0, tt & 3
        u, v = torch.where(swap, j, i), torch.where(swap, i, j)
        ys = torch.where(turn == 0, u, torch.where(turn == 1, v, torch.where(turn == 2, P - 1 - u, P - 1 - v)))
        xs = torch.where(turn == 0, v, torch.where(turn == 1, P - 1 - u, torch.where(turn == 2, P - 1 - v, u)))
        ys = ys + torch.from_numpy(y0).to(dev).view(n, 1, 1)
        xs = xs + torch.from_numpy(x0).to(dev).view(n, 1, 1)
        f = torch.from_numpy(frame).to(dev).view(n, 1, 1)
        a = self.planes[f, torch.from_numpy(kind + 1).to(dev).view(n, 1, 1), ys, xs]
        b = self.planes[f, 0, ys, xs]
        x = (a.float() / 255.0)[:, None]
        y = (b.float() / 255.0)[:, None]
        return x, y, torch.from_numpy(self.levels[kind]).to(dev), torch.from_numpy(self.norm[kind]).to(dev)


def val_crops(frames, align, crop=VAL_CROP, jpeg=True):
    out = []
    for f in frames:
        h, w = f["orig"].shape
        ch, cw = min(crop, h // align * align), min(crop, w // align * align)
        y0, x0 = (h - ch) // 2 // 16 * 16, (w - cw) // 2 // 16 * 16
        out.append({"orig": f["orig"][y0:y0 + ch, x0:x0 + cw],
                    "deg": {k: v[y0:y0 + ch, x0:x0 + cw] for k, v in f["deg"].items()
                            if jpeg or k.startswith("h264")}})
    return out


@torch.no_grad()
def validate(model, crops, device="cpu"):
    """{kind: [mean delta PSNR per exit]} plus {kind: mean input PSNR}."""
    model.eval()
    acc, base = {}, {}
    for c in crops:
        for kind, d in c["deg"].items():
            p0 = psnr(d, c["orig"])
            outs = model(torch.from_numpy(d.astype(np.float32) / 255.0)[None, None].to(device))
            acc.setdefault(kind, []).append([psnr(to_u8(o[0, 0].cpu().numpy()), c["orig"]) - p0 for o in outs])
            base.setdefault(kind, []).append(p0)
    model.train()
    return ({k: [float(x) for x in np.mean(v, 0)] for k, v in acc.items()},
            {k: float(np.mean(v)) for k, v in base.items()})


def score(delta, weights):
    s = []
    for kind in H264:
        w = np.array(weights[kind_level(kind)], float)
        s.append(float((w * np.array(delta[kind])).sum() / w.sum()))
    return float(np.mean(s))


def fmt(delta, kinds):
    return " ".join(f"{k.replace('h264', '')}:" + "/".join(f"{x:+.2f}" for x in delta[k]) for k in kinds)


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    cfg = {"arch": "rbqe", "levels": a.levels, "channels": a.channels}
    name = a.name or rbqe.default_name(cfg)
    ckdir, log, command = open_run(name, "train_rbqe.py")

    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    model = rbqe.build(cfg)
    if a.init:
        load_init(model, cfg, a.init)
    # channels-last runs the small convs about 1.5x faster on CPU (measured: lite 70 -> 105
    # patches/s on 2 threads); the weights and results are the same
    model = model.to(a.device, memory_format=torch.channels_last)
    torch.backends.cudnn.benchmark = True  # fixed batch shapes
    n_exits = len(model.exits)
    W = torch.tensor(rbqe.exit_weights(n_exits), dtype=torch.float32, device=a.device)  # [level, exit]
    weights = W.tolist()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    budget = a.minutes * 60 if a.minutes else None
    clock = TrainingClock()
    sched = linear_decay(opt, clock, budget, a.iters)
    log(f"start {name}: {json.dumps(cfg)} init {a.init} exit weights {weights} command: {command}")
    frames = (lambda split: pack_rbqe.read(a.pairs / split)) if a.pairs else load
    sampler = Sampler(frames("train"), a.patch, a.p_jpeg, a.seed, device=a.device)
    if a.norm == "kind":
        sampler.normalise()
    log(f"loss factor per kind: { {k: round(float(v), 3) for k, v in zip(sampler.kinds, sampler.norm)} }")
    crops = val_crops(frames("val"), model.align, a.val_crop, bool(a.val_jpeg))
    log(f"train frames: {len(sampler.frames)}; val crops: {len(crops)}; params {sum(p.numel() for p in model.parameters())}")
    run = RunState(cfg, vars(a), model, opt, sched, sampler.rng, clock)
    last = ckdir / "last.pt"
    ck = run.resume(last, ("iters", "minutes", "lr"), log)
    it0, best, history = (ck["iter"], ck["best"], ck["history"]) if ck else (0, {"score": -1e9}, [])

    def save(path, it):
        run.save(path, iter=it, best=best, history=history, command=command, name=name, exit_weights=weights)

    def check(done):
        """Validates; keeps best.pt."""
        nonlocal best
        delta, base = validate(model, crops, a.device)
        sc = score(delta, weights)
        history.append({"iter": done, "elapsed": clock.elapsed, "score": sc, "delta": delta})
        log(f"val iter {done} score {sc:+.3f} | H.264 {fmt(delta, H264)} | JPEG {fmt(delta, JPEG if a.val_jpeg else [])}")
        if sc > best["score"]:
            best = {"iter": done, "score": sc, "delta": delta, "base": base}
            save(ckdir / "best.pt", done)

    if not ck and a.init:
        check(0)  # the starting point, so that a run that never improves keeps it

    t_ck = t_log = time.time()
    t_val_el = clock.elapsed
    t_start, seen, loss_acc, n_acc = time.time(), 0, 0.0, 0  # loss_acc: a tensor (no sync per step)
    n_iters = 10 ** 9 if budget else a.iters
    clock.skip()
    done = it0
    for it in range(it0, n_iters):
        if budget and clock.elapsed >= budget:
            break
        x, y, lv, nf = sampler.batch(a.batch)
        with torch.autocast(torch.device(a.device).type, dtype=torch.bfloat16, enabled=a.bf16):
            outs = model(x.contiguous(memory_format=torch.channels_last))
        per = torch.stack([((o.float() - y) ** 2).mean((1, 2, 3)) for o in outs], 1)  # [N, exits]
        loss = ((per * W[lv]).sum(1) * nf).mean()
        optimizer_step(loss, opt, sched, clock)
        seen += a.batch
        loss_acc += per[:, -1].mean().detach()
        n_acc += 1
        done = it + 1
        final = done == a.iters if not budget else clock.elapsed >= budget
        if time.time() - t_log > 60 or final:
            loss_acc = loss_acc.item()
            rate = seen / (time.time() - t_start)
            eta = (budget - clock.elapsed) if budget else (a.iters - done) * a.batch / max(rate, 1e-9)
            log(f"iter {done} last-exit mse {loss_acc / n_acc:.3e} ({10 * np.log10(1 / max(loss_acc / n_acc, 1e-12)):.2f} dB) "
                f"lr {sched.get_last_lr()[0]:.2e} {rate:.1f} patches/s eta {eta / 60:.1f} min")
            t_log, loss_acc, n_acc = time.time(), 0.0, 0
        if clock.elapsed - t_val_el >= a.val_minutes * 60 or final:
            check(done)
            t_val_el = clock.elapsed
            clock.skip()
        if time.time() - t_ck > a.ckpt_every or final:
            save(last, done)
            t_ck = time.time()
            clock.skip()
    log(f"done {name}: best iter {best.get('iter')} score {best['score']:+.3f}")
    if not a.no_export:
        from export import export_rbqe_checkpoint
        out = export_rbqe_checkpoint(ckdir / "best.pt", REPO / "models" / f"{name}.safetensors")
        log(f"exported {out}")


if __name__ == "__main__":
    main()
