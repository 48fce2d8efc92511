"""check-demo.py OUT.png SOURCE.png: the demo's photo is the source's size
and has colour that an untrained network does not give.

An untrained colorful network predicts the same distribution everywhere,
so its annealed mean is one tint (mean chroma 12.7 on the astronaut, as
much as the shipped model's 12.7); the pixel path only shortens chroma to
fit the gamut, keeping the hue, so all its coloured pixels share one hue.
A trained model's hue follows the content: the spread of hues (circular
variance of the hue of pixels with chroma above 2) is 0.000 for the
untrained network and 0.027 for the shipped colorful (pix2pix 0.137, fusion
0.379, the true colours 0.205)."""
import sys

import numpy as np
from skimage import color, io

MIN_CHROMA = 5.0
MIN_HUE_SPREAD = 0.01

out, src = io.imread(sys.argv[1]), io.imread(sys.argv[2])
lab = color.rgb2lab(out[..., :3])
a, b = lab[..., 1].ravel(), lab[..., 2].ravel()
c = np.hypot(a, b)
z = (a + 1j * b)[c > 2] / c[c > 2]
spread = 1 - abs(z.mean()) if z.size else 0.0
checks = [
    ('size of the source', out.shape[:2] == src.shape[:2], f'{out.shape[1]}x{out.shape[0]}, source {src.shape[1]}x{src.shape[0]}'),
    ('colour', c.mean() > MIN_CHROMA, f'mean chroma {c.mean():.2f} (above {MIN_CHROMA})'),
    ('hue follows the content', spread > MIN_HUE_SPREAD, f'hue spread {spread:.3f} (above {MIN_HUE_SPREAD})'),
]
for what, ok, detail in checks:
    print(('ok   ' if ok else 'FAIL ') + f'{what}: {detail}')
sys.exit(0 if all(ok for _, ok, _ in checks) else 1)
