#!/usr/bin/python3
"""reference.py: the five colorization networks written again in PyTorch,
from the papers, with the engine's exact topology and parameter names (the
nn.Module attribute names make state_dict() keys equal the engine's), and
the reference data the parity test (test_parity.c) compares the engine with.

For each architecture it writes, into --out:
  <arch>.model.safetensors  random weights (also random batch-norm affine
                            parameters and running statistics) + metadata,
                            i.e. what a user exporting torch weights writes;
  <arch>.ref.safetensors    a fixed batch of L inputs (0..100), the outputs in
                            eval mode (running statistics) and in train mode
                            (batch statistics, dropout off), the gradient R
                            seeded into the output, the weight gradients of
                            sum(out * R), the running statistics after the
                            training pass, and what cz_model_predict must
                            return for sample 0 and for another image at a
                            non-square size (predict2.*). The hints net
                            also gets random hint channels (input.hints,
                            a/110, b/110, mask) and a second head, the bin
                            logits (eval/train/grad.logits), seeded too;
                            its predictions are without hints.
References are computed in float64 from float32 weights and inputs, so what
the test measures is the engine's own error; the float32 torch error on the
same data is printed beside it for scale.

Usage: reference.py --out DIR --bins FILE (FILE: Q lines "a b", the engine's
ab bin centres, so Q and the decode match engine/quant.c). Exit 3 when
python3-torch is missing. Also imported by tests/bench/torch_bench.py."""
import argparse
import copy
import json
import math
import os
import struct
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the C driver turns this into a test failure
    print("parity: PyTorch is not available to %s (%s); install Debian's "
          "python3-torch" % (sys.executable, e), file=sys.stderr)
    sys.exit(3)


def ch(width, base):
    """cz_arch_channels: round(base * width) in float32, at least 1."""
    c = int(np.float32(base) * np.float32(width) + np.float32(0.5))
    return max(c, 1)


# ReLU kinks: where an activation's input lies within float32 error of
# zero, a float32 pass and the float64 reference may take different sides
# and a gradient then differs by a whole term (seen: 1% on a bias gradient
# from one input at 1.3e-6, 0.5% from one at 4.3e-5 of its RMS where the
# engine's forward error was 1.9e-4). make() redraws its random data until
# every kink input in the training pass is clear of zero by KINK_MARGIN of
# its tensor's RMS, which keeps torch's own float32 figure meaningful; no
# margin a draw can pass keeps the engine's deep layers clear (their error
# reaches 1e-4 of the RMS over thousands of inputs), so the reference also
# writes every kink input of the training pass ("kink.K", in call order)
# and test_parity.c puts the engine on the reference's side of any input
# within the engine's own measured error of zero. _kinks records the
# smallest ratio; _taps, when a list, collects the inputs.
KINK_MARGIN = 5e-6
_kinks = []
_taps = None


def _record(x):
    if _taps is not None:
        _taps.append(x.detach().clone())
    if _kinks and x.numel():
        d = x.detach()
        ratio = float(d.abs().min() / d.pow(2).mean().sqrt().clamp_min(1e-30))
        _kinks[0] = min(_kinks[0], ratio)


def relu(x):
    _record(x)
    return F.relu(x)


def lrelu(x, slope):
    _record(x)
    return F.leaky_relu(x, slope)


class ReLU(nn.Module):
    def forward(self, x):
        return relu(x)


class LeakyReLU(nn.Module):
    def __init__(self, slope):
        super().__init__()
        self.slope = slope

    def forward(self, x):
        return lrelu(x, self.slope)


def kink_ratio(model, *inputs):
    """Smallest |x| / rms(x) over the inputs of every ReLU in a training
    pass (float64, on a copy: running statistics untouched)."""
    m = copy.deepcopy(model).double()
    set_train(m)
    _kinks[:] = [float("inf")]
    with torch.no_grad():
        m(*[t.double() for t in inputs])
    r = _kinks[0]
    _kinks[:] = []
    return r


class CBR(nn.Module):
    """conv 3x3 -> batch norm -> ReLU, named .conv / .bn."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=True)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return relu(self.bn(self.conv(x)))


# ---- Zhang, Isola, Efros: Colorful Image Colorization (ECCV 2016) ----------
class Colorful(nn.Module):
    arch = "colorful"
    in_scale, in_offset = 0.01, -0.5

    def __init__(self, width, size, q, classes=0):
        super().__init__()
        c64, c128, c256, c512 = (ch(width, b) for b in (64, 128, 256, 512))

        def block(cin, c, n, stride, dil):
            layers = []
            for i in range(n):
                layers += [nn.Conv2d(cin if i == 0 else c, c, 3, stride if i == n - 1 else 1,
                                     padding=dil, dilation=dil, bias=True), ReLU()]
            layers.append(nn.BatchNorm2d(c))
            return nn.Sequential(*layers)

        self.model1 = block(1, c64, 2, 2, 1)
        self.model2 = block(c64, c128, 2, 2, 1)
        self.model3 = block(c128, c256, 3, 2, 1)
        self.model4 = block(c256, c512, 3, 1, 1)
        self.model5 = block(c512, c512, 3, 1, 2)
        self.model6 = block(c512, c512, 3, 1, 2)
        self.model7 = block(c512, c512, 3, 1, 1)
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(c512, c256, 4, 2, 1, bias=True), ReLU(),
            nn.Conv2d(c256, c256, 3, 1, 1), ReLU(),
            nn.Conv2d(c256, c256, 3, 1, 1), ReLU(),
            nn.Conv2d(c256, q, 1, 1, 0))

    def forward(self, x):
        for i in range(1, 9):
            x = getattr(self, "model%d" % i)(x)
        return x


# ---- Isola et al.: pix2pix (CVPR 2017), U-Net generator + PatchGAN ---------
class Down(nn.Module):
    def __init__(self, cin, cout, bias, bn):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 4, 2, 1, bias=bias)
        if bn:
            self.bn = nn.BatchNorm2d(cout)


class Up(nn.Module):
    def __init__(self, cin, cout, bias, bn, dropout):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=bias)
        if bn:
            self.bn = nn.BatchNorm2d(cout)
        self.drop = nn.Dropout(0.5) if dropout else None


class Pix2Pix(nn.Module):
    arch = "pix2pix"
    in_scale, in_offset = 0.02, -1.0

    def __init__(self, width, size, q=0, classes=0):
        super().__init__()
        d = int(round(math.log2(size)))
        assert 1 << d == size
        self.d = d
        c = [0] + [ch(width, 64 if i == 1 else 128 if i == 2 else 256 if i == 3 else 512)
                   for i in range(1, d + 1)]
        for i in range(1, d + 1):
            setattr(self, "down%d" % i, Down(1 if i == 1 else c[i - 1], c[i],
                                             i == 1 or i == d, 1 < i < d))
        for i in range(d, 1, -1):
            cin = c[i] if i == d else 2 * c[i]
            setattr(self, "up%d" % i, Up(cin, c[i - 1], False, True, i > d - 3))
        self.up1 = Up(2 * c[1], 2, True, False, False)

    def forward(self, x):
        enc = [None]
        for i in range(1, self.d + 1):
            m = getattr(self, "down%d" % i)
            if i > 1:
                x = lrelu(x, 0.2)
            x = m.conv(x)
            if hasattr(m, "bn"):
                x = m.bn(x)
            enc.append(x)
        for i in range(self.d, 1, -1):
            m = getattr(self, "up%d" % i)
            x = m.bn(m.deconv(relu(x)))
            if m.drop is not None:
                x = m.drop(x)
            x = torch.cat([x, enc[i - 1]], 1)
        return torch.tanh(self.up1.deconv(relu(x)))


class PatchDisc(nn.Module):
    """The 70x70 PatchGAN; state_dict keys "disc.N.conv.weight", ..."""

    def __init__(self, width):
        super().__init__()
        layers = {}
        cin = 3
        for i, b in enumerate((64, 128, 256, 512)):
            m = nn.Module()
            m.conv = nn.Conv2d(cin, ch(width, b), 4, 2 if i < 3 else 1, 1, bias=(i == 0))
            if i > 0:
                m.bn = nn.BatchNorm2d(ch(width, b))
            layers[str(i)] = m
            cin = ch(width, b)
        last = nn.Module()
        last.conv = nn.Conv2d(cin, 1, 4, 1, 1, bias=True)
        layers["4"] = last
        self.disc = nn.ModuleDict(layers)

    def forward(self, x):
        for i in range(4):
            m = self.disc[str(i)]
            x = m.conv(x)
            if i > 0:
                x = m.bn(x)
            x = lrelu(x, 0.2)
        return self.disc["4"].conv(x)


# ---- Iizuka, Simo-Serra, Ishikawa: Let there be Color! (SIGGRAPH 2016) -----
class Fusion(nn.Module):
    arch = "fusion"
    in_scale, in_offset = 0.01, 0.0

    def __init__(self, width, size, q=0, classes=1):
        super().__init__()
        w = lambda b: ch(width, b)
        low, cin = {}, 1
        for i, (b, s) in enumerate(zip((64, 128, 128, 256, 256, 512), (2, 1, 2, 1, 2, 1))):
            low[str(i)] = CBR(cin, w(b), s)
            cin = w(b)
        self.low = nn.ModuleDict(low)
        self.mid = nn.ModuleDict({"0": CBR(w(512), w(512), 1), "1": CBR(w(512), w(256), 1)})
        g = {str(i): CBR(w(512), w(512), s) for i, s in enumerate((2, 1, 2, 1))}
        side = size // 32
        fin = w(512) * side * side
        for i, b in enumerate((1024, 512, 256)):
            g["fc%d" % i] = nn.Linear(fin, w(b))
            g["fc%d_bn" % i] = nn.BatchNorm1d(w(b))
            fin = w(b)
        setattr(self, "global", nn.ModuleDict(g))  # a Python keyword
        setattr(self, "class", nn.ModuleDict({"fc0": nn.Linear(w(512), w(256)),
                                              "fc0_bn": nn.BatchNorm1d(w(256)),
                                              "fc1": nn.Linear(w(256), classes)}))
        self.fusion = nn.ModuleDict({"conv": nn.Conv2d(w(256) + w(256), w(256), 1),
                                     "bn": nn.BatchNorm2d(w(256))})
        last = nn.Module()
        last.conv = nn.Conv2d(w(32), 2, 3, 1, 1)
        self.color = nn.ModuleDict({"0": CBR(w(256), w(128), 1), "1": CBR(w(128), w(64), 1),
                                    "2": CBR(w(64), w(64), 1), "3": CBR(w(64), w(32), 1),
                                    "4": last})

    def low_level(self, x):
        for i in range(6):
            x = self.low[str(i)](x)
        return x

    def forward(self, x, global_x=None):
        """global_x: the image resized to the training size, when x is not
        that size (the global path then runs the low-level layers again,
        with the same weights)."""
        h, w = x.shape[2], x.shape[3]
        low = x = self.low_level(x)
        if global_x is not None:
            low = self.low_level(global_x)
        mid = self.mid["1"](self.mid["0"](x))
        g = low
        glob = getattr(self, "global")
        for i in range(4):
            g = glob[str(i)](g)
        g = torch.flatten(g, 1)
        g = relu(glob["fc0_bn"](glob["fc0"](g)))
        g512 = relu(glob["fc1_bn"](glob["fc1"](g)))
        g = relu(glob["fc2_bn"](glob["fc2"](g512)))
        cls = getattr(self, "class")
        c = cls["fc1"](relu(cls["fc0_bn"](cls["fc0"](g512))))
        tiled = g[:, :, None, None].expand(-1, -1, mid.shape[2], mid.shape[3])
        x = torch.cat([mid, tiled], 1)
        x = relu(self.fusion["bn"](self.fusion["conv"](x)))
        up = lambda t, s: F.interpolate(t, size=s, mode="bilinear", align_corners=False)
        x = self.color["0"](x)
        x = up(x, (h // 4, w // 4))
        x = self.color["2"](self.color["1"](x))
        x = up(x, (h // 2, w // 2))
        x = self.color["3"](x)
        x = torch.sigmoid(self.color["4"].conv(x))
        return up(x, (h, w)), c


# ---- Dahl: Automatic Colorization (2016), residual hypercolumn decoder ----
class Residual(nn.Module):
    arch = "residual"
    in_scale, in_offset = 0.02, -1.0

    def __init__(self, width, size, q=0, classes=0):
        super().__init__()
        ec = [ch(width, b) for b in (32, 64, 128, 256)]
        dc = [ch(width, b) for b in (32, 32, 64, 128)]
        cin = 1
        for k in range(4):
            setattr(self, "enc%d" % (k + 1),
                    nn.ModuleDict({"0": CBR(cin, ec[k], 1 if k == 0 else 2), "1": CBR(ec[k], ec[k], 1)}))
            cin = ec[k]
        self.dec4 = nn.ModuleDict({"proj": nn.Conv2d(ec[3], dc[3], 1, bias=False),
                                   "proj_bn": nn.BatchNorm2d(dc[3])})
        for k in range(2, -1, -1):
            setattr(self, "dec%d" % (k + 1),
                    nn.ModuleDict({"proj": nn.Conv2d(ec[k], dc[k + 1], 1, bias=False),
                                   "proj_bn": nn.BatchNorm2d(dc[k + 1]),
                                   "conv": nn.Conv2d(dc[k + 1], dc[k], 3, 1, 1)}))
        self.out = nn.Module()
        self.out.conv = nn.Conv2d(dc[0], 2, 3, 1, 1)

    def forward(self, x):
        e = []
        for k in range(4):
            m = getattr(self, "enc%d" % (k + 1))
            x = m["1"](m["0"](x))
            e.append(x)
        d = self.dec4["proj_bn"](self.dec4["proj"](e[3]))
        for k in range(2, -1, -1):
            m = getattr(self, "dec%d" % (k + 1))
            up = F.interpolate(d, size=e[k].shape[2:], mode="bilinear", align_corners=False)
            d = relu(m["conv"](up + m["proj_bn"](m["proj"](e[k]))))
        return torch.tanh(self.out.conv(d))


# ---- Zhang, Zhu et al.: user-guided colorization (SIGGRAPH 2017) ------------
class Hints(nn.Module):
    """The local-hints network from the paper's description: a 4-channel
    input (encoded L, a/110 and b/110 of the hints, their mask); blocks of
    conv3x3 + ReLU ended by batch norm, down-sampled between blocks 1-4 by
    keeping every second pixel; blocks 8-10 start from a transposed conv
    added to a 3x3 conv of blocks 3, 2, 1 (U-Net-like shortcuts); heads:
    529 ab-bin logits from block 8, and ab/110 through tanh at full size.
    Sequential indices follow nn.Sequential's numbering of those layers."""
    arch = "hints"
    in_scale, in_offset = 0.01, -0.5
    bins = 529

    def __init__(self, width, size, q=0, classes=0):
        super().__init__()
        c64, c128, c256, c512 = (ch(width, b) for b in (64, 128, 256, 512))

        def block(cin, c, n, dil=1, lead_relu=False):
            layers = [ReLU()] if lead_relu else []
            for i in range(n):
                layers += [nn.Conv2d(cin if i == 0 else c, c, 3, 1, dil, dilation=dil), ReLU()]
            return nn.Sequential(*layers, nn.BatchNorm2d(c))

        self.model1 = block(4, c64, 2)
        self.model2 = block(c64, c128, 2)
        self.model3 = block(c128, c256, 3)
        self.model4 = block(c256, c512, 3)
        self.model5 = block(c512, c512, 3, 2)
        self.model6 = block(c512, c512, 3, 2)
        self.model7 = block(c512, c512, 3)
        self.model8up = nn.Sequential(nn.ConvTranspose2d(c512, c256, 4, 2, 1))
        self.model3short8 = nn.Sequential(nn.Conv2d(c256, c256, 3, 1, 1))
        self.model8 = block(c256, c256, 2, lead_relu=True)
        self.model9up = nn.Sequential(nn.ConvTranspose2d(c256, c128, 4, 2, 1))
        self.model2short9 = nn.Sequential(nn.Conv2d(c128, c128, 3, 1, 1))
        self.model9 = block(c128, c128, 1, lead_relu=True)
        self.model10up = nn.Sequential(nn.ConvTranspose2d(c128, c128, 4, 2, 1))
        self.model1short10 = nn.Sequential(nn.Conv2d(c64, c128, 3, 1, 1))
        self.model10 = nn.Sequential(ReLU(), nn.Conv2d(c128, c128, 3, 1, 1), LeakyReLU(0.2))
        self.model_class = nn.Sequential(nn.Conv2d(c256, self.bins, 1))
        self.model_out = nn.Sequential(nn.Conv2d(c128, 2, 1), nn.Tanh())

    def forward(self, x):
        half = lambda t: t[:, :, ::2, ::2]
        c1 = self.model1(x)
        c2 = self.model2(half(c1))
        c3 = self.model3(half(c2))
        t = self.model7(self.model6(self.model5(self.model4(half(c3)))))
        c8 = self.model8(self.model8up(t) + self.model3short8(c3))
        t = self.model9(self.model9up(c8) + self.model2short9(c2))
        t = self.model10(self.model10up(t) + self.model1short10(c1))
        return self.model_out(t), self.model_class(c8)


ARCHS = {"colorful": Colorful, "pix2pix": Pix2Pix, "fusion": Fusion, "residual": Residual, "hints": Hints}
# Second prediction size (h, w) per architecture: multiples of its
# cz_model_get_multiple (pix2pix: its training size), not square.
PREDICT2 = {"colorful": (40, 48), "pix2pix": (64, 32), "fusion": (96, 128), "residual": (40, 56),
            "hints": (40, 56)}
AB = {"pix2pix": (1 / 110, 0.0), "fusion": (1 / 220, 0.5), "residual": (1 / 110, 0.0),
      "hints": (1 / 110, 0.0)}


def encode(cls, L):
    """The engine's input encoding, in float32: L * scale + offset."""
    return L * np.float32(cls.in_scale) + np.float32(cls.in_offset)


def random_hints(n, h, w, gen):
    """Hint channels as the hints net takes them, [n, 3, h, w]: a/110 and
    b/110 in (-0.8, 0.8) where the mask (third channel) is 1, about 4% of
    the pixels in 2x2 patches, 0 elsewhere."""
    mask = (torch.rand(n, 1, h // 2, w // 2, generator=gen) < 0.04).float()
    mask = F.interpolate(mask, size=(h, w), mode="nearest")
    ab = (torch.rand(n, 2, h, w, generator=gen) * 1.6 - 0.8) * mask
    return torch.cat([ab, mask], 1)


def net_input(cls, L, hints=None):
    """What the input node holds: encoded L, then the hint channels (zero,
    no hints, when hints is None) for the hints net."""
    x = torch.from_numpy(encode(cls, L.numpy()))
    if cls is not Hints:
        return x
    if hints is None:
        hints = torch.zeros(L.shape[0], 3, L.shape[2], L.shape[3])
    return torch.cat([x, hints.float()], 1)


# ---- safetensors (written here: Debian 12 may lack python3-safetensors) ----
def randomise_batchnorm(net, *inputs):
    """Batch-norm statistics of net from one pass over inputs (so
    activations keep their scale through deep random stacks), then
    perturbed, with random affines; net left in training mode."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 1.0
        net.train()
        net(*inputs)
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean += torch.randn_like(m.running_mean) * 0.05
                m.running_var *= torch.rand_like(m.running_var) * 0.4 + 0.8
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)


def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t,
                                 dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def randomize(model, gen, calib):
    """Random weights (torch's default init); running statistics measured
    over training passes on calib (cumulative averages), then perturbed, and
    random BN affines: eval mode sees realistic but arbitrary statistics."""
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    with torch.no_grad():
        for m in bns:
            m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.copy_(0.2 * torch.randn(m.num_features, generator=gen))
            m.reset_running_stats()
            m.momentum = None
        model.train()
        for c in calib:
            model(c)
        for m in bns:
            n = m.num_features
            m.momentum = 0.1  # PyTorch's default, the engine's
            m.running_mean.add_(0.05 * torch.randn(n, generator=gen) * m.running_var.sqrt())
            m.running_var.mul_(torch.rand(n, generator=gen) * 0.4 + 0.8)
            m.num_batches_tracked.zero_()


def random_L(n, h, w, gen):
    """Images with structure at every scale, L in 0..100: coarse noise
    resized up plus fine noise (pure pixel noise would leave deep features
    nearly constant)."""
    coarse = torch.rand(n, 1, h // 8 + 1, w // 8 + 1, generator=gen) * 100
    L = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
    L = L + 10 * torch.randn(n, 1, h, w, generator=gen)
    return L.clamp(0, 100).float()


def set_train(model):
    """Batch norm in training mode, dropout off (the engine's
    cz_net_set_dropout(net, false))."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()


def run(model, x, grads_out, float64):
    """Eval and train passes and the backward of sum(out * R); also the
    inputs of every ReLU in the training pass, in call order."""
    global _taps
    m = copy.deepcopy(model)
    if float64:
        m = m.double()
        x = x.double()
        grads_out = [g.double() for g in grads_out]
    as_tuple = lambda o: o if isinstance(o, tuple) else (o,)
    m.eval()
    with torch.no_grad():
        ev = as_tuple(m(x))
    set_train(m)
    m.zero_grad()
    _taps = []
    try:
        tr = as_tuple(m(x))
        kinks = _taps
    finally:
        _taps = None
    loss = sum((o * g).sum() for o, g in zip(tr, grads_out))
    loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in m.named_parameters()}
    bufs = {k: b.detach().clone() for k, b in m.named_buffers() if not k.endswith("num_batches_tracked")}
    return ev, tuple(t.detach() for t in tr), grads, bufs, kinks


def annealed_mean(logits, bins, T, hw):
    """Zhang et al.'s decode: ab = sum_q softmax(logits / T)_q * bin_q at the
    logits' resolution, confidence = max_q softmax(logits)_q, both resized
    bilinearly to hw."""
    z = torch.softmax(logits / T, 1)  # [N, Q, h, w]
    ab = torch.einsum("nqhw,qc->nchw", z, bins)
    conf = torch.softmax(logits, 1).max(1, keepdim=True)[0]
    up = lambda t: F.interpolate(t, size=hw, mode="bilinear", align_corners=False)
    return up(ab), up(conf)


def rel(a, b, scale=0.0):
    """max |a - b| over max |b| (or scale, if larger), as test_parity.c."""
    a, b = a.double(), b.double()
    return float((a - b).abs().max() / max(float(b.abs().max()), scale, 1e-30))


def grad_rel(g32, g64):
    """Relative error of every gradient; a bias is measured at the scale of
    its layer's weight gradient too (a conv bias ahead of batch norm has a
    gradient that is zero but for rounding), as test_parity.c does."""
    out = []
    for k in g64:
        comp = k[:-len("bias")] + "weight"
        scale = float(g64[comp].abs().max()) if k.endswith(".bias") and comp in g64 else 0.0
        out.append(rel(g32[k], g64[k], scale))
    return out


def make(arch, width, size, batch, classes, bins, out_dir, seed):
    cls = ARCHS[arch]
    q = bins.shape[0]
    for attempt in range(1, 201):  # redraw until clear of ReLU kinks
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed + 1)
        seed += 7919
        model = cls(width, size, q, classes).float()
        L = random_L(batch, size, size, gen)
        hints = random_hints(batch, size, size, gen) if cls is Hints else None
        x = net_input(cls, L, hints)
        randomize(model, gen, [net_input(cls, random_L(4, size, size, gen),
                                         random_hints(4, size, size, gen) if cls is Hints else None)
                               for _ in range(4)])
        if arch == "colorful":  # logits a few units apart, so the decode at T has work to do
            with torch.no_grad():
                model.model8[6].weight.mul_(10)
        kinks = kink_ratio(model, x)
        if kinks >= KINK_MARGIN:
            break
    else:
        sys.exit("reference: no %s draw in 200 keeps ReLU inputs clear of zero" % arch)
    model.eval()
    with torch.no_grad():
        outs = model(x)
    outs = outs if isinstance(outs, tuple) else (outs,)
    R = [torch.randn(o.shape, generator=gen) for o in outs]
    if arch == "hints":  # 529 logits would drown the regression head's share of the trunk's gradients;
        R[1] *= 0.03     # at 0.03 the two heads contribute about equally (measured on model1.0, model4.0)

    ev, tr, grads, bufs, kinks_in = run(model, x, R, True)
    ev32, tr32, grads32, _, _ = run(model, x, R, False)
    torch_err = max([rel(a, b) for a, b in zip(ev32 + tr32, ev + tr)] +
                    grad_rel(grads32, grads))

    meta = {"format": "corolization", "format_version": "1", "arch": arch,
            "width": "%g" % width, "size": str(size), "classes": str(classes),
            "class_names": ",".join("class%d" % i for i in range(classes)),
            "lab_white": "D50", "name": "parity-" + arch,
            "description": "random weights written by tests/parity/reference.py"}
    weights = dict(model.state_dict())
    weights = {k: v for k, v in weights.items() if not k.endswith("num_batches_tracked")}
    ref = {"input.L": L, "eval.out": ev[0], "train.out": tr[0], "grad.out": R[0]}
    if arch == "fusion":
        ref.update({"eval.classes": ev[1], "train.classes": tr[1], "grad.classes": R[1]})
    if arch == "hints":
        ref.update({"input.hints": hints, "eval.logits": ev[1], "train.logits": tr[1], "grad.logits": R[1]})
    ref.update({"grad." + k: v for k, v in grads.items()})
    ref.update({"running." + k: v for k, v in bufs.items()})
    ref.update({"kink.%d" % i: t for i, t in enumerate(kinks_in)})

    # What cz_model_predict returns for sample 0 (eval mode, file weights;
    # the hints net without hints).
    e0 = ev[0][0:1]
    if arch == "hints":
        with torch.no_grad():
            e0 = copy.deepcopy(model).double().eval()(net_input(cls, L[0:1]).double())[0]
    T, binst = 0.38, torch.from_numpy(bins).double()  # [Q, 2]
    s, o = AB.get(arch, (1.0, 0.0))
    if arch == "colorful":
        ab, conf = annealed_mean(e0, binst, T, (size, size))
        ref["predict.ab"], ref["predict.conf"] = ab[0], conf[0]
        weights["quant.prior"] = torch.rand(q, generator=gen) / q
        weights["quant.weights"] = torch.rand(q, generator=gen) + 0.5
    else:
        ref["predict.ab"] = ((e0 - o) / s)[0]

    # The same at another input size (an inference net the engine builds on
    # demand; fusion's global path then sees the input resized to size).
    h2, w2 = PREDICT2[arch]
    L2 = random_L(1, h2, w2, gen)
    x2 = net_input(cls, L2).double()
    m64 = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        if arch == "fusion":
            gx = F.interpolate(x2, size=(size, size), mode="bilinear", align_corners=False)
            e2 = m64(x2, gx)[0]
        elif arch == "hints":
            e2 = m64(x2)[0]
        else:
            e2 = m64(x2)
    ref["predict2.L"] = L2
    if arch == "colorful":
        ab2, conf2 = annealed_mean(e2, binst, T, (h2, w2))
        ref["predict2.ab"], ref["predict2.conf"] = ab2[0], conf2[0]
    else:
        ref["predict2.ab"] = ((e2 - o) / s)[0]

    if arch == "pix2pix":  # the PatchGAN discriminator, in the same file
        for _ in range(200):
            disc = PatchDisc(width).float()
            dx = torch.randn(batch, 3, size, size, generator=gen)
            randomize(disc, gen, [torch.randn(4, 3, size, size, generator=gen) for _ in range(4)])
            if kink_ratio(disc, dx) >= KINK_MARGIN:
                break
        else:
            sys.exit("reference: no discriminator draw in 200 keeps ReLU inputs clear of zero")
        with torch.no_grad():
            dR = torch.randn(disc(dx).shape, generator=gen)
        dev, dtr, dgrads, dbufs, dkinks = run(disc, dx, [dR], True)
        dev32, dtr32, dgrads32, _, _ = run(disc, dx, [dR], False)
        torch_err = max([torch_err, rel(dev32[0], dev[0]), rel(dtr32[0], dtr[0])] +
                        grad_rel(dgrads32, dgrads))
        weights.update({k: v for k, v in disc.state_dict().items() if not k.endswith("num_batches_tracked")})
        ref.update({"disc.input": dx, "disc.eval.out": dev[0], "disc.train.out": dtr[0], "disc.grad.out": dR})
        ref.update({"grad." + k: v for k, v in dgrads.items()})
        ref.update({"running." + k: v for k, v in dbufs.items()})
        ref.update({"disc.kink.%d" % i: t for i, t in enumerate(dkinks)})

    write_safetensors(os.path.join(out_dir, arch + ".model.safetensors"), weights, meta)
    write_safetensors(os.path.join(out_dir, arch + ".ref.safetensors"), ref,
                      {"batch": str(batch), "torch_float32_max_rel": "%.3g" % torch_err})
    print("reference: %s width %g size %d batch %d: %d tensors (draw %d, ReLU inputs clear of 0 by %.1e of "
          "their RMS); torch float32 vs float64 max rel %.2e"
          % (arch, width, size, batch, len(weights), attempt, kinks, torch_err))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bins", required=True, help="Q lines 'a b': the engine's bin centres")
    args = ap.parse_args()
    bins = np.loadtxt(args.bins, dtype=np.float32, ndmin=2)
    if bins.ndim != 2 or bins.shape[1] != 2 or bins.shape[0] < 2:
        sys.exit("reference: %s does not hold Q lines of 'a b'" % args.bins)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    make("colorful", 0.125, 32, 2, 0, bins, args.out, 1)
    make("pix2pix", 0.125, 32, 3, 0, bins, args.out, 2)
    make("fusion", 0.125, 64, 4, 3, bins, args.out, 3)
    make("residual", 0.25, 32, 2, 0, bins, args.out, 4)
    make("hints", 0.125, 32, 2, 0, bins, args.out, 5)


if __name__ == "__main__":
    main()
