#!/usr/bin/env python3
"""Train a luma upscaler; resumable, logged, seeded.

    python training/train.py --arch bicubicpp --channels 32 --scale 3 --iters 30000
    python training/train.py --arch esr-max --kernel 5 --candidates 2 --scale 3 --iters 6000

Checkpoints: CACHE/ckpt/<name>/{last,best}.pt (last every --ckpt-every seconds and at the
end; best = best validation PSNR, clean LR). Log: CACHE/logs/<name>.log. Rerunning the same
command resumes from last.pt (RNG states included), so an interrupted run can be continued.
At the end the best checkpoint is exported to models/<name>.safetensors (see export.py).
MSE on Y / 255, Adam with linear learning-rate decay to 0, flips and rotations.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import linear_decay, load_init, open_run, optimizer_step, psnr, REPO, resize_f, RunState, to_u8, TrainingClock  # noqa: E402
from data import PatchSampler, load_eval_set, prepare  # noqa: E402
from models import build, default_name  # noqa: E402

VAL_KINDS = ("clean", "h264qp32")


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=["bicubicpp", "esr-max", "esr-tm", "esr-tr"])
    ap.add_argument("--scale", type=int, default=3)
    ap.add_argument("--channels", type=int, default=32, help="Bicubic++ width")
    ap.add_argument("--kernel", type=int, default=5, help="edge-SR kernel")
    ap.add_argument("--candidates", type=int, default=2, help="edge-SR C")
    ap.add_argument("--residual", type=int, default=None,
                    help="global bicubic residual 1/0 (default: 1 for bicubicpp, 0 for edge-SR)")
    ap.add_argument("--iters", type=int, default=30000,
                    help="iterations (linear LR decay to 0 over them)")
    ap.add_argument("--minutes", type=float, default=None,
                    help="train for this much wall time instead: the LR decays linearly with "
                         "elapsed training time and the run stops at the budget (the iteration "
                         "count reached is logged and exported; not bit-reproducible)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--patch", type=int, default=64, help="LR patch side")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--p-clean", type=float, default=0.6, help="share of clean (uncompressed) LR")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-every", type=int, default=2000)
    ap.add_argument("--ckpt-every", type=float, default=120.0, help="seconds")
    ap.add_argument("--init", default=None,
                    help="start from these weights, a checkpoint (.pt) or an exported model "
                         "(.safetensors): a continuation run with a new schedule, optimizer state not "
                         "carried")
    ap.add_argument("--name", default=None)
    ap.add_argument("--no-export", action="store_true")
    return ap.parse_args()


def model_cfg(a):
    res = a.residual if a.residual is not None else (1 if a.arch == "bicubicpp" else 0)
    if a.arch == "bicubicpp":
        return {"arch": "bicubicpp", "channels": a.channels, "scale": a.scale, "global_residual": bool(res)}
    return {"arch": a.arch, "kernel": a.kernel, "candidates": a.candidates, "scale": a.scale,
            "global_residual": bool(res)}


@torch.no_grad()
def validate(model, val, scale):
    model.eval()
    res = {}
    for kind in VAL_KINDS:
        ps = []
        for it in val:
            lr = torch.from_numpy(it["lr"][kind].astype(np.float32) / 255.0)[None, None]
            out = to_u8(model(lr)[0, 0].numpy())
            ps.append(psnr(out, it["hr"], border=scale))
        res[kind] = float(np.mean(ps))
    model.train()
    return res


def bicubic_baseline(val, scale):
    res = {}
    for kind in VAL_KINDS:
        ps = []
        for it in val:
            h, w = it["hr"].shape
            up = np.clip(np.rint(resize_f(it["lr"][kind].astype(np.float32), w, h)), 0, 255)
            ps.append(psnr(up, it["hr"], border=scale))
        res[kind] = float(np.mean(ps))
    return res


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    cfg = model_cfg(a)
    name = a.name or default_name(cfg)
    ckdir, log, command = open_run(name, "train.py")

    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    model = build(cfg)
    if a.init:
        load_init(model, cfg, a.init)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    budget = a.minutes * 60 if a.minutes else None
    clock = TrainingClock()
    sched = linear_decay(opt, clock, budget, a.iters)
    log(f"start {name}: {json.dumps(cfg)} command: {command}")
    items = prepare("train", a.scale, a.patch)
    sampler = PatchSampler(items, a.scale, a.patch, p_clean=a.p_clean, seed=a.seed)
    val = load_eval_set("val", a.scale, VAL_KINDS)
    base = bicubic_baseline(val, a.scale)
    log(f"train images (HR versions): {len(items)}; val images: {len(val)}; val bicubic {base}")
    run = RunState(cfg, vars(a), model, opt, sched, sampler.rng, clock)
    last = ckdir / "last.pt"
    ck = run.resume(last, ("iters", "minutes"), log)
    it0, best, history = (ck["iter"], ck["best"], ck["history"]) if ck else (0, {"clean": -1.0}, [])

    def save(path, it):
        run.save(path, iter=it, best=best, history=history, command=command, name=name, val_bicubic=base)

    t_ck = t_log = time.time()
    t_start, seen, loss_acc, n_acc = time.time(), 0, 0.0, 0
    n_iters = 10 ** 9 if budget else a.iters
    clock.skip()
    for it in range(it0, n_iters):
        if budget and clock.elapsed >= budget:
            break
        lr_b, hr_b = sampler.batch(a.batch)
        loss = F.mse_loss(model(lr_b), hr_b)
        optimizer_step(loss, opt, sched, clock)
        seen += a.batch
        loss_acc += loss.item()
        n_acc += 1
        done = it + 1
        final = done == a.iters if not budget else clock.elapsed >= budget
        if time.time() - t_log > 60 or final:
            rate = seen / (time.time() - t_start)
            eta = (budget - clock.elapsed) if budget else (a.iters - done) * a.batch / max(rate, 1e-9)
            log(f"iter {done}{'' if budget else '/' + str(a.iters)} loss {loss_acc / n_acc:.3e} ({10 * np.log10(1 / max(loss_acc / n_acc, 1e-12)):.2f} dB) "
                f"lr {sched.get_last_lr()[0]:.2e} {rate:.0f} patches/s eta {eta / 60:.1f} min")
            t_log, loss_acc, n_acc = time.time(), 0.0, 0
        if done % a.val_every == 0 or final:
            v = validate(model, val, a.scale)
            history.append({"iter": done, **v})
            gain = {k: round(v[k] - base[k], 3) for k in v}
            log(f"val iter {done}: {json.dumps({k: round(x, 3) for k, x in v.items()})} gain over bicubic {gain}")
            if v["clean"] > best["clean"]:
                best = {"iter": done, **v}
                save(ckdir / "best.pt", done)
            clock.skip()  # validation does not count as training time
        if time.time() - t_ck > a.ckpt_every or final:
            save(last, done)
            t_ck = time.time()
            clock.skip()  # checkpoint writing does not count as training time
    log(f"done {name}: best {best}, bicubic {base}")
    if not a.no_export:
        from export import export_checkpoint
        out = export_checkpoint(ckdir / "best.pt", REPO / "models" / f"{name}.safetensors")
        log(f"exported {out}")


if __name__ == "__main__":
    main()
