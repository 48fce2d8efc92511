"""ab_compare.py: issue 17's comparison of a colorized 16-bit result with
PyTorch's ab, without PyTorch (so a GIMP stage in a root without it can
run it): the ab of the result in skimage's Lab against PyTorch's ab, over
the pixels whose (L, PyTorch ab) lies inside sRGB (outside it any written
colour must differ). Bar: max |d ab| <= 0.5; at least half of the pixels in
gamut, and PyTorch's colours not near grey, so the bar means something.
The result's L must stay the photo's there (<= 0.05)."""
import numpy as np
from skimage import color

BAR = 0.5


def in_srgb(L, ab):
    """(L, ab) in skimage's Lab (D65) inside sRGB, unclipped (skimage's
    lab2rgb clips, and lab2xyz clips negative Z)."""
    fy = (L + 16) / 116
    f = np.stack([fy + ab[0] / 500, fy, fy - ab[1] / 200])
    t = np.where(f ** 3 > 216 / 24389, f ** 3, (116 * f - 16) / (24389 / 27))
    xyz = t * np.array([0.95047, 1.0, 1.08883])[:, None, None]
    rgb = np.einsum("ij,jhw->ihw", color.colorconv.rgb_from_xyz, xyz)
    return np.all((rgb >= 0) & (rgb <= 1), axis=0)


def compare(name, result, L, want):
    """result: the 16-bit result [h, w, 3|4]; L: the photo's skimage L
    [h, w]; want: PyTorch's ab [2, h, w]. Prints the figures, returns the
    failed conditions."""
    got = color.rgb2lab(result[..., :3] / 65535.0)
    gamut = in_srgb(L, want)
    d = np.abs(got[..., 1:].transpose(2, 0, 1) - want)[:, gamut]
    dL = np.abs(got[..., 0] - L)[gamut].max()
    chroma = np.hypot(want[0], want[1])[gamut].mean()
    worst = d.max() if d.size else float("inf")
    print("%s: max |d ab| %.4f (mean %.4f) over %.1f %% in-gamut pixels, PyTorch mean chroma %.1f there; "
          "max |d L| %.4f" % (name, worst, d.mean() if d.size else 0, 100 * gamut.mean(), chroma, dL))
    fails = []
    if not worst <= BAR:
        fails.append("%s: max |d ab| %.4f > %.1f" % (name, worst, BAR))
    if gamut.mean() < 0.5:
        fails.append("%s: only %.1f %% of the pixels in gamut" % (name, 100 * gamut.mean()))
    if chroma < 5:
        fails.append("%s: PyTorch's colours are near grey (mean chroma %.1f)" % (name, chroma))
    if not dL <= 0.05:
        fails.append("%s: the result's L moved by %.4f" % (name, dL))
    return fails
