"""ClassSR Class-Module on luma (Kong et al., CVPR 2021; see /work/shared/PAPERS.md).

A tiny classifier that routes each LR tile to one of M upscaler branches of rising cost:
conv 4x4 stride 4 (1 -> W), three 1x1 convs W -> W, 1x1 W -> 32, LeakyReLU 0.1 between
(after every conv but the last, as in the official code), global average pool, FC 32 -> M.
W = 128 is the paper's width (one input channel here instead of RGB). Biases everywhere, as
in the paper. Input [N, 1, H, W] of Y / 255 with H, W multiples of 4; output [N, M] logits
(softmax is the consumer's business; routing takes the argmax). The global pool makes it
size-agnostic: it is trained on 32x32 LR tiles and used on 32..64.

graph() writes it in the Clarity model format with conv2d / global_avg_pool / linear only.
"""
import torch.nn as nn
import torch.nn.functional as F

from models import LEAKY, conv_node


class ClassModule(nn.Module):
    def __init__(self, width=128, hidden=32, classes=3):
        super().__init__()
        self.width, self.hidden, self.classes = width, hidden, classes
        self.conv0 = nn.Conv2d(1, width, 4, stride=4)
        self.conv1 = nn.Conv2d(width, width, 1)
        self.conv2 = nn.Conv2d(width, width, 1)
        self.conv3 = nn.Conv2d(width, width, 1)
        self.conv4 = nn.Conv2d(width, hidden, 1)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        a = 0.1
        x = F.leaky_relu(self.conv0(x), a)
        x = F.leaky_relu(self.conv1(x), a)
        x = F.leaky_relu(self.conv2(x), a)
        x = F.leaky_relu(self.conv3(x), a)
        x = self.conv4(x).mean((2, 3))
        return self.fc(x)

    def config(self):
        return {"arch": "classsr-class-module", "width": self.width, "hidden": self.hidden,
                "classes": self.classes}

    def macs_per_tile(self, h, w):
        """Multiply-accumulates for one h x w LR tile (h, w multiples of 4)."""
        p = (h // 4) * (w // 4)
        W, Hd = self.width, self.hidden
        return p * (16 * W + 3 * W * W + W * Hd) + Hd * self.classes

    def graph(self):
        nodes = [conv_node("conv0", "lr", self.conv0, LEAKY)]
        for i in (1, 2, 3):
            nodes.append(conv_node(f"conv{i}", f"conv{i - 1}", getattr(self, f"conv{i}"), LEAKY))
        nodes.append(conv_node("conv4", "conv3", self.conv4))
        nodes.append({"name": "pool", "op": "global_avg_pool", "inputs": ["conv4"]})
        nodes.append({"name": "logits", "op": "linear", "inputs": ["pool"], "in_features": self.hidden,
                      "out_features": self.classes, "bias": True})
        tensors = {}
        for n in ("conv0", "conv1", "conv2", "conv3", "conv4"):
            tensors[f"{n}.weight"] = getattr(self, n).weight
            tensors[f"{n}.bias"] = getattr(self, n).bias
        tensors["logits.weight"] = self.fc.weight
        tensors["logits.bias"] = self.fc.bias
        # receptive_radius 0: the global pool sees the whole tile, so a tile is classified
        # whole (no context beyond it is used or needed); align 4 for the stride-4 conv.
        return {"align": 4, "receptive_radius": 0, "nodes": nodes}, tensors


def build(cfg):
    assert cfg["arch"] == "classsr-class-module", cfg
    return ClassModule(cfg.get("width", 128), cfg.get("hidden", 32), cfg.get("classes", 3))
