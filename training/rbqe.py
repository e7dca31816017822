"""RBQE (Xing et al., ECCV 2020): blind compression-artifact removal on luma with early exits.

The network of the official code (see /work/shared/PAPERS.md), generalised to L levels and C
channels: full = RBQE(levels=6, channels=32) (5 exits, input sides multiple of 32);
lite = RBQE(levels=4, channels=16) (3 exits, multiple of 8).

- input: conv3x3 1->C + ReLU, conv3x3 C->C + ReLU -> x00.
- stage k = 1 .. L-1 (all nodes of a stage follow every node of the stages before it, so
  exit k needs only the nodes listed before it):
  - down: ECA, conv3x3 + ReLU, conv3x3 + ReLU, conv3x3 stride 2 + ReLU: x(k-1)0 -> xk0;
  - decoders for i = k-1 .. 0, j = k - i: xij = Up(skips xi0 .. xi(j-1), small x(i+1)(j-1)):
    ConvTranspose 2x2 stride 2 + ReLU on the small input, concatenated AFTER the skips
    ((j+1) C channels), then two depthwise-separable convs (depthwise 3x3 with bias, pointwise
    1x1 with bias -> C), each + ReLU;
  - exit k: separable conv C->1 (depthwise 3x3 + pointwise 1x1, biases, no activation) on x0k,
    plus the input (residual).
- ECA (global average pool -> conv1d k=3 no bias -> sigmoid -> channel scale), one of its own
  per use, on every skip input, on every down-step input, on the small input of every decoder
  and before every exit head -- EXCEPT in the last stage, where (as in the official code) the
  small inputs and the exit head have none.
Every conv has a bias (PyTorch defaults, as the official code). All activations ReLU.
Init: Kaiming-normal convs with zero biases; the exit pointwise convs zero (each exit starts
as the identity).

`graph()` writes this as a Clarity graph (docs/model-format.md); `forward` evaluates that same
node list with the PyTorch modules, so the two cannot drift apart structurally (export.py
checks the values against the independent interpreter graph.py).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

RELU = {"type": "relu"}

# Per-exit MSE weights by compression level (paper): level 0..4 = QP 22/27/32/37/42
# (H.264) or QF 50/40/30/20/10 (JPEG).
PAPER_WEIGHTS = [
    [2, 1, 1, .5, .5],
    [1, 2, 1, .5, .5],
    [.5, 1, 2, 1, .5],
    [.5, .5, 1, 2, 1],
    [.5, .5, 1, 1, 2],
]
# With fewer exits (lite: 3) each exit takes the paper's column of the full exit at the same
# relative depth: 3 exits -> full exits 1, 3, 5 (shallow, middle, deepest).
EXIT_COLUMNS = {5: [0, 1, 2, 3, 4], 3: [0, 2, 4], 4: [0, 1, 3, 4], 2: [0, 4]}


def exit_weights(n_exits):
    cols = EXIT_COLUMNS[n_exits]
    return [[row[c] for c in cols] for row in PAPER_WEIGHTS]


class ECA(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, k, padding=k // 2, bias=False)

    def forward(self, x):
        y = x.mean((2, 3))[:, None, :]                      # N, 1, C
        y = torch.sigmoid(self.conv(y))[:, 0, :, None, None]
        return x * y


class RBQE(nn.Module):
    def __init__(self, levels=6, channels=32):
        super().__init__()
        self.levels, self.channels = levels, channels
        self.nodes, self.exits = self._spec()
        self.mods = nn.ModuleDict()
        C = channels
        for n in self.nodes:
            if n["op"] == "conv2d":
                self.mods[n["name"]] = nn.Conv2d(n["in_channels"], n["out_channels"], n["kernel"][0],
                                                 stride=n["stride"][0], padding=n["padding"][0],
                                                 groups=n["groups"], bias=True)
            elif n["op"] == "conv_transpose2d":
                self.mods[n["name"]] = nn.ConvTranspose2d(C, C, 2, stride=2, bias=True)
            elif n["op"] == "eca":
                self.mods[n["name"]] = ECA(n["kernel"])
        # Kaiming-normal (ReLU gain) convs, zero biases: with PyTorch's default init the signal
        # (and the gradient) shrinks through this deep, ECA-halved graph and nothing learns in a
        # short CPU budget. Every exit head's pointwise conv starts at zero, so each exit starts
        # as the identity (output = compressed input), like Bicubic++'s conv_out here.
        for name, mod in self.mods.items():
            if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
                nn.init.zeros_(mod.bias)
        for e in self.exits:
            nn.init.zeros_(self.mods[e].weight)
            nn.init.zeros_(self.mods[e].bias)

    # ---- structure -------------------------------------------------------------------
    def _spec(self):
        L, C = self.levels, self.channels
        nodes = []

        def conv(name, inp, cin, cout, k=3, stride=1, groups=1, act=True, residual=None):
            n = {"name": name, "op": "conv2d", "inputs": [inp], "in_channels": cin, "out_channels": cout,
                 "kernel": [k, k], "stride": [stride, stride], "padding": [k // 2, k // 2],
                 "groups": groups, "bias": True}
            if act:
                n["activation"] = RELU
            if residual:
                n["residual"] = residual
            nodes.append(n)
            return name

        def eca(name, inp):
            nodes.append({"name": name, "op": "eca", "inputs": [inp], "kernel": 3})
            return name

        conv("in1", "lr", 1, C)
        conv("x00", "in1", C, C)
        exits = []
        for k in range(1, L):
            last = k == L - 1
            src = eca(f"eca_d{k}", f"x{k - 1}0")
            conv(f"d{k}a", src, C, C)
            conv(f"d{k}b", f"d{k}a", C, C)
            conv(f"x{k}0", f"d{k}b", C, C, stride=2)
            for i in range(k - 1, -1, -1):
                j = k - i
                me = f"x{i}{j}"
                small = f"x{i + 1}{j - 1}"
                if not last:
                    small = eca(f"eca_{me}_{small}", small)
                nodes.append({"name": f"{me}_up", "op": "conv_transpose2d", "inputs": [small],
                              "in_channels": C, "out_channels": C, "kernel": [2, 2], "stride": [2, 2],
                              "bias": True, "activation": RELU})
                skips = [eca(f"eca_{me}_x{i}{t}", f"x{i}{t}") for t in range(j)]
                nodes.append({"name": f"{me}_cat", "op": "concat", "inputs": skips + [f"{me}_up"]})
                cin = (j + 1) * C
                conv(f"{me}_dw1", f"{me}_cat", cin, cin, groups=cin, act=False)
                conv(f"{me}_pw1", f"{me}_dw1", cin, C, k=1)
                conv(f"{me}_dw2", f"{me}_pw1", C, C, groups=C, act=False)
                conv(me, f"{me}_dw2", C, C, k=1)
            head = f"x0{k}" if last else eca(f"eca_exit{k}", f"x0{k}")
            conv(f"exit{k}_dw", head, C, C, groups=C, act=False)
            conv(f"exit{k}", f"exit{k}_dw", C, 1, k=1, act=False, residual="lr")
            exits.append(f"exit{k}")
        return nodes, exits

    @property
    def align(self):
        return 2 ** (self.levels - 1)

    def receptive_radius(self):
        """Sound bound (input pixels) of how far any output pixel's conv path reaches:
        interval propagation over the node list, worst case over stride phases. ECA is not
        spatial here: its channel weights use the mean over the whole input (tile)."""
        info = {"lr": (1, 0, 0)}  # node -> (input px per node px, left reach, right reach)
        for n in self.nodes:
            ins = [info[i] for i in n["inputs"]]
            s, a, b = ins[0][0], max(x[1] for x in ins), max(x[2] for x in ins)
            if n["op"] == "conv2d":
                k, st, p = n["kernel"][0], n["stride"][0], n["padding"][0]
                s, a, b = s * st, a + p * s, b + (k - p - st) * s
            elif n["op"] == "conv_transpose2d":
                s = s // 2
                a, b = a + s, b + s
            if n.get("residual"):
                r = info[n["residual"]]
                a, b = max(a, r[1]), max(b, r[2])
            info[n["name"]] = (s, a, b)
        return max(max(info[e][1], info[e][2]) for e in self.exits)

    # ---- PyTorch ---------------------------------------------------------------------
    def forward(self, x, upto=None):
        """x: [N, 1, H, W] Y / 255, sides multiple of `align`. Returns the list of exit
        outputs (shallowest first), all of them or the first `upto` (computing only the
        nodes those need)."""
        vals = {"lr": x}
        outs = []
        want = len(self.exits) if upto is None else upto
        for n in self.nodes:
            op = n["op"]
            ins = [vals[i] for i in n["inputs"]]
            if op == "conv2d":
                y = self.mods[n["name"]](ins[0])
                if n.get("activation"):
                    y = F.relu(y)
                if n.get("residual"):
                    y = y + vals[n["residual"]]
            elif op == "conv_transpose2d":
                y = F.relu(self.mods[n["name"]](ins[0]))
            elif op == "eca":
                y = self.mods[n["name"]](ins[0])
            elif op == "concat":
                y = torch.cat(ins, 1)
            else:
                raise ValueError(op)
            vals[n["name"]] = y
            if n["name"] in self.exits:
                outs.append(y)
                if len(outs) == want:
                    break
        return outs

    def config(self):
        return {"arch": "rbqe", "levels": self.levels, "channels": self.channels}

    def graph(self):
        tensors = {}
        for name, m in self.mods.items():
            if isinstance(m, ECA):
                tensors[f"{name}.weight"] = m.conv.weight          # [1, 1, k]
            else:
                tensors[f"{name}.weight"] = m.weight
                tensors[f"{name}.bias"] = m.bias
        return {"align": self.align, "receptive_radius": self.receptive_radius(),
                "nodes": [dict(n) for n in self.nodes], "outputs": list(self.exits)}, tensors


def build(cfg):
    return RBQE(cfg["levels"], cfg["channels"])


def default_name(cfg):
    return f"rbqe-l{cfg['levels']}-c{cfg['channels']}"


def pad_to(y, m):
    """Edge-replicate a [N, 1, H, W] tensor so H and W are multiples of m; returns (padded, H, W)."""
    h, w = y.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:
        y = F.pad(y, (0, pw, 0, ph), mode="replicate")
    return y, h, w


# ---- tiled inference and the early-exit rule (shared by calibrate_rbqe.py, evaluate_rbqe.py) --
TILE = 128  # luma pixels per tile core, as the engine cuts them
OVERLAP = 16  # context read on every side of a core (the engine's TileGrid overlap)


def window_axis(length, tile=TILE, overlap=OVERLAP):
    """TileGrid.split along one axis: the window size, and per tile (core start, core end,
    window origin); windows are the core plus `overlap` on each side, shifted inward at the ends."""
    window = min(length, tile + 2 * overlap)
    parts = [(s, min(length, s + tile), 0 if window == length else min(max(0, s - overlap), length - window))
             for s in range(0, length, tile)]
    return window, parts


def clarity_windows(y_u8, align, tile=TILE, overlap=OVERLAP):
    """The engine's tiling of a uint8 frame: edge-padded to multiples of the model's `align`,
    128-px cores each read through a window of the core plus 16 px of context. Returns (windows
    [T, 1, wh, ww] float Y / 255, cores [(y0, y1, x0, x1, oy, ox)] in padded-frame pixels)."""
    h, w = y_u8.shape
    p = np.pad(y_u8, ((0, (-h) % align), (0, (-w) % align)), mode="edge")
    wh, ys = window_axis(p.shape[0], tile, overlap)
    ww, xs = window_axis(p.shape[1], tile, overlap)
    cores = [(y0, y1, x0, x1, oy, ox) for y0, y1, oy in ys for x0, x1, ox in xs]
    t = np.stack([p[oy:oy + wh, ox:ox + ww] for _, _, _, _, oy, ox in cores])[:, None]
    return torch.from_numpy(t.astype(np.float32) / 255.0), cores


@torch.no_grad()
def run_windows(model, windows, cores, batch=16):
    """All exits of every window (each an independent input), cropped to its core: list per tile
    of lists per exit of uint8 cores (8-bit output, rounded, clipped)."""
    out = []
    for i in range(0, windows.shape[0], batch):
        exits = [np.clip(np.rint(o[:, 0].numpy() * 255.0), 0, 255).astype(np.uint8) for o in model(windows[i:i + batch])]
        for j, (y0, y1, x0, x1, oy, ox) in enumerate(cores[i:i + batch]):
            out.append([e[j, y0 - oy:y1 - oy, x0 - ox:x1 - ox] for e in exits])
    return out


def tile_quality(tile_outs, block):
    """IQAM quality [T, exits] of every exit's 8-bit output core (pixels / 255, whole core)."""
    from iqam import iqam
    return np.array([[iqam(o.astype(np.float64) / 255.0, block)["quality"] for o in exits] for exits in tile_outs])


def tile_changes(tile_outs):
    """Mean squared change [T, exits] each exit's 8-bit output core makes to the previous
    exit's (in 8-bit levels squared; column 0, exit 1, is 0: it has no previous exit)."""
    return np.array([[0.0] + [float(((b.astype(np.float64) - a) ** 2).mean()) for a, b in zip(exits, exits[1:])]
                     for exits in tile_outs])


def choose_exits(q, threshold, changes=None, settle=None):
    """Per tile: index of the first exit whose IQAM >= threshold or, from exit 2 on, that
    changed the previous exit's output by a mean square of at most `settle` (the restoration
    has settled; None: no such test), else the last exit."""
    n = q.shape[1]
    ok = q[:, :-1] >= threshold
    if settle is not None:
        ok[:, 1:] |= changes[:, 1:-1] <= settle
    return np.where(ok.any(1), ok.argmax(1), n - 1)


def node_costs(nodes):
    """MACs per output pixel (of the input resolution) of every conv node, from shapes alone."""
    scale = {"lr": 1}
    cost = {}
    for n in nodes:
        s = scale[n["inputs"][0]]
        c = 0.0
        if n["op"] == "conv2d":
            s = s * n["stride"][0]
            c = n["out_channels"] * n["in_channels"] // n["groups"] * n["kernel"][0] * n["kernel"][1] / s ** 2
        elif n["op"] == "conv_transpose2d":
            c = n["in_channels"] * n["out_channels"] * n["kernel"][0] * n["kernel"][1] / s ** 2
            s = s // 2
        scale[n["name"]] = s
        cost[n["name"]] = c
    return cost


def exit_macs(nodes, outputs):
    """(cumulative, alone) MACs per pixel per exit: cumulative = the node list run in order up
    to exit k (what early exit spends, earlier exit heads included); alone = only the nodes
    exit k depends on (a fixed-exit run)."""
    cost = node_costs(nodes)
    order = [n["name"] for n in nodes]
    deps = {n["name"]: n["inputs"] + ([n["residual"]] if n.get("residual") else []) for n in nodes}
    cum, alone = [], []
    for o in outputs:
        cum.append(sum(cost[m] for m in order[: order.index(o) + 1]))
        need, stack = set(), [o]
        while stack:
            m = stack.pop()
            if m in need or m not in cost:
                continue
            need.add(m)
            stack += deps[m]
        alone.append(sum(cost[m] for m in need))
    return cum, alone
