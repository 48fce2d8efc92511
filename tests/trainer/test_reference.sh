#!/bin/sh
# test_reference.sh: reference photos through the trainer (issue 16).
# colorize --reference with an all blue-green photo moves the result's mean
# hue towards it, and --reference-strength 0 gives the very pixels of no
# reference; eval --reference-self (each photo its own reference) brings
# the colourfulness nearer the truth's and says so in its JSON, as eval
# --reference names its photo; eval --reference-other gives each photo the
# next photo of its folder (the figures of the same pairs made one by one
# with --reference), skips a photo alone in its folder and repeats its
# figures;
# a regression model, a reference that cannot be read and a strength
# outside 0..2 are refused by name.
#   usage: test_reference.sh CZ_TRAIN_BINARY MODELS_DIR PHOTO_ROOT PYTHON
# MODELS_DIR holds the shipped colorful and pix2pix models.
set -u
BIN=$1
MODELS=$2
PHOTOS=$3
PY=$4
TEST=reference
. "$(dirname "$0")/check.sh"
C=$MODELS/colorful.safetensors

"$PY" - "$T" <<'PYEOF' || bad "python could not draw the reference"
import sys
from PIL import Image
Image.new("RGB", (300, 200), (0, 150, 160)).save(sys.argv[1] + "/bluegreen.png")
PYEOF
IN=$PHOTOS/food/cup-table.jpg
"$BIN" colorize --model "$C" --threads 1 -o "$T/none" "$IN" > /dev/null 2>&1 || bad "colorize"
"$BIN" colorize --model "$C" --threads 2 --reference "$T/bluegreen.png" -o "$T/ref" "$IN" > /dev/null 2>&1 \
    || bad "colorize --reference"
"$BIN" colorize --model "$C" --threads 1 --reference "$T/bluegreen.png" --reference-strength 0 -o "$T/zero" \
    "$IN" > /dev/null 2>&1 || bad "colorize --reference-strength 0"
# The pixels (a PNG's bytes differ from run to run by its time stamp). The
# engine's ab is byte-identical (tests/engine/test_reference.c); babl may
# pick another path for the final Lab -> RGB conversion once it has built
# the reference's RGB -> Lab (it times its candidates), which moves a
# handful of 8-bit values by 1.
"$PY" - "$T/none/cup-table.png" "$T/zero/cup-table.png" > "$T/zero.out" <<'PYEOF'
import sys
import numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p)).astype(int) for p in sys.argv[1:])
d = np.abs(a - b) if a.shape == b.shape else np.array([99])
print("same" if d.max() <= 1 and (d > 0).mean() < 1e-4 else "differ",
      "(%d values differ, by at most %d)" % ((d > 0).sum(), d.max()))
PYEOF
check "strength 0 writes the pixels of no reference: $(cat "$T/zero.out")" grep -q "^same" "$T/zero.out"
# the mean ab's hue angle, and its distance in degrees to the reference's
"$PY" - "$T/bluegreen.png" "$T/none/cup-table.png" "$T/ref/cup-table.png" > "$T/hue.out" <<'PYEOF'
import math, sys
import numpy as np
from PIL import Image
from skimage import color
def hue(path):
    lab = color.rgb2lab(np.asarray(Image.open(path).convert("RGB")) / 255.0)
    return math.degrees(math.atan2(lab[..., 2].mean(), lab[..., 1].mean()))
h_ref, h_none, h_with = (hue(p) for p in sys.argv[1:])
d = lambda h: abs((h - h_ref + 180) % 360 - 180)
print("%d %d" % (d(h_none) > d(h_with) + 45, d(h_with) < 45),
      "hue %.0f without, %.0f with a reference of hue %.0f" % (h_none, h_with, h_ref))
PYEOF
check "a blue-green reference turns the mean hue to it: $(cat "$T/hue.out")" grep -q "^1 1 " "$T/hue.out"

# eval: the oracle reference, and one photo as everyone's reference
"$BIN" eval --model "$C" --images "$PHOTOS/food" --json --no-grid > "$T/e0.json" 2> /dev/null || bad "eval"
"$BIN" eval --model "$C" --images "$PHOTOS/food" --json --no-grid --reference-self > "$T/es.json" 2> /dev/null \
    || bad "eval --reference-self"
"$BIN" eval --model "$C" --images "$PHOTOS/food" --json --no-grid --reference "$T/bluegreen.png" \
    --reference-strength 0.5 > "$T/er.json" 2> /dev/null || bad "eval --reference"
"$PY" - "$T/e0.json" "$T/es.json" "$T/er.json" "$T/bluegreen.png" > "$T/e.out" <<'PYEOF'
import json, sys
e0, es, er = (json.load(open(p)) for p in sys.argv[1:4])
print("%d %d %d" % (abs(es["delta_cf"]) < abs(e0["delta_cf"]),
                    "reference" not in e0 and es.get("reference") == "self" and es.get("reference_strength") == 1,
                    er.get("reference") == sys.argv[4] and er.get("reference_strength") == 0.5),
      "delta_cf %.2f without, %.2f with each photo its own reference" % (e0["delta_cf"], es["delta_cf"]))
PYEOF
check "eval --reference-self: delta_cf nearer 0, JSON says self: $(cat "$T/e.out")" grep -q "^1 1 . " "$T/e.out"
check "eval --reference: the JSON names the photo and strength: $(cat "$T/e.out")" grep -q "^. . 1 " "$T/e.out"

# eval --reference-other: the next photo of the folder, cyclically. A
# folder of two photos X, Y is X coloured towards Y and Y towards X: the
# mean of those two single-photo runs. A third folder holds one photo,
# which has no other to take colours from and is skipped.
mkdir -p "$T/o/pair" "$T/o/alone" "$T/x" "$T/y"
cp "$PHOTOS/food/cup-table.jpg" "$PHOTOS/food/espresso.jpg" "$T/o/pair/"
cp "$PHOTOS/animals/raccoon.jpg" "$T/o/alone/"
cp "$PHOTOS/food/cup-table.jpg" "$T/x/"
cp "$PHOTOS/food/espresso.jpg" "$T/y/"
"$BIN" eval --model "$C" --images "$T/o" --json --no-grid --reference-other > "$T/eo.json" 2> "$T/eo.err" \
    || bad "eval --reference-other"
"$BIN" eval --model "$C" --images "$T/o" --json --no-grid --reference-other > "$T/eo2.json" 2> /dev/null \
    || bad "eval --reference-other again"
"$BIN" eval --model "$C" --images "$T/x" --json --no-grid --reference "$PHOTOS/food/espresso.jpg" \
    > "$T/ex.json" 2> /dev/null || bad "eval --reference (x)"
"$BIN" eval --model "$C" --images "$T/y" --json --no-grid --reference "$PHOTOS/food/cup-table.jpg" \
    > "$T/ey.json" 2> /dev/null || bad "eval --reference (y)"
"$BIN" eval --model "$C" --images "$T/o/pair" --json --no-grid > "$T/en.json" 2> /dev/null || bad "eval (pair)"
"$PY" - "$T/eo.json" "$T/ex.json" "$T/ey.json" "$T/en.json" > "$T/o.out" <<'PYEOF'
import json, sys
eo, ex, ey, en = (json.load(open(p)) for p in sys.argv[1:])
pair = (ex["psnr"] + ey["psnr"]) / 2
cf = (ex["cf_pred"] + ey["cf_pred"]) / 2
print("%d %d %d" % (eo["images"] == 2 and eo["skipped"] == 1 and eo.get("reference") == "other"
                    and eo.get("reference_strength") == 1,
                    abs(eo["psnr"] - pair) < 1e-3 and abs(eo["cf_pred"] - cf) < 1e-3,
                    abs(eo["psnr"] - en["psnr"]) > 0.01),
      "psnr %.4f with the next photo, %.4f from the pairs one by one, %.4f without a reference"
      % (eo["psnr"], pair, en["psnr"]))
PYEOF
check "eval --reference-other: 2 measured, the lone photo skipped, JSON says other: $(cat "$T/o.out")" \
    grep -q "^1 . . " "$T/o.out"
check "... each photo's reference is the other of its folder: $(cat "$T/o.out")" grep -q "^. 1 1 " "$T/o.out"
check "... the lone photo is named as skipped" grep -q "raccoon.jpg: skipped: no other photo of its folder" "$T/eo.err"
# The same figures, up to the last digit printed: babl may choose another
# conversion path from run to run (see above), and OpenBLAS's two threads
# may sum in another order.
"$PY" - "$T/eo.json" "$T/eo2.json" > "$T/o2.out" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
diff = [k for k in a if isinstance(a[k], (int, float)) and abs(a[k] - b.get(k, float("inf"))) > 1e-3]
print("same" if not diff and a.keys() == b.keys() else "differ", " ".join(diff))
PYEOF
check "... and a second run gives the same figures: $(cat "$T/o2.out")" grep -q "^same" "$T/o2.out"

# refusals
"$BIN" colorize --model "$MODELS/pix2pix.safetensors" --reference "$T/bluegreen.png" -o "$T/p" "$IN" > "$T/p.out" 2>&1
check "a pix2pix model with --reference is bad usage" test $? -eq 2
check "... and says why" grep -q "pix2pix model .* cannot use a reference photo" "$T/p.out"
"$BIN" eval --model "$MODELS/pix2pix.safetensors" --images "$PHOTOS/food" --no-grid --reference-self > "$T/ps.out" 2>&1
check "eval --reference-self with pix2pix is bad usage" test $? -eq 2
check "... and says why" grep -q "cannot use a reference photo" "$T/ps.out"
for s in 2.5 -1 x; do
    "$BIN" colorize --model "$C" --reference "$T/bluegreen.png" --reference-strength "$s" -o "$T/s" "$IN" \
        > "$T/s.out" 2>&1
    check "--reference-strength $s is bad usage" test $? -eq 2
    check "... naming the option" grep -q -- "--reference-strength" "$T/s.out"
done
"$BIN" colorize --model "$C" --reference "$T/missing.png" -o "$T/m" "$IN" > "$T/m.out" 2>&1
check "a missing reference fails with status 1" test $? -eq 1
check "... naming it" grep -q "missing.png" "$T/m.out"
"$BIN" eval --model "$C" --images "$PHOTOS/food" --no-grid --reference "$T/bluegreen.png" --reference-self \
    > /dev/null 2>&1
check "--reference and --reference-self together are bad usage" test $? -eq 2
"$BIN" eval --model "$C" --images "$PHOTOS/food" --no-grid --reference-other --reference-self > "$T/os.out" 2>&1
check "--reference-other and --reference-self together are bad usage" test $? -eq 2
check "... naming both" grep -q -- "--reference-self and --reference-other" "$T/os.out"
"$BIN" eval --model "$MODELS/pix2pix.safetensors" --images "$PHOTOS/food" --no-grid --reference-other > "$T/po.out" 2>&1
check "eval --reference-other with pix2pix is bad usage" test $? -eq 2
check "... and says why" grep -q -- "--reference-other: .*cannot use a reference photo" "$T/po.out"
finish "reference"
