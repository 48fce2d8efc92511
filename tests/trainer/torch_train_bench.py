#!/usr/bin/python3
"""torch_train_bench.py: PyTorch's training speed for the network that
corolization-train's `colorful` architecture builds (ECCV16, Zhang et al.,
with a width multiplier; engine/arch_colorful.c), on the same batch, size
and threads, with the same loss (rebalanced soft-encoded cross-entropy
against 5-bin soft targets at a quarter resolution) and Adam.

Prints one line "images/s: X". Run by bench_train; Debian's python3-torch
lives under /usr/bin/python3 only.
"""
import argparse
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError as e:  # bench_train reports this plainly
    print("pytorch-missing: %s" % e)
    sys.exit(3)


def ch(width, base):
    return max(1, int(base * width + 0.5))


def eccv16(width, q):
    c64, c128, c256, c512 = (ch(width, c) for c in (64, 128, 256, 512))
    layers = []
    cin = 1
    # channels, convs, stride of the last conv, dilation (arch_colorful.c)
    for c, convs, stride, dil in ((c64, 2, 2, 1), (c128, 2, 2, 1), (c256, 3, 2, 1),
                                  (c512, 3, 1, 1), (c512, 3, 1, 2), (c512, 3, 1, 2),
                                  (c512, 3, 1, 1)):
        for i in range(convs):
            s = stride if i == convs - 1 else 1
            layers += [nn.Conv2d(cin, c, 3, s, dil, dil, bias=True), nn.ReLU(True)]
            cin = c
        layers.append(nn.BatchNorm2d(c))
    layers += [nn.ConvTranspose2d(cin, c256, 4, 2, 1, bias=True), nn.ReLU(True),
               nn.Conv2d(c256, c256, 3, 1, 1, bias=True), nn.ReLU(True),
               nn.Conv2d(c256, c256, 3, 1, 1, bias=True), nn.ReLU(True),
               nn.Conv2d(c256, q, 1, 1, 0, bias=True)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--q", type=int, default=261)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = eccv16(a.width, a.q)
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=3e-4)
    B, S, Q, h = a.batch, a.size, a.q, a.size // 4
    x = torch.rand(B, 1, S, S) - 0.5
    # soft targets: 5 random bins per pixel, weights summing to 1
    idx = torch.randint(0, Q, (B, 5, h, h))
    wt = torch.softmax(torch.randn(B, 5, h, h), dim=1)
    target = torch.zeros(B, Q, h, h).scatter_add_(1, idx, wt)
    pix_w = torch.rand(B, h, h) + 0.5
    logsm = nn.LogSoftmax(dim=1)

    def step():
        opt.zero_grad(set_to_none=True)
        out = net(x)
        loss = -(pix_w * (target * logsm(out)).sum(1)).mean()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = time.perf_counter() - t0
    print("torch %s, threads %d" % (torch.__version__, torch.get_num_threads()))
    print("images/s: %.3f" % (a.steps * B / dt))


if __name__ == "__main__":
    main()
