#!/usr/bin/python3
"""torch_layers.py: PyTorch reference values for test_layers.c and test_loss.c.

Inputs are generated identically in C and here: gen(n, a, b, c)[i] =
float32(a * sin(b * i + c)), computed in double. Output, one record per
line: "<name> <count> v0 v1 ...", floats printed with 9 significant digits.
Run as: /usr/bin/python3 torch_layers.py [upsample|loss]  (default: both).
Exits non-zero, with a message on stderr, when torch is missing."""
import math
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.stderr.write("torch_layers.py: cannot import torch (%s); install python3-torch\n" % e)
    sys.exit(2)


def gen(n, a, b, c, dtype=torch.float32):
    x = torch.tensor([a * math.sin(b * i + c) for i in range(n)], dtype=torch.float32)
    return x.to(dtype)


def emit(name, t):
    v = t.detach().reshape(-1).tolist()
    print(name, len(v), " ".join("%.9g" % f for f in v))


# Upsampling cases: (name, nc, h, w, ho, wo), shared with test_layers.c.
UPSAMPLE_CASES = [
    ("up2x", 2, 3, 4, 6, 8),
    ("up4x", 2, 4, 6, 16, 24),
    ("up3x5to7x9", 3, 3, 5, 7, 9),
    ("down7x9to3x4", 1, 7, 9, 3, 4),
    ("up1x3to2x5", 2, 1, 3, 2, 5),
]


def upsample():
    for name, nc, h, w, ho, wo in UPSAMPLE_CASES:
        x = gen(nc * h * w, 1.0, 0.37, 0.0).reshape(1, nc, h, w).requires_grad_()
        g = gen(nc * ho * wo, 1.0, 0.11, 0.5).reshape(1, nc, ho, wo)
        y = F.interpolate(x, size=(ho, wo), mode="bilinear", align_corners=False)
        (y * g).sum().backward()
        emit(name + "_out", y)
        emit(name + "_din", x.grad)


def loss():
    d = torch.float64  # references in double; the C side keeps float inputs
    # Soft cross-entropy, N=2, Q=7, hw=6; targets need not sum to 1.
    n, q, hw = 2, 7, 6
    for weighted in (False, True):
        l = gen(n * q * hw, 3.0, 0.37, 0.0, d).reshape(n, q, hw).requires_grad_()
        t = (0.5 + gen(n * q * hw, 0.5, 0.23, 1.0, d)).reshape(n, q, hw)
        w = (1.0 + gen(n * hw, 0.5, 0.7, 0.2, d)).reshape(n, hw) if weighted else torch.ones(n, hw, dtype=d)
        v = -(w * (t * F.log_softmax(l, dim=1)).sum(1)).mean()
        v.backward()
        name = "softce_w" if weighted else "softce"
        emit(name + "_loss", v)
        emit(name + "_grad", l.grad)
    # L1, L2 and Huber (delta 0.3, so both branches occur), n = 40.
    for name, fn in (("l1", F.l1_loss), ("l2", F.mse_loss),
                     ("huber", lambda p, t: F.huber_loss(p, t, delta=0.3))):
        p = gen(40, 1.0, 0.37, 0.0, d).requires_grad_()
        t = gen(40, 1.0, 0.29, 0.5, d)
        v = fn(p, t)
        v.backward()
        emit(name + "_loss", v)
        emit(name + "_grad", p.grad)
    # BCE with logits, small and large logits, labels 1 and 0.
    for scale in (2.0, 30.0):
        for label in (0, 1):
            x = gen(40, scale, 0.37, 0.0, d).requires_grad_()
            v = F.binary_cross_entropy_with_logits(x, torch.full((40,), float(label), dtype=d))
            v.backward()
            name = "bce_s%d_y%d" % (int(scale), label)
            emit(name + "_loss", v)
            emit(name + "_grad", x.grad)
    # Cross-entropy, N=5, C=4, labels (3 i) mod 4.
    x = gen(20, 2.0, 0.37, 0.1, d).reshape(5, 4).requires_grad_()
    labels = torch.tensor([(3 * i) % 4 for i in range(5)])
    v = F.cross_entropy(x, labels)
    v.backward()
    emit("ce_loss", v)
    emit("ce_grad", x.grad)


what = sys.argv[1] if len(sys.argv) > 1 else "all"
if what in ("upsample", "all"):
    upsample()
if what in ("loss", "all"):
    loss()
