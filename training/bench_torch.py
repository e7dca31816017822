"""PyTorch CPU reference point for `clarity bench engine`: the same Bicubic++-shaped luma
network (random weights) on one frame; prints one line with ms per frame and GFLOP/s."""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BicubicPPShape(nn.Module):
    def __init__(self, c=32, scale=3):
        super().__init__()
        r = 2 * scale
        self.conv0 = nn.Conv2d(1, c, 3, 2, 1, bias=False)
        self.conv1 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.conv_out = nn.Conv2d(c, r * r, 3, 1, 1, bias=False)
        self.shuffle = nn.PixelShuffle(r)

    def forward(self, x):
        x0 = F.leaky_relu(self.conv0(x), 0.1)
        x1 = F.leaky_relu(self.conv1(x0), 0.1)
        x2 = F.leaky_relu(self.conv2(x1), 0.1) + x0
        return self.shuffle(self.conv_out(x2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net = BicubicPPShape().eval()
    x = torch.rand(1, 1, a.height, a.width)
    h, w = a.height // 2, a.width // 2
    macs = h * w * 32 * 9 * (1 + 32 + 32 + 36)
    with torch.inference_mode():
        net(x)
        times = []
        for _ in range(a.iterations):
            t0 = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t0) * 1e3)
    ms = sorted(times)[len(times) // 2]
    print(f"torch {torch.__version__} fp32, {a.threads} threads: {ms:.1f} ms/frame, {2 * macs / ms / 1e6:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
