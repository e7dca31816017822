"""Luma upscalers: Bicubic++ and edge-SR (MAX / TM / TR), each able to describe itself as a
Clarity graph (docs/model-format.md). All take and return [N, 1, H, W] tensors of Y / 255.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LEAKY = {"type": "leaky_relu", "alpha": 0.1}


def cubic(x, a=-0.75):
    x = abs(x)
    if x <= 1:
        return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
    if x < 2:
        return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
    return 0.0


def bicubic_phase_weights(s, k=5, a=-0.75):
    """[s*s, 1, k, k] conv weights whose pixel_shuffle(s) equals PyTorch's bicubic upsampling
    (align_corners=False, a = -0.75) away from the borders. Channel i*s + j holds sub-pixel
    (row i, column j); kernel index t + k//2 holds the LR pixel at offset t."""
    r = k // 2
    taps = []
    for p in range(s):
        d = (p + 0.5) / s - 0.5  # source offset of phase p from its LR pixel
        taps.append([cubic(d - t, a) for t in range(-r, r + 1)])
    w = torch.zeros(s * s, 1, k, k, dtype=torch.float64)
    for i in range(s):
        for j in range(s):
            w[i * s + j, 0] = torch.outer(torch.tensor(taps[i], dtype=torch.float64),
                                          torch.tensor(taps[j], dtype=torch.float64))
    return w.float()


class BicubicResidual(nn.Module):
    """Fixed bicubic upsampling as conv (zero padding) + pixel_shuffle: the global residual."""

    def __init__(self, s):
        super().__init__()
        self.s = s
        self.register_buffer("weight", bicubic_phase_weights(s))

    def forward(self, x):
        return F.pixel_shuffle(F.conv2d(x, self.weight, padding=2), self.s)

    def graph_nodes(self, inp):
        s = self.s
        return [
            {"name": "bicubic", "op": "conv2d", "inputs": [inp], "in_channels": 1,
             "out_channels": s * s, "kernel": [5, 5], "stride": [1, 1], "padding": [2, 2],
             "groups": 1, "bias": False},
            {"name": "bicubic_shuffle", "op": "pixel_shuffle", "inputs": ["bicubic"], "factor": s},
        ], {"bicubic.weight": self.weight}


def conv_node(name, inp, conv, activation=None, residual=None):
    n = {"name": name, "op": "conv2d", "inputs": [inp], "in_channels": conv.in_channels,
         "out_channels": conv.out_channels, "kernel": list(conv.kernel_size),
         "stride": list(conv.stride), "padding": list(conv.padding), "groups": conv.groups,
         "bias": conv.bias is not None}
    if activation:
        n["activation"] = activation
    if residual:
        n["residual"] = residual
    return n


class BicubicPP(nn.Module):
    """Bicubic++ on luma: conv0 1->C 3x3 stride 2 + LeakyReLU(0.1); conv1, conv2 C->C 3x3 +
    LeakyReLU, out = act(conv2) + act(conv0); conv_out C->(2s)^2 3x3; PixelShuffle(2s);
    no biases; plus the fixed bicubic global residual. Input sides must be even."""

    def __init__(self, scale=3, channels=32, residual=True):
        super().__init__()
        self.scale, self.channels, self.residual = scale, channels, residual
        C, s = channels, scale
        self.conv0 = nn.Conv2d(1, C, 3, stride=2, padding=1, bias=False)
        self.conv1 = nn.Conv2d(C, C, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(C, C, 3, padding=1, bias=False)
        self.conv_out = nn.Conv2d(C, (2 * s) ** 2, 3, padding=1, bias=False)
        self.act = nn.LeakyReLU(0.1)
        self.bicubic = BicubicResidual(s) if residual else None
        if residual:  # start from "network adds nothing": bicubic alone
            nn.init.zeros_(self.conv_out.weight)

    def forward(self, x):
        f0 = self.act(self.conv0(x))
        f = self.act(self.conv1(f0))
        f = self.act(self.conv2(f)) + f0
        y = F.pixel_shuffle(self.conv_out(f), 2 * self.scale)
        if self.bicubic is not None:
            y = y + self.bicubic(x)
        return y

    def config(self):
        return {"arch": "bicubicpp", "channels": self.channels, "scale": self.scale,
                "global_residual": self.residual}

    def graph(self):
        s = self.scale
        nodes = [
            conv_node("conv0", "lr", self.conv0, LEAKY),
            conv_node("conv1", "conv0", self.conv1, LEAKY),
            conv_node("conv2", "conv1", self.conv2, LEAKY, residual="conv0"),
            conv_node("conv_out", "conv2", self.conv_out),
            {"name": "shuffle" if self.residual else "out", "op": "pixel_shuffle",
             "inputs": ["conv_out"], "factor": 2 * s},
        ]
        tensors = {f"{n}.weight": getattr(self, n).weight for n in ("conv0", "conv1", "conv2", "conv_out")}
        if self.residual:
            bn, bt = self.bicubic.graph_nodes("lr")
            nodes += bn + [{"name": "out", "op": "add", "inputs": ["shuffle", "bicubic_shuffle"]}]
            tensors.update(bt)
        # conv0 reaches 1 input px, each later 3x3 conv 2 input px (half resolution),
        # plus 1 for the stride-2 phase: 1 + 3*2 + 1
        return {"align": 2, "receptive_radius": 8, "nodes": nodes}, tensors


class EdgeSR(nn.Module):
    """edge-SR one-layer upscalers on luma. conv k x k 1 -> m*s^2*C (no bias), m = 1 (max),
    2 (tm: values, keys) or 3 (tr: values, queries, keys); channel c*s^2 + p is candidate c
    of sub-pixel p. The reduction over candidates runs before the pixel shuffle (identical to
    reducing after it, s^2 times cheaper). Optional fixed bicubic global residual (then the
    conv starts near zero instead of the paper's centre-tap init)."""

    M = {"max": 1, "tm": 2, "tr": 3}

    def __init__(self, mode="max", scale=3, kernel=5, candidates=2, residual=False):
        super().__init__()
        self.mode, self.scale, self.kernel, self.candidates, self.residual = mode, scale, kernel, candidates, residual
        s, C = scale, candidates
        self.conv = nn.Conv2d(1, self.M[mode] * s * s * C, kernel, padding=kernel // 2, bias=False)
        nn.init.xavier_normal_(self.conv.weight)
        with torch.no_grad():
            if residual:
                # the branch added to bicubic must start near zero (the paper's centre tap
                # of 1 would add a second copy of the image): Xavier-normal scaled by 0.01
                self.conv.weight.mul_(0.01)
            else:  # the paper's init: Xavier-normal, then every centre tap set to 1
                self.conv.weight[:, :, kernel // 2, kernel // 2] = 1.0
        self.bicubic = BicubicResidual(s) if residual else None

    def forward(self, x):
        s, C = self.scale, self.candidates
        n, _, h, w = x.shape
        y = self.conv(x).view(n, self.M[self.mode], C, s * s, h, w)
        if self.mode == "max":
            y = y[:, 0].max(dim=1).values
        elif self.mode == "tm":
            y = (y[:, 0] * torch.softmax(y[:, 1], dim=1)).sum(1)
        else:
            y = (y[:, 0] * torch.softmax(y[:, 1] * y[:, 2], dim=1)).sum(1)
        y = F.pixel_shuffle(y, s)
        if self.bicubic is not None:
            y = y + self.bicubic(x)
        return y

    def config(self):
        return {"arch": f"esr-{self.mode}", "scale": self.scale, "kernel": self.kernel,
                "candidates": self.candidates, "global_residual": self.residual}

    def graph(self):
        s, C = self.scale, self.candidates
        red = {"name": "reduce", "inputs": ["conv"], "candidates": C, "groups": s * s}
        if self.mode == "max":
            red["op"] = "max_candidates"
        else:
            red.update(op="softmax_sum", mode=self.mode)
        nodes = [conv_node("conv", "lr", self.conv), red,
                 {"name": "shuffle" if self.residual else "out", "op": "pixel_shuffle",
                  "inputs": ["reduce"], "factor": s}]
        tensors = {"conv.weight": self.conv.weight}
        if self.residual:
            bn, bt = self.bicubic.graph_nodes("lr")
            nodes += bn + [{"name": "out", "op": "add", "inputs": ["shuffle", "bicubic_shuffle"]}]
            tensors.update(bt)
        rr = max(self.kernel // 2, 2 if self.residual else 0)
        return {"align": 1, "receptive_radius": rr, "nodes": nodes}, tensors


def build(cfg):
    a = cfg["arch"]
    if a == "bicubicpp":
        return BicubicPP(cfg["scale"], cfg["channels"], cfg.get("global_residual", True))
    if a.startswith("esr-"):
        return EdgeSR(a[4:], cfg["scale"], cfg["kernel"], cfg["candidates"], cfg.get("global_residual", False))
    raise ValueError(a)


def default_name(cfg):
    a = cfg["arch"]
    if a == "bicubicpp":
        n = f"bicubicpp-c{cfg['channels']}-x{cfg['scale']}"
    else:
        n = f"{a}-k{cfg['kernel']}-c{cfg['candidates']}-x{cfg['scale']}"
    if a.startswith("esr-") and cfg.get("global_residual"):
        n += "-res"
    if a == "bicubicpp" and not cfg.get("global_residual", True):
        n += "-nores"
    return n
