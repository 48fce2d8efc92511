#!/usr/bin/python3
"""skimage_lab.py: skimage's Lab (rgb2lab: sRGB, D65) of a test photo, for
test_lab_d65.c. Reads PHOTO (one of tests/data/photos), crops its top-left
H x W and writes OUT: "CZLAB1\\n", then H and W as little-endian int32, the
crop's sRGB bytes [H, W, 3] and rgb2lab's L, a, b as float32 [H, W, 3].
Exit 3 when skimage is missing."""
import struct
import sys

try:
    import numpy as np
    from skimage import color, io
except ImportError as e:
    print("skimage_lab: skimage is not available to %s (%s)" % (sys.executable, e), file=sys.stderr)
    sys.exit(3)


def main():
    photo, h, w, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rgb = io.imread(photo)[:h, :w, :3]
    if rgb.dtype != np.uint8 or rgb.shape != (h, w, 3):
        sys.exit("skimage_lab: %s is not an 8-bit RGB photo of at least %dx%d" % (photo, w, h))
    lab = color.rgb2lab(rgb).astype("<f4")
    with open(out, "wb") as f:
        f.write(b"CZLAB1\n" + struct.pack("<ii", h, w) + np.ascontiguousarray(rgb).tobytes() + lab.tobytes())
    print("skimage_lab: %s %dx%d, L %.1f..%.1f, a %.1f..%.1f, b %.1f..%.1f" % (
        photo, w, h, lab[..., 0].min(), lab[..., 0].max(), lab[..., 1].min(), lab[..., 1].max(),
        lab[..., 2].min(), lab[..., 2].max()))


if __name__ == "__main__":
    main()
