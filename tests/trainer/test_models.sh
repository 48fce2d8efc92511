#!/bin/sh
# test_models.sh: every shipped model (models/*.safetensors) loads in the
# trainer's eval, which colorizes through the plug-in's pixel path, and gives
# a real answer on 12 photos: PSNR above 15 dB and colour
# (Hasler-Suesstrunk colourfulness above 5; the gray answer has 0). Each has
# its model card (models/NAME.md) with a sample grid and lr-find plot.
#   usage: test_models.sh CZ_TRAIN_BINARY MODELS_DIR PHOTO_ROOT
# PHOTO_ROOT is the repository's tests/data/photos: the first 2 photos of
# each of its 6 folders (none of them is in the models' training data).
set -u
BIN=$1
MODELS=$2
VAL=$3
T=$(mktemp -d /tmp/cz-test-models-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
if [ ! -d "$VAL" ]; then
    echo "FAIL: no photos at $VAL"
    exit 1
fi
for d in "$VAL"/*/; do
    ls "$d" | sort | head -n 2 | while read -r f; do cp "$d$f" "$T/$(basename "$d")-$f"; done
done
n=0
for m in "$MODELS"/*.safetensors; do
    [ -e "$m" ] || continue
    n=$((n + 1))
    name=$(basename "$m" .safetensors)
    out=$("$BIN" eval --model "$m" --images "$T" --json --no-grid --threads 2 2>"$T/err")
    if ! echo "$out" | /usr/bin/python3 -c '
import json, sys
e = json.loads(sys.stdin.read())
ok = e["images"] == 12 and e["psnr"] > 15 and e["cf_pred"] > 5
print(("ok   " if ok else "FAIL ") + sys.argv[1] + ": %d photos, PSNR %.2f (gray %.2f), colourfulness %.1f (truth %.1f)"
      % (e["images"], e["psnr"], e["psnr_gray"], e["cf_pred"], e["cf_truth"]))
sys.exit(0 if ok else 1)' "$name"; then
        echo "FAIL $name: $(cat "$T/err")"
        fail=$((fail + 1))
    fi
    for f in "$MODELS/$name.md" "$MODELS/$name.eval.png" "$MODELS/$name.lr-find.png"; do
        [ -s "$f" ] || { echo "FAIL $name: $f missing"; fail=$((fail + 1)); }
    done
done
[ "$n" -gt 0 ] || { echo "FAIL: no model in $MODELS"; exit 1; }
echo "$n models, $fail failures"
[ "$fail" -eq 0 ]
