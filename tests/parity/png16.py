"""png16.py: 16-bit RGB(A) PNG files to and from numpy, which Debian 12's
skimage/imageio cannot do (both go through Pillow, which stores and reads
16-bit colour as 8-bit). Non-interlaced files only; no colour chunks, so
the image is sRGB to GEGL."""
import struct
import zlib

import numpy as np


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write(path, im):
    """im: uint16 [h, w, 3 or 4]."""
    h, w, c = im.shape
    if im.dtype != np.uint16 or c not in (3, 4):
        raise ValueError("png16.write wants uint16 [h, w, 3|4]")
    rows = im.astype(">u2").reshape(h, w * c).view(np.uint8)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()  # filter 0 per row
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2 if c == 3 else 6, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw, 6)) +
                _chunk(b"IEND", b""))


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def read(path):
    """A 16-bit RGB or RGBA PNG as uint16 [h, w, 3 or 4]."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 16 or ctype not in (2, 6) or interlace:
        raise ValueError("%s: %d-bit colour type %d%s, not 16-bit RGB(A)" %
                         (path, depth, ctype, " interlaced" if interlace else ""))
    c = 3 if ctype == 2 else 4
    bpp, stride = 2 * c, 2 * c * w
    raw = zlib.decompress(idat)
    out = np.zeros((h, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 255
        else:  # 1, 3, 4 depend on the bytes just decoded: byte by byte
            cur = line.copy()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b, cc = prev[i], prev[i - bpp] if i >= bpp else 0
                pred = a if ftype == 1 else (a + b) // 2 if ftype == 3 else _paeth(a, b, cc)
                cur[i] = (cur[i] + pred) & 255
        out[y] = cur
        prev = cur
    return out.view(">u2").reshape(h, w, c).astype(np.uint16)
