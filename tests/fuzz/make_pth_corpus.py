#!/usr/bin/python3
"""make_pth_corpus.py DIR: the seed corpus of fuzz_pth.c: tiny torch.save
state_dicts (plain, wrapped, float16, a DataParallel "module." prefix),
hostile pickles (os.system GLOBAL, builtins.eval, REDUCE of a storage) in
the same zip layout, and a truncated file."""
import os
import pickle
import sys
import zipfile

import torch

d = sys.argv[1]
os.makedirs(d, exist_ok=True)


def path(name):
    return os.path.join(d, name)


class Call:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def archive(name, pkl):
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)


bn = torch.nn.BatchNorm2d(2)
sd = {"a.weight": torch.arange(6.0).reshape(2, 3), "a.bias": torch.ones(2)}
sd.update({"bn." + k: v for k, v in bn.state_dict().items()})
torch.save(sd, path("plain.pth"))
torch.save({"state_dict": sd, "epoch": 1, "lr": 0.5}, path("wrapped.pth"))
torch.save({k: v.half() if v.is_floating_point() else v for k, v in sd.items()}, path("half.pth"))
torch.save({"module." + k: v for k, v in sd.items()}, path("module.pth"))
archive("system.pth", pickle.dumps(Call(os.system, "true"), protocol=2))
archive("eval.pth", pickle.dumps(Call(eval, "1"), protocol=2))
archive("reduce.pth", b"\x80\x02ctorch\nFloatStorage\n)R.")
raw = open(path("plain.pth"), "rb").read()
open(path("truncated.pth"), "wb").write(raw[: len(raw) * 2 // 3])
