#!/bin/sh
# test_hints.sh: the hints net through the trainer. A new hints net takes a
# colorful model's corresponding layers (transfer.c) and trains, resumes
# and runs; eval --hints N reports N and moves the answer; colorize --hints
# takes an RGBA PNG, where a single 1-px dot on a large photo still changes
# the colour near it (hints are averaged per network cell, not sampled);
# hints for a model that cannot take them, a hints PNG of another size or
# without alpha, and --hints FILE for two inputs are refused by name; so
# are checkpoint fields that are not numbers or out of range. A colorful
# file marked lab_white D65 colours through the D65 path and cannot be
# trained on.
#   usage: test_hints.sh CZ_TRAIN_BINARY PHOTO_ROOT PYTHON
set -u
BIN=$1
PHOTOS=$2
PY=$3
TEST=hints
. "$(dirname "$0")/check.sh"

"$BIN" prepare "$PHOTOS" -o "$T/d.data" --size 64 -q > /dev/null 2>&1 || bad "prepare"
"$BIN" train --arch colorful --width 0.125 --size 64 --data "$T/d.data" -o "$T/c.st" --checkpoint "$T/c.ckpt" \
    --steps 20 --batch 4 --threads 2 --samples "$T/c" > /dev/null 2>&1 || bad "train colorful"
"$BIN" train --arch hints --init-from "$T/c.st" --data "$T/d.data" -o "$T/h.st" --checkpoint "$T/h.ckpt" \
    --steps 30 --batch 4 --threads 2 --lr 3e-3 --samples "$T/h" > "$T/h.log" 2>&1 || bad "train hints"
check "the hints net says how many tensors it took from colorful" grep -q "takes [1-9][0-9]* tensors of the colorful" "$T/h.log"
"$BIN" train --arch hints --data "$T/d.data" -o "$T/h.st" --checkpoint "$T/h.ckpt" --steps 40 --batch 4 \
    --threads 2 --resume --samples "$T/h" > "$T/h2.log" 2>&1 || bad "resume hints: $(tail -2 "$T/h2.log")"
check "the hints run resumes at 30" grep -q "continuing hints from .* at step 30" "$T/h2.log"

# issue 17: a model in D65 Lab (an imported one) colours through the D65
# path, differently from the same weights in D50, and is not trained on
# (the data are babl's D50 Lab)
"$PY" - "$T/c.st" "$T/c65.st" <<'PYEOF'
import json, struct, sys
d = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", d[:8])[0]
h = json.loads(d[8:8 + n])
h["__metadata__"]["lab_white"] = "D65"
j = json.dumps(h).encode()
j += b" " * (-len(j) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(j)) + j + d[8 + n:])
PYEOF
one=$(find "$PHOTOS" -name '*.jpg' | sort | head -1)
"$BIN" colorize --model "$T/c.st" --threads 1 "$one" -o "$T/w50" > /dev/null 2>&1 || bad "colorize D50"
"$BIN" colorize --model "$T/c65.st" --threads 1 "$one" -o "$T/w65" > "$T/w65.log" 2>&1 ||
    bad "colorize D65: $(tail -1 "$T/w65.log")"
check "the D65 file colours otherwise than the D50 one" test -s "$T/w65/$(basename "${one%.*}").png" -a \
    -n "$(cmp "$T/w50/$(basename "${one%.*}").png" "$T/w65/$(basename "${one%.*}").png" 2>&1)"
"$BIN" train --arch colorful --init-from "$T/c65.st" --data "$T/d.data" -o "$T/x.st" --steps 1 > "$T/x.log" 2>&1
check "train --init-from a D65 file is bad usage" test $? -eq 2
check "... and says why: $(tail -1 "$T/x.log")" grep -q "D65 Lab" "$T/x.log"

# a checkpoint's fields are checked where they are read (checkpoint.c)
for kv in "step=x30" "schedule_from=99" "lambda=7"; do
    "$PY" - "$T/h.ckpt" "$T/bad.ckpt" "$kv" <<'PYEOF'
import json, struct, sys
src, dst, kv = sys.argv[1:]
k, v = kv.split("=", 1)
b = open(src, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
h["__metadata__"][k] = v
hb = json.dumps(h).encode()
hb += b" " * (-len(hb) % 8)
open(dst, "wb").write(struct.pack("<Q", len(hb)) + hb + b[8 + n:])
PYEOF
    "$BIN" train --arch hints --data "$T/d.data" -o "$T/bad.st" --checkpoint "$T/bad.ckpt" --steps 50 --batch 4 \
        --resume --samples "$T/bad" > "$T/bad.out" 2>&1
    check "a checkpoint with $kv is refused by name: $(tail -1 "$T/bad.out")" grep -q "bad.ckpt: metadata ${kv%%=*}\|bad.ckpt: schedule_from" "$T/bad.out"
done

# eval --hints: the count is reported, and hints change the answer
"$BIN" eval --model "$T/h.st" --images "$PHOTOS/animals" --json --no-grid --hints 0 > "$T/e0.json" 2>/dev/null
"$BIN" eval --model "$T/h.st" --images "$PHOTOS/animals" --json --no-grid --hints 50 > "$T/e50.json" 2>/dev/null
"$PY" - "$T/e0.json" "$T/e50.json" > "$T/e.out" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
print(a.get("hints"), b.get("hints"), a["psnr"] != b["psnr"])
PYEOF
check "eval --hints reports 0 and 50 and the answers differ: $(cat "$T/e.out")" grep -qx "0 50 True" "$T/e.out"
"$BIN" eval --model "$T/c.st" --images "$PHOTOS/animals" --no-grid --hints 5 > "$T/ec.out" 2>&1
check "eval --hints with a colorful model is bad usage" test $? -eq 2
check "... and says the model cannot take hints" grep -q "cannot take colour hints" "$T/ec.out"

# colorize --hints: a gray 640x480 photo, a transparent PNG with one red pixel
"$PY" - "$T" <<'PYEOF'
import sys, numpy as np
from PIL import Image
t = sys.argv[1]
Image.fromarray(np.full((480, 640, 3), 128, np.uint8)).save(t + "/gray.png")
h = np.zeros((480, 640, 4), np.uint8)
h[240, 320] = (230, 20, 20, 255)
Image.fromarray(h).save(t + "/dot.png")
Image.fromarray(h[:, :600]).save(t + "/small.png")
Image.fromarray(h[:, :, :3]).save(t + "/opaque.png")
PYEOF
"$BIN" colorize -m "$T/h.st" "$T/gray.png" -o "$T/none" > /dev/null 2>&1 || bad "colorize without hints"
"$BIN" colorize -m "$T/h.st" --hints "$T/dot.png" "$T/gray.png" -o "$T/dot" > /dev/null 2>&1 || bad "colorize --hints"
"$PY" - "$T/none/gray.png" "$T/dot/gray.png" > "$T/d.out" <<'PYEOF'
import sys, numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p).convert("RGB"), np.float64) for p in sys.argv[1:])
near = np.abs(a - b)[230:251, 310:331].max()
print("near %.1f" % near)
print("ok" if near >= 1 else "no")
PYEOF
check "one red pixel of 307,200 changes the colour near it: $(head -1 "$T/d.out")" grep -qx ok "$T/d.out"
"$BIN" colorize -m "$T/c.st" --hints "$T/dot.png" "$T/gray.png" -o "$T/x" > "$T/x.out" 2>&1
check "colorize --hints with a colorful model is bad usage" test $? -eq 2
"$BIN" colorize -m "$T/h.st" --hints "$T/small.png" "$T/gray.png" -o "$T/y" > "$T/y.out" 2>&1
check "hints of another size are refused: $(tail -1 "$T/y.out")" grep -q "600x480, the photo 640x480" "$T/y.out"
"$BIN" colorize -m "$T/h.st" --hints "$T/opaque.png" "$T/gray.png" -o "$T/z" > "$T/z.out" 2>&1
check "hints without alpha are refused: $(tail -1 "$T/z.out")" grep -q "have no alpha" "$T/z.out"
"$BIN" colorize -m "$T/h.st" --hints "$T/dot.png" "$T/gray.png" "$T/dot.png" -o "$T/w" > "$T/w.out" 2>&1
check "--hints FILE for two inputs is bad usage" test $? -eq 2
finish hints
