#!/usr/bin/python3
"""siggraph17.py: Zhang et al.'s SIGGRAPH17 network at full width as the
published PyTorch model takes and returns data (L in 0..100, hint ab in CIE
units, an uncentred 0/1 mask in; ab = 110 * tanh(...) out), written from the
paper and the published layer list, for `corolization-train import`'s
parity test (test_siggraph17.c).

Writes into --out: siggraph17.pth (torch.save of the random state_dict,
zip format), siggraph17-wrapped.pth ({"state_dict": ..., "epoch": 3}) and
siggraph17.ref.safetensors: L [h, w], hint ab [2, h, w], mask [h, w] and
the reference ab [2, h, w], computed in float64 from the float32 weights.
Exit 3 when python3-torch is missing."""
import argparse
import os
import sys

try:
    import torch
    import torch.nn as nn
except ImportError as e:
    print("siggraph17: PyTorch is not available to %s (%s)" % (sys.executable, e), file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import randomise_batchnorm, write_safetensors  # noqa: E402


def convs(cin, cout, n, dilation=1, first_relu=False):
    """n 3x3 convs each followed by ReLU, then batch norm (nn.Sequential
    indices as the published file's)."""
    layers = [nn.ReLU(True)] if first_relu else []
    for i in range(n):
        layers.append(nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=dilation, dilation=dilation))
        layers.append(nn.ReLU(True))
    layers.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*layers)


class SIGGRAPH17(nn.Module):
    def __init__(self):
        super().__init__()
        self.model1 = convs(4, 64, 2)
        self.model2 = convs(64, 128, 2)
        self.model3 = convs(128, 256, 3)
        self.model4 = convs(256, 512, 3)
        self.model5 = convs(512, 512, 3, dilation=2)
        self.model6 = convs(512, 512, 3, dilation=2)
        self.model7 = convs(512, 512, 3)
        self.model8up = nn.Sequential(nn.ConvTranspose2d(512, 256, 4, stride=2, padding=1))
        self.model3short8 = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1))
        self.model8 = convs(256, 256, 2, first_relu=True)
        self.model9up = nn.Sequential(nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1))
        self.model2short9 = nn.Sequential(nn.Conv2d(128, 128, 3, padding=1))
        self.model9 = convs(128, 128, 1, first_relu=True)
        self.model10up = nn.Sequential(nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1))
        self.model1short10 = nn.Sequential(nn.Conv2d(64, 128, 3, padding=1))
        self.model10 = nn.Sequential(nn.ReLU(True), nn.Conv2d(128, 128, 3, padding=1), nn.LeakyReLU(0.2))
        self.model_class = nn.Sequential(nn.Conv2d(256, 529, 1))
        self.model_out = nn.Sequential(nn.Conv2d(128, 2, 1), nn.Tanh())

    def forward(self, L, hint_ab, mask):
        x = torch.cat(((L - 50) / 100, hint_ab / 110, mask), 1)
        c1 = self.model1(x)
        c2 = self.model2(c1[:, :, ::2, ::2])
        c3 = self.model3(c2[:, :, ::2, ::2])
        t = self.model7(self.model6(self.model5(self.model4(c3[:, :, ::2, ::2]))))
        c8 = self.model8(self.model8up(t) + self.model3short8(c3))
        t = self.model9(self.model9up(c8) + self.model2short9(c2))
        t = self.model10(self.model10up(t) + self.model1short10(c1))
        return self.model_out(t) * 110


def randomise_siggraph17(net, L, hint_ab, mask):
    """net (a fresh SIGGRAPH17) made a random one in eval mode: batch-norm
    statistics from a pass over these inputs (so activations keep their
    scale through 20 layers), then perturbed, with random affines."""
    randomise_batchnorm(net, L, hint_ab, mask)
    return net.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--height", type=int, default=64)
    ap.add_argument("--width", type=int, default=96)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(17)
    h, w = args.height, args.width
    net = SIGGRAPH17()
    L = torch.rand(1, 1, h, w) * 100
    mask = (torch.rand(1, 1, h, w) < 0.03).float()
    hint_ab = (torch.rand(1, 2, h, w) * 160 - 80) * mask
    randomise_siggraph17(net, L, hint_ab, mask)
    sd = net.state_dict()
    torch.save(sd, os.path.join(args.out, "siggraph17.pth"))
    torch.save({"state_dict": sd, "epoch": 3}, os.path.join(args.out, "siggraph17-wrapped.pth"))
    with torch.no_grad():
        ab64 = net.double()(L.double(), hint_ab.double(), mask.double())
        ab32 = net.float()(L, hint_ab, mask)
    print("siggraph17: %d tensors, ab in [%.1f, %.1f]; torch float32 vs float64 max |d ab| %.2e"
          % (len(sd), ab64.min(), ab64.max(), (ab32.double() - ab64).abs().max()))
    write_safetensors(os.path.join(args.out, "siggraph17.ref.safetensors"),
                      {"L": L[0, 0], "hint_ab": hint_ab[0], "mask": mask[0, 0], "ab": ab64[0].float()})


if __name__ == "__main__":
    main()
