#!/usr/bin/python3
"""Writes the fuzz seed corpus: small valid safetensors files and a few
truncated or corrupt ones. Run from anywhere; outputs go to corpus/ beside
this script and are committed."""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
SIZE = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}


def build(tensors, meta=None, pad=True):
    """tensors: list of (name, dtype, shape); data is a byte ramp."""
    hdr, data = {}, b""
    if meta is not None:
        hdr["__metadata__"] = meta
    for name, dt, shape in tensors:
        n = SIZE[dt]
        for d in shape:
            n *= d
        hdr[name] = {"dtype": dt, "shape": shape,
                     "data_offsets": [len(data), len(data) + n]}
        data += bytes((len(data) + i) * 37 % 251 for i in range(n))
    j = json.dumps(hdr, separators=(",", ":")).encode()
    if pad:
        j += b" " * ((8 - len(j) % 8) % 8)
    return struct.pack("<Q", len(j)) + j + data


def raw(header, data_len):
    j = header.encode()
    return struct.pack("<Q", len(j)) + j + bytes(data_len)


def main():
    os.makedirs(OUT, exist_ok=True)
    full = build([("conv.weight", "F32", [2, 1, 3, 3]), ("conv.bias", "F16", [2]),
                  ("bn.running_mean", "BF16", [2]), ("steps", "I64", [])],
                 meta={"format": "pt", "arch": "colorful"})
    files = {
        "valid_f32.safetensors": build([("w", "F32", [2, 3])]),
        "valid_mixed.safetensors": full,
        "valid_empty.safetensors": build([]),
        "valid_zero_dim.safetensors": build([("z", "F16", [4, 0]), ("s", "F32", [])], pad=False),
        "valid_meta_only.safetensors": build([], meta={"k": "v", "caf\u00e9": "\u00fc"}),
        "trunc_header.safetensors": full[:30],
        "trunc_data.safetensors": full[:-3],
        "bad_header_size.safetensors": b"\xff" * 8 + full[8:],
        "bad_offsets.safetensors": raw('{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 8),
        "bad_overlap.safetensors": raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                       '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', 12),
        "bad_shape.safetensors": raw('{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8),
        "bad_dtype.safetensors": raw('{"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', 8),
        "bad_json.safetensors": raw('{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]', 4),
        "bad_meta.safetensors": raw('{"__metadata__":{"k":1}}', 0),
        "bad_duplicate.safetensors": raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                         '"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8),
    }
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {OUT}")


if __name__ == "__main__":
    main()
