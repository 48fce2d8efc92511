#!/usr/bin/env python3
"""Writes the model fuzz seed corpus (corpus-model/ beside this script,
committed): a tiny valid model per architecture, trained for one step by the
trainer on generated photos, and crafted bad ones: headers that name a huge
network and hold no tensor, a negative batch-norm running_var, a NaN weight,
a missing tensor, a tensor of the wrong shape, metadata sizes the weights
do not fit, and bad ab bins (quant.bins).

    tests/fuzz/make_model_corpus.py BUILD/engine/trainer/corolization-train

Needs only the standard library (the photos are written as PNG by hand)."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-model")
# The metadata a model needs; the trainer's run-specific keys (command,
# lineage, seed...) would only make the seeds longer and name this machine.
KEEP = ("format", "format_version", "arch", "width", "size", "classes", "class_names",
        "lab_white", "adversarial")


def png(path, w, h, seed):
    """An RGB gradient photo with some colour, so prepare keeps it."""
    rows = b""
    for y in range(h):
        rows += b"\0" + bytes(v for x in range(w) for v in
                              ((x * 7 + seed * 40) % 256, (y * 5 + seed * 90) % 256, (x * y + seed) % 256))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def write(path, header, body):
    j = json.dumps(header, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(j)) + j + body)


def poke(header, body, name, index, raw):
    """Overwrites element index of tensor name with the bytes raw."""
    t = header[name]
    at = t["data_offsets"][0] + index * len(raw)
    return body[:at] + raw + body[at + len(raw):]


def main():
    trainer = os.path.abspath(sys.argv[1])
    os.makedirs(OUT, exist_ok=True)
    valid = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, cls in enumerate(("a", "a", "b")):
            os.makedirs(os.path.join(tmp, "photos", cls), exist_ok=True)
            png(os.path.join(tmp, "photos", cls, "p%d.png" % i), 48, 40, i)
        data = os.path.join(tmp, "d.data")
        subprocess.run([trainer, "prepare", os.path.join(tmp, "photos"), "-o", data, "--size", "32", "-q"],
                       check=True)
        # pix2pix's PatchGAN and fusion's global path need 32 px
        for arch, size in (("colorful", 16), ("pix2pix", 32), ("fusion", 32), ("residual", 16), ("hints", 16)):
            out = os.path.join(tmp, arch + ".safetensors")
            subprocess.run([trainer, "train", "--arch", arch, "--data", data, "-o", out, "--steps", "1",
                            "--batch", "2", "--width", "0.01", "--size", str(size), "--dtype", "f16",
                            "--threads", "1", "--sample-every", "1000", "--checkpoint-every", "1000"],
                           check=True, stdout=subprocess.DEVNULL, cwd=tmp)
            header, body = read(out)
            header["__metadata__"] = {k: v for k, v in header["__metadata__"].items() if k in KEEP}
            valid[arch] = (header, body)
            write(os.path.join(OUT, "valid_%s.safetensors" % arch), header, body)

    def variant(name, arch, edit):
        header, body = json.loads(json.dumps(valid[arch][0])), valid[arch][1]
        body = edit(header, body) or body
        write(os.path.join(OUT, name), header, body)

    # issue 21: 69 bytes that asked for 6.5 GB, and colorful at 4096 px (12 GB)
    write(os.path.join(OUT, "header_pix2pix_4096.safetensors"),
          {"__metadata__": {"arch": "pix2pix", "width": "4", "size": "4096"}}, b"")
    write(os.path.join(OUT, "header_colorful_4096.safetensors"),
          {"__metadata__": {"arch": "colorful", "width": "0.25", "size": "4096"}}, b"")
    # colorful inputs are slow to fuzz (see run.sh), so most bad ones are not
    variant("bad_negative_var.safetensors", "residual",
            lambda h, b: poke(h, b, "enc2.1.bn.running_var", 0, struct.pack("<f", -0.5)))
    variant("bad_nan_weight.safetensors", "pix2pix",
            lambda h, b: poke(h, b, "up2.deconv.weight", 0, struct.pack("<H", 0x7E00)))
    variant("bad_inf_mean.safetensors", "fusion",
            lambda h, b: poke(h, b, "low.0.bn.running_mean", 0, struct.pack("<f", float("inf"))))
    variant("bad_missing.safetensors", "residual", lambda h, b: h.pop("out.conv.bias") and None)

    def reshape(h, b):
        s = h["mid.1.conv.weight"]["shape"]
        s[0], s[1] = s[1], s[0]
    variant("bad_shape.safetensors", "fusion", reshape)

    def size(value):
        return lambda h, b: h["__metadata__"].update(size=value)
    variant("size_colorful_4096.safetensors", "colorful", size("4096"))  # fits: colorful's weights are size-free
    variant("size_pix2pix_4096.safetensors", "pix2pix", size("4096"))    # a deeper U-Net: tensors missing
    variant("size_fusion_64.safetensors", "fusion", size("64"))          # global fc of another shape

    # issue 18: format_version and lab_white are read; issue 15: hints files
    # may lack the bins' statistics (imported ones), but not a head
    def meta(**kv):
        return lambda h, b: h["__metadata__"].update(kv)
    variant("version_2.safetensors", "residual", meta(format_version="2"))
    variant("white_d65.safetensors", "residual", meta(lab_white="D65"))
    variant("hints_no_quant.safetensors", "hints", lambda h, b: [h.pop("quant.prior"), h.pop("quant.weights")] and None)
    variant("bad_hints_no_class_head.safetensors", "hints", lambda h, b: h.pop("model_class.0.weight") and None)

    # issue 17: the ab bins are data ("quant.bins" [Q, 2]); the loader
    # refuses bins that are not finite grid centres, alike ones, another
    # shape and a count other than the head's
    f32 = lambda v: struct.pack("<f", v)
    variant("bad_bins_nan.safetensors", "hints", lambda h, b: poke(h, b, "quant.bins", 0, f32(float("nan"))))
    variant("bad_bins_offgrid.safetensors", "hints", lambda h, b: poke(h, b, "quant.bins", 1, f32(5.0)))
    variant("bad_bins_range.safetensors", "hints", lambda h, b: poke(h, b, "quant.bins", 0, f32(120.0)))

    def duplicate(h, b):
        at = h["quant.bins"]["data_offsets"][0]
        return poke(h, b, "quant.bins", 0, b[at + 8:at + 16])
    variant("bad_bins_duplicate.safetensors", "hints", duplicate)

    def flat(h, b):
        h["quant.bins"]["shape"] = [h["quant.bins"]["shape"][0] * 2, 1]
    variant("bad_bins_shape.safetensors", "hints", flat)

    def fewer(h, b):
        t = h["quant.bins"]
        t["shape"][0] -= 1
        t["data_offsets"][1] -= 8
        if t["data_offsets"][1] + 8 == len(b):  # the last tensor: no hole left behind
            return b[:-8]
    variant("bad_bins_fewer_than_head.safetensors", "colorful", fewer)
    variant("bins_dropped.safetensors", "hints", lambda h, b: h.pop("quant.bins") and None)  # loads: the 261 grid


if __name__ == "__main__":
    main()
