#!/usr/bin/python3
"""Writes the photo fuzz seed corpus: tiny valid JPEG, PNG, TIFF and WebP
files (PIL), the same cut short (with their end marker re-appended), headers
claiming 30000 x 30000, and a wrong magic. Run from anywhere; outputs go to
corpus-photo/ beside this script and are committed."""
import io
import os
import struct
import zlib

from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-photo")


def save(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = Image.new("RGB", (12, 10))
    rgb.putdata([(x * 20, y * 25, (x * y) % 256) for y in range(10) for x in range(12)])
    png = save(rgb, "PNG")
    jpg = save(rgb, "JPEG", quality=90)
    prog = save(rgb, "JPEG", quality=90, progressive=True)
    tiff = save(rgb, "TIFF")
    sof = jpg.index(b"\xff\xc0")
    raw = (b"\0" + bytes(range(36))) * 12
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 12, 12, 8, 2, 0, 0, 0))
    files = {
        "valid.png": png,
        "valid_gray16.png": save(rgb.convert("L").convert("I"), "PNG"),
        "valid_palette.png": save(rgb.convert("P"), "PNG", transparency=0),
        "valid.jpg": jpg,
        "valid_progressive.jpg": prog,
        "valid_gray.jpg": save(rgb.convert("L"), "JPEG"),
        "valid.tiff": tiff,
        "valid.webp": save(rgb, "WEBP", lossless=True),
        "valid_lossy.webp": save(rgb, "WEBP", quality=80),
        "cut_iend.png": png[:len(png) // 2] + png[-12:],
        "cut.png": png[:len(png) // 2],
        "cut_eoi.jpg": jpg[:len(jpg) // 2] + b"\xff\xd9",
        "cut.tiff": tiff[:len(tiff) // 2],
        "cut_eoi_progressive.jpg": prog[:len(prog) // 2] + b"\xff\xd9",
        "bomb.png": b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""),
        "bomb.jpg": jpg[:sof + 5] + struct.pack(">HH", 30000, 30000) + jpg[sof + 9:],
        "wrong_magic.png": b"\x89PNX" + png[4:],
        "extra_data.png": b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(raw + bytes(40)))
        + chunk(b"IEND", b""),
        "bad_crc.png": b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"tEXt", b"a\0b")[:-4] + b"\0\0\0\1"
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""),
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {OUT}")


if __name__ == "__main__":
    main()
