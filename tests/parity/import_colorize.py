#!/usr/bin/python3
"""import_colorize.py: issue 17's judged check, end to end through the
command line. A random-initialised published-layout ECCV16, SIGGRAPH17
and SIGGRAPH17 with hints (eccv16.py, siggraph17.py: Zhang et al.'s module
layout), each saved with torch.save of its state_dict, converted by one
`corolization-train import` and run by `corolization-train colorize` on a
256x256 16-bit photo (a tests/data photo, resized), against PyTorch's
forward as the published demo runs it: skimage's rgb2lab L in, ab out (the
demo's bilinear resize back to the photo's size is the identity at 256),
joined with the photo's L.

Compared by ab_compare.compare (no PyTorch there, so the GIMP stage of
tests/gimp/gimp-import-test.py shares it): the ab of the 16-bit result in
skimage's Lab against PyTorch's ab over the in-gamut pixels, max |d ab| <=
0.5 (issue 17). random_eccv16 and random_siggraph17 make the networks
that test colours in GIMP too.

Usage: import_colorize.py --train CZ_TRAIN --bins BINS --photo JPG --out DIR.
Exit 0 pass, 1 fail, 3 when python3-torch is missing (the meson test fails
then, never skips)."""
import argparse
import copy
import os
import subprocess
import sys

try:
    import torch
except ImportError as e:
    print("import_colorize: PyTorch is not available to %s (%s)" % (sys.executable, e), file=sys.stderr)
    sys.exit(3)
import numpy as np
from PIL import Image
from skimage import color, io, transform

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png16  # noqa: E402
from eccv16 import ECCV16, randomise_eccv16, read_bins  # noqa: E402
from siggraph17 import SIGGRAPH17, randomise_siggraph17  # noqa: E402
from ab_compare import compare  # noqa: E402

SIDE = 256
HINTS = 24  # 3x3 hint patches from the colour photo


def photo_16bit(path, out):
    """The centre square of a photo, resized to SIDE in float (so the 16-bit
    values are smooth, not 8-bit steps), written as a 16-bit PNG."""
    im = io.imread(path)[..., :3].astype(np.float64) / 255
    h, w = im.shape[:2]
    s = min(h, w)
    im = im[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    im = np.clip(transform.resize(im, (SIDE, SIDE), order=3, anti_aliasing=False), 0, 1)
    q = np.round(im * 65535).astype(np.uint16)
    png16.write(out, q)
    return q.astype(np.float64) / 65535


def hints_png(rgb, out, rng):
    """HINTS 3x3 patches of the photo's own colour (8-bit, alpha 255) in
    an RGBA PNG; returns the hint ab [2, h, w] and mask [h, w] as the
    published demo builds them (skimage Lab of the hint colour)."""
    rgba = np.zeros((SIDE, SIDE, 4), np.uint8)
    for _ in range(HINTS):
        y, x = rng.integers(8, SIDE - 8, 2)
        rgba[y - 1:y + 2, x - 1:x + 2, :3] = np.round(rgb[y, x] * 255)
        rgba[y - 1:y + 2, x - 1:x + 2, 3] = 255
    Image.fromarray(rgba, "RGBA").save(out)
    mask = rgba[..., 3] > 0
    ab = color.rgb2lab(rgba[..., :3] / 255.0)[..., 1:].transpose(2, 0, 1) * mask
    return ab, mask.astype(np.float64)


def random_eccv16(bins, Lt):
    """A random published-layout ECCV16 over bins, its batch norm fitted to
    the photo's L Lt [1, 1, h, w] (float32), in eval mode."""
    net = ECCV16(len(bins))
    return randomise_eccv16(net, bins, Lt)


def no_hints():
    """The hint ab and mask of a run without hints, [1, 2|1, SIDE, SIDE]."""
    return torch.zeros(1, 2, SIDE, SIDE), torch.zeros(1, 1, SIDE, SIDE)


def random_siggraph17(Lt):
    """A random published-layout SIGGRAPH17, its batch norm fitted to Lt
    without hints, in eval mode, its output layer scaled down: a random one
    is saturated beyond sRGB almost everywhere, a trained one is not."""
    net = SIGGRAPH17()
    randomise_siggraph17(net, Lt, *no_hints())
    with torch.no_grad():
        net.model_out[0].weight.mul_(0.1)
        net.model_out[0].bias.mul_(0.1)
    return net


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), r.returncode, r.stdout))


def check(name, args, net, arch, forward, L, photo_png, extra):
    """Saves net, imports it, colorizes photo_png; prints and returns the
    list of failed conditions."""
    pth = os.path.join(args.out, name + ".pth")
    model = os.path.join(args.out, name + ".safetensors")
    outdir = os.path.join(args.out, name)
    torch.save(net.state_dict(), pth)
    try:
        run([args.train, "import", "--arch", arch, "--from", pth, "-o", model])
        run([args.train, "colorize", "--model", model, "--threads", "2", "-o", outdir, photo_png] + extra)
    finally:
        for p in (pth, model):
            if os.path.exists(p):
                os.unlink(p)
    with torch.no_grad():
        want = forward(copy.deepcopy(net).double()).numpy()[0]  # [2, h, w], float64 of the float32 weights
    return compare(name, png16.read(os.path.join(outdir, "photo.png")), L, want)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--bins", required=True)
    ap.add_argument("--photo", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(1617)
    rng = np.random.default_rng(1617)
    photo_png = os.path.join(args.out, "photo.png")
    rgb = photo_16bit(args.photo, photo_png)
    L = color.rgb2lab(rgb)[..., 0]
    Lt = torch.from_numpy(L)[None, None].float()
    fails = []

    net = random_eccv16(read_bins(args.bins), Lt)
    fails += check("eccv16", args, net, "colorful", lambda n: n(Lt.double()), L, photo_png, ["--temperature", "1"])

    zero_ab, zero_mask = no_hints()
    net = random_siggraph17(Lt)
    fails += check("siggraph17", args, net, "hints", lambda n: n(Lt.double(), zero_ab.double(), zero_mask.double()),
                   L, photo_png, [])

    hint_png = os.path.join(args.out, "hints.png")
    ab, mask = hints_png(rgb, hint_png, rng)
    hab, hmask = torch.from_numpy(ab)[None], torch.from_numpy(mask)[None, None]
    fails += check("siggraph17-hints", args, net, "hints", lambda n: n(Lt.double(), hab, hmask), L, photo_png,
                   ["--hints", hint_png])
    with torch.no_grad():  # the hints must reach the network, or the last case repeats the one before
        moved = (net(Lt, hab.float(), hmask.float()) - net(Lt, zero_ab, zero_mask)).abs().max().item()
    print("siggraph17-hints: the hints move PyTorch's ab by up to %.1f" % moved)
    if moved < 5:
        fails.append("siggraph17-hints: the hints move PyTorch's ab by only %.2f" % moved)

    for f in fails:
        print("FAIL " + f, file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
