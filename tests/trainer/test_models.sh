#!/bin/sh
# test_models.sh: every shipped model (models/*.safetensors) loads in the
# trainer's eval, which colorizes through the plug-in's pixel path, and gives
# a real answer on 12 photos: PSNR above 15 dB and colour
# (Hasler-Suesstrunk colourfulness above 5; the gray answer has 0). Each has
# its model card (models/NAME.md) with a sample grid and lr-find plot.
# Then eval --full-size (the oracle, colorful bilinear and edge-aware).
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

# eval --full-size: each photo at its own size. The oracle is exact there;
# colorful with and without edge-aware up-sampling gives a real answer, and
# the two differ at colour edges (ab_edge) while PSNR stays within 0.1 dB.
full() { "$BIN" eval --images "$T" --json --threads 2 --full-size "$@" 2>"$T/err"; }
if ! { full --oracle; full --model "$MODELS/colorful.safetensors" --edge-radius 0;
       full --model "$MODELS/colorful.safetensors" --edge-radius 1; } | /usr/bin/python3 -c '
import json, sys
o, b, g = (json.loads(l) for l in sys.stdin.read().splitlines())
ok = all(e["images"] == 12 and e["size"] == 0 for e in (o, b, g)) and o["psnr"] == 100
ok = ok and b["psnr"] > 15 and abs(g["psnr"] - b["psnr"]) < 0.1 and g["ab_edge"] != b["ab_edge"]
ok = ok and (b["edge_radius"], g["edge_radius"]) == (0, 1)
print(("ok   " if ok else "FAIL ") + "full size: oracle PSNR %.1f; colorful PSNR %.3f bilinear, %.3f edge-aware, ab_edge %.4f, %.4f"
      % (o["psnr"], b["psnr"], g["psnr"], b["ab_edge"], g["ab_edge"]))
sys.exit(0 if ok else 1)'; then
    echo "FAIL full size: $(cat "$T/err")"
    fail=$((fail + 1))
fi
"$BIN" eval --oracle --images "$T" --full-size --grid "$T/g.png" > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: eval --full-size --grid is not a usage error"; fail=$((fail + 1)); }
echo "$n models, $fail failures"
[ "$fail" -eq 0 ]
