#!/bin/sh
# test_import.sh TRAINER [PYTHON]: `corolization-train import` refuses, with
# a message, exit status 1 and no output file, what is not a plain
# state_dict of the architecture: pickles calling os.system or
# builtins.eval, a REDUCE of a storage type, a missing and an unknown tensor
# (named), a wrong shape, a compressed zip entry, a truncated file. The
# .pth inputs are made here by PYTHON with torch (default /usr/bin/python3).
set -u
TEST=import
. "$(dirname "$0")/check.sh"
bin=$1 py=${2:-/usr/bin/python3}
if ! "$py" - "$T" <<'PY'
import io, os, pickle, sys, zipfile
import torch
d = sys.argv[1]

def archive(name, pkl, method=zipfile.ZIP_STORED, extra=()):
    with zipfile.ZipFile(os.path.join(d, name), "w", method) as z:
        z.writestr("archive/data.pkl", pkl)
        for n, b in extra:
            z.writestr(n, b)

class Call:
    def __init__(self, fn, arg): self.fn, self.arg = fn, arg
    def __reduce__(self): return (self.fn, (self.arg,))

archive("system.pth", pickle.dumps({"x": Call(os.system, "touch " + os.path.join(d, "pwned"))}, protocol=2))
archive("eval.pth", pickle.dumps(Call(eval, "1"), protocol=2))
archive("reduce.pth", b"\x80\x02ctorch\nFloatStorage\n)R.")
torch.save({"model1.0.weight": torch.zeros(64, 4, 3, 3)}, os.path.join(d, "missing.pth"))
torch.save({"model1.0.weight": torch.zeros(64, 4, 3, 3), "bogus.weight": torch.zeros(2)},
           os.path.join(d, "unknown.pth"))
torch.save({"model1.0.weight": torch.zeros(64, 4, 5, 5)}, os.path.join(d, "shape.pth"))
with zipfile.ZipFile(os.path.join(d, "missing.pth")) as z:
    entries = [(n, z.read(n)) for n in z.namelist()]
with zipfile.ZipFile(os.path.join(d, "deflated.pth"), "w", zipfile.ZIP_DEFLATED) as z:
    for n, b in entries:
        z.writestr(n, b)
raw = open(os.path.join(d, "missing.pth"), "rb").read()
open(os.path.join(d, "truncated.pth"), "wb").write(raw[: len(raw) // 2])
PY
then
    bad "python3 with torch made the test inputs ($py)"
    finish "import"
    exit 1
fi

# refused FILE PATTERN: exit 1, a message matching PATTERN, nothing written.
refused() {
    "$bin" import --arch hints --from "$T/$1" -o "$T/out.safetensors" > "$T/log" 2>&1
    rc=$?
    check "$1: exit 1 (got $rc)" [ $rc -eq 1 ]
    grep -q -- "$2" "$T/log" && ok || { bad "$1: says '$2'"; cat "$T/log"; }
    check "$1: writes nothing" [ ! -e "$T/out.safetensors" ]
}
refused system.pth "refusing global 'posix.system'"
check "system.pth ran nothing" [ ! -e "$T/pwned" ]
refused eval.pth "refusing global '_*builtin[s_]*.eval'"
refused reduce.pth "refusing to call the storage type FloatStorage"
refused missing.pth "tensor 'model1.0.bias' is missing"
refused unknown.pth "tensor 'bogus.weight' of the checkpoint is not part of the hints"
refused shape.pth "'model1.0.weight' has shape \[64x4x5x5\]"
refused deflated.pth "is compressed"
refused truncated.pth "truncated"
"$bin" import --help > "$T/help"
check "--help says no code from the file runs" grep -q "never runs" "$T/help"
finish "import"
