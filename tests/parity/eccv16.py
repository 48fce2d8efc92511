#!/usr/bin/python3
"""eccv16.py: Zhang et al.'s ECCV16 classifier at full width as the published
PyTorch model takes and returns data (L in 0..100 in; ab = 110 *
model_out(softmax(logits)), upsampled 4x bilinearly, out), written from the
paper and the published layer list, for `corolization-train import
--arch colorful`'s parity test (test_eccv16.c).

model_out is not trained in the published model: it is the decoding layer,
each class's ab bin centre / 110 (the bins of --bins, the published 313-bin
table in class order), so it is written that way here, as the importer
checks. Every other tensor is random.

Writes into --out: eccv16.pth (torch.save of the state_dict, zip format),
eccv16-wrapped.pth ({"model": ...}), eccv16-otherbins.pth (model_out of two
classes swapped: decodes with other bins, so the import must refuse it) and
eccv16.ref.safetensors: L [h, w] and the reference ab [2, h, w] computed in
float64 from the float32 weights. Exit 3 when python3-torch is missing."""
import argparse
import os
import sys

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    print("eccv16: PyTorch is not available to %s (%s)" % (sys.executable, e), file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import randomise_batchnorm, write_safetensors  # noqa: E402


def block(cin, cout, n, last_stride=1, dilation=1):
    """n 3x3 convs each followed by ReLU, the last of stride last_stride,
    then batch norm (nn.Sequential indices as the published file's)."""
    layers = []
    for i in range(n):
        layers.append(nn.Conv2d(cin if i == 0 else cout, cout, 3, stride=last_stride if i == n - 1 else 1,
                                padding=dilation, dilation=dilation))
        layers.append(nn.ReLU(True))
    layers.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*layers)


class ECCV16(nn.Module):
    def __init__(self, q):
        super().__init__()
        self.model1 = block(1, 64, 2, last_stride=2)
        self.model2 = block(64, 128, 2, last_stride=2)
        self.model3 = block(128, 256, 3, last_stride=2)
        self.model4 = block(256, 512, 3)
        self.model5 = block(512, 512, 3, dilation=2)
        self.model6 = block(512, 512, 3, dilation=2)
        self.model7 = block(512, 512, 3)
        self.model8 = nn.Sequential(nn.ConvTranspose2d(512, 256, 4, stride=2, padding=1), nn.ReLU(True),
                                    nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True),
                                    nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(True),
                                    nn.Conv2d(256, q, 1))
        self.model_out = nn.Conv2d(q, 2, 1, bias=False)

    def forward(self, L):
        x = (L - 50) / 100
        for m in (self.model1, self.model2, self.model3, self.model4, self.model5, self.model6, self.model7,
                  self.model8):
            x = m(x)
        ab = self.model_out(torch.softmax(x, dim=1))
        return F.interpolate(ab, scale_factor=4, mode="bilinear", align_corners=False) * 110


def read_bins(path):
    rows = [line.split() for line in open(path) if line.strip() and not line.startswith("#")]
    return torch.tensor([[float(a), float(b)] for a, b in rows])


def randomise_eccv16(net, bins, L):
    """net (a fresh ECCV16 over bins) made a random one in eval mode:
    batch-norm statistics from a pass over L, then perturbed, with random
    affines; the head scaled so the softmax is neither flat nor one-hot;
    model_out the bins / 110."""
    randomise_batchnorm(net, L)
    with torch.no_grad():
        net.model8[6].weight *= 8
        net.model_out.weight.copy_((bins / 110).t().reshape(2, len(bins), 1, 1))
    return net.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bins", required=True)
    ap.add_argument("--height", type=int, default=64)
    ap.add_argument("--width", type=int, default=96)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(16)
    bins = read_bins(args.bins)
    h, w = args.height, args.width
    net = ECCV16(len(bins))
    L = torch.rand(1, 1, h, w) * 100
    randomise_eccv16(net, bins, L)
    sd = net.state_dict()
    torch.save(sd, os.path.join(args.out, "eccv16.pth"))
    torch.save({"model": sd}, os.path.join(args.out, "eccv16-wrapped.pth"))
    other = dict(sd)
    swapped = sd["model_out.weight"].clone()
    swapped[:, [0, 200]] = swapped[:, [200, 0]]
    other["model_out.weight"] = swapped
    torch.save(other, os.path.join(args.out, "eccv16-otherbins.pth"))
    with torch.no_grad():
        ab64 = net.double()(L.double())
        ab32 = net.float()(L)
        p = torch.softmax(net.double().model8(net.model7(net.model6(net.model5(net.model4(net.model3(
            net.model2(net.model1((L.double() - 50) / 100)))))))), dim=1)
    print("eccv16: %d tensors, %d bins, ab in [%.1f, %.1f], mean max softmax %.3f; torch float32 vs float64 "
          "max |d ab| %.2e" % (len(sd), len(bins), ab64.min(), ab64.max(), p.max(1)[0].mean(),
                               (ab32.double() - ab64).abs().max()))
    write_safetensors(os.path.join(args.out, "eccv16.ref.safetensors"), {"L": L[0, 0], "ab": ab64[0].float()})


if __name__ == "__main__":
    main()
