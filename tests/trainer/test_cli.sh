#!/bin/sh
# test_cli.sh: corolization-train end to end on a dozen real photos.
#   usage: test_cli.sh CZ_TRAIN_BINARY PHOTO_ROOT
# PHOTO_ROOT is the repository's tests/data/photos (one subfolder per scene
# class); the photos are copied to a temporary folder, so the tree stays as
# it is. Checks: --help and exit codes; prepare skips a
# truncated JPEG with a warning naming it; the loss of every architecture
# falls over a short run and its model loads; a run killed with SIGKILL
# resumes from its last checkpoint to the same final step; --init-from
# continues a model file, at another --size if its weights allow, on a
# restarted schedule if asked, also after a stop; an interrupted and
# resumed run logs exactly the losses of an unbroken one; --time-limit stops
# with status 3; lr-find writes its plot and CSV and suggests a rate inside
# its range; colorize keeps the input's stem.
set -u
BIN=$1
PHOTOS=$2
TEST=cli
. "$(dirname "$0")/check.sh"
# meta FILE KEY VALUE: the safetensors header holds "KEY": "VALUE"
meta() { head -c 65536 "$1" | grep -aqE "\"$2\": ?\"$3\""; }
# evaluates FILE: the model loads and measures the 3 food photos
evaluates() { "$BIN" eval --model "$1" --images "$T/photos/food" --json 2> /dev/null | grep -q '"images": 3'; }

if [ ! -d "$PHOTOS" ]; then
    echo "FAIL: no photos at $PHOTOS"
    exit 1
fi

# --help and exit codes
for c in prepare train lr-find eval colorize; do
    "$BIN" $c --help > "$T/help" 2>&1
    check "$c --help exits 0" [ $? -eq 0 ]
    check "$c --help prints usage" grep -q "^Usage: corolization-train $c" "$T/help"
done
"$BIN" > /dev/null 2>&1; check "no command exits 2" [ $? -eq 2 ]
"$BIN" frobnicate > /dev/null 2>&1; check "unknown command exits 2" [ $? -eq 2 ]
"$BIN" train --bogus > /dev/null 2>&1; check "unknown option exits 2" [ $? -eq 2 ]
"$BIN" train --arch vgg --data x -o y --steps 1 > /dev/null 2>&1; check "unknown arch exits 2" [ $? -eq 2 ]
"$BIN" train --arch colorful --data "$T/none" -o "$T/m" --steps 1 > /dev/null 2>&1
check "missing dataset exits 1" [ $? -eq 1 ]

# A dozen photos in four classes, and a truncated JPEG.
n=0
for c in animals people food night; do
    mkdir -p "$T/photos/$c"
    for f in $(ls "$PHOTOS/$c" | head -3); do cp "$PHOTOS/$c/$f" "$T/photos/$c/"; n=$((n + 1)); done
done
check "12 photos copied" [ $n -eq 12 ]
first=$(ls "$T/photos/night" | head -1)
size=$(wc -c < "$T/photos/night/$first")
head -c $((size / 2)) "$T/photos/night/$first" > "$T/photos/night/zz-truncated.jpg"

"$BIN" prepare "$T/photos" -o "$T/data" --size 48 > "$T/prep.out" 2> "$T/prep.err"
check "prepare exits 0 despite the bad photo" [ $? -eq 0 ]
check "truncated JPEG named in a warning" grep -q "zz-truncated.jpg: skipped: truncated JPEG" "$T/prep.err"
check "prepare packs the 12 good photos" grep -q "12 photos of 48x48, 4 classes, 1 skipped" "$T/prep.out"

# mean of column 2 over CSV rows [from, to) (data rows only)
mean_loss() { awk -F, -v a=$2 -v b=$3 'NR > 1 && $1 !~ /val/ { i++; if (i > a && i <= b) { s += $2; n++ } } END { printf "%.6f", s / n }' "$1"; }

for arch in colorful residual fusion pix2pix; do
    "$BIN" train --arch $arch --data "$T/data" -o "$T/$arch.safetensors" --steps 60 --batch 4 \
        --size 32 --width 0.25 --lr 1e-3 --sample-every 30 --checkpoint-every 30 --seed 3 \
        > "$T/$arch.out" 2> "$T/$arch.err"
    check "$arch trains (exit 0)" [ $? -eq 0 ]
    a=$(mean_loss "$T/$arch.log.csv" 0 10)
    b=$(mean_loss "$T/$arch.log.csv" 50 60)
    echo "  $arch: mean loss of steps 1-10 $a, of steps 51-60 $b"
    check "$arch loss falls ($a -> $b)" awk -v a="$a" -v b="$b" 'BEGIN { exit !(b < a) }'
    for f in samples.png loss.png log.csv safetensors safetensors.ckpt; do
        check "$arch wrote $f" [ -s "$T/$arch.$f" ]
    done
    check "$arch model loads and evaluates" evaluates "$T/$arch.safetensors"
done

# colorize keeps the stem, writes PNG
"$BIN" colorize --model "$T/colorful.safetensors" --temperature 0.3 --saturation 1.2 \
    "$T/photos/night/$first" -o "$T/out" > /dev/null 2>&1
check "colorize exits 0" [ $? -eq 0 ]
stem=${first%.*}
check "colorize writes <stem>.png" sh -c "head -c 8 '$T/out/$stem.png' | grep -q PNG"
"$BIN" colorize --model "$T/colorful.safetensors" "$T/photos/night/zz-truncated.jpg" -o "$T/out" > /dev/null 2>&1
check "colorize of a damaged photo exits 1" [ $? -eq 1 ]

# SIGKILL during training, then --resume.
"$BIN" train --arch colorful --data "$T/data" -o "$T/k.safetensors" --steps 150 --batch 4 --size 32 \
    --checkpoint-every 5 --sample-every 0 --log-every 1 > "$T/k1.out" 2> "$T/k1.err" &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -q "^step 2[0-9]/" "$T/k1.err" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid 2> /dev/null
wait $pid 2> /dev/null
check "killed run left a checkpoint" [ -s "$T/k.safetensors.ckpt" ]
check "killed run wrote no final model" [ ! -e "$T/k.safetensors" ]
"$BIN" train --arch colorful --data "$T/data" -o "$T/k.safetensors" --steps 150 --batch 4 --size 32 \
    --checkpoint-every 5 --sample-every 0 --resume > "$T/k2.out" 2> "$T/k2.err"
check "resumed run exits 0" [ $? -eq 0 ]
from=$(sed -n 's/.*at step \([0-9]*\)$/\1/p' "$T/k2.err" | head -1)
echo "  killed run resumed at step ${from:-?}"
check "resumed from a checkpoint step > 0" [ "${from:-0}" -gt 0 ]
check "resumed at a checkpoint multiple" [ $(( ${from:-1} % 5 )) -eq 0 ]
check "final model at step 150" meta "$T/k.safetensors" step 150
check "resumed model loads" evaluates "$T/k.safetensors"

# --init-from: continue a finished model file to a later step count; the
# new file records the step and the command that made its parent.
"$BIN" train --data "$T/data" --init-from "$T/residual.safetensors" -o "$T/i.safetensors" --steps 70 \
    --batch 4 --sample-every 0 > "$T/i.out" 2> "$T/i.err"
check "--init-from exits 0" [ $? -eq 0 ]
check "--init-from starts at the file's step" grep -q "continuing residual from .* at step 60" "$T/i.err"
check "--init-from model at step 70" meta "$T/i.safetensors" step 70
check "--init-from model records its parent's command" sh -c "head -c 65536 '$T/i.safetensors' | grep -aq previous_command"

# --restart-schedule: a cosine from the file's step (60) to --steps (70),
# starting at --lr; without it the schedule counts from step 0. A stopped
# and resumed run keeps the restarted schedule (the checkpoint records it).
"$BIN" train --data "$T/data" --init-from "$T/residual.safetensors" -o "$T/c1.safetensors" --steps 70 \
    --batch 4 --lr 1e-3 --schedule cosine --log-every 1 --sample-every 0 > /dev/null 2> "$T/c1.err"
check "without --restart-schedule, step 61's rate is the cosine's at 60 of 70" grep -q "^step 61/70 .* lr 4.952e-05 " "$T/c1.err"
"$BIN" train --data "$T/data" --init-from "$T/residual.safetensors" -o "$T/c2.safetensors" --steps 70 \
    --batch 4 --lr 1e-3 --schedule cosine --restart-schedule --log-every 1 --sample-every 0 \
    --checkpoint "$T/c2.ckpt" --time-limit 0.000001 > /dev/null 2> "$T/c2.err"
check "--restart-schedule: step 61 runs at --lr" grep -q "^step 61/70 .* lr 1.000e-03 " "$T/c2.err"
check "--restart-schedule: the checkpoint records where the schedule starts" meta "$T/c2.ckpt" schedule_from 60
"$BIN" train --data "$T/data" --init-from "$T/residual.safetensors" -o "$T/c2.safetensors" --steps 70 \
    --batch 4 --lr 1e-3 --schedule cosine --log-every 1 --sample-every 0 \
    --checkpoint "$T/c2.ckpt" --resume > /dev/null 2> "$T/c3.err"
check "resumed, the restarted schedule goes on (step 62 at 0.5 (1 + cos(pi / 10)) --lr)" grep -q "^step 62/70 .* lr 9.755e-04 " "$T/c3.err"
check "resumed, the last step's rate is near 0" grep -q "^step 70/70 .* lr 2.447e-05 " "$T/c3.err"
"$BIN" train --arch colorful --data "$T/data" -o "$T/c4.safetensors" --steps 5 --restart-schedule > /dev/null 2>&1
check "--restart-schedule without --init-from is bad usage (exit 2)" [ $? -eq 2 ]

# --init-from with --size: a colorful model continues at a larger size (the
# file then says so); fusion's global branch is built for one size: refused.
"$BIN" train --data "$T/data" --init-from "$T/colorful.safetensors" --size 48 -o "$T/s.safetensors" \
    --steps 65 --batch 4 --sample-every 0 > "$T/s.out" 2> "$T/s.err"
check "--init-from --size 48 exits 0" [ $? -eq 0 ]
check "--init-from --size says it continues at 48 px" grep -q "continues at 48 px (it was trained at 32)" "$T/s.err"
check "the continued file is a 48 px model" meta "$T/s.safetensors" size 48
check "the 48 px colorful loads and evaluates" evaluates "$T/s.safetensors"
"$BIN" train --data "$T/data" --init-from "$T/fusion.safetensors" --size 64 -o "$T/y.safetensors" \
    --steps 65 > /dev/null 2> "$T/y.err"
check "--init-from fusion --size 64 is bad usage (exit 2)" [ $? -eq 2 ]
check "--init-from fusion --size 64 names the reason" grep -q "fusion" "$T/y.err"

# --crop-scale: zoomed crops (the loader's test checks their geometry); the
# checkpoint records the scale; a scale outside 0.05..1 is bad usage.
# --resume takes the checkpoint's --crop-scale and --lambda (a run's batches
# and targets stay its own); a different value is bad usage.
"$BIN" train --data "$T/data" --init-from "$T/colorful.safetensors" --crop-scale 0.5 --lambda 0.7 \
    -o "$T/z.safetensors" --steps 65 --batch 4 --sample-every 0 --checkpoint "$T/z.ckpt" \
    --time-limit 0.000001 > /dev/null 2> "$T/z.err"
check "--crop-scale 0.5, stopped by --time-limit (exit 3)" [ $? -eq 3 ]
check "--crop-scale: the checkpoint records it" meta "$T/z.ckpt" crop_scale 0.5
"$BIN" train --data "$T/data" -o "$T/z.safetensors" --steps 65 --batch 4 --sample-every 0 \
    --checkpoint "$T/z.ckpt" --resume --crop-scale 0.7 > /dev/null 2> "$T/z2.err"
check "--resume with another --crop-scale is bad usage (exit 2)" [ $? -eq 2 ]
check "... and says what the checkpoint holds" grep -q "crop-scale 0.7, but the checkpoint .* was trained with 0.5" "$T/z2.err"
"$BIN" train --data "$T/data" -o "$T/z.safetensors" --steps 65 --batch 4 --sample-every 0 \
    --checkpoint "$T/z.ckpt" --resume --lambda 0.5 > /dev/null 2>&1
check "--resume with another --lambda is bad usage (exit 2)" [ $? -eq 2 ]
"$BIN" train --data "$T/data" -o "$T/z.safetensors" --steps 65 --batch 4 --sample-every 0 \
    --checkpoint "$T/z.ckpt" --resume > /dev/null 2> "$T/z3.err"
check "--resume without them exits 0" [ $? -eq 0 ]
check "the resumed run kept --crop-scale 0.5" meta "$T/z.ckpt" crop_scale 0.5
check "the resumed run kept --lambda 0.7" meta "$T/z.ckpt" lambda 0.7
check "the zoom-trained colorful loads and evaluates" evaluates "$T/z.safetensors"
"$BIN" train --arch colorful --data "$T/data" -o "$T/z2.safetensors" --steps 5 --crop-scale 0 > /dev/null 2>&1
check "--crop-scale 0 is bad usage (exit 2)" [ $? -eq 2 ]

# --adversarial: a plain fusion model continued against a fresh PatchGAN;
# the file then carries the discriminator and says so. Not for colorful.
"$BIN" train --data "$T/data" --init-from "$T/fusion.safetensors" --adversarial -o "$T/a.safetensors" \
    --steps 70 --batch 4 --sample-every 0 > "$T/a.out" 2> "$T/a.err"
check "--adversarial --init-from exits 0" [ $? -eq 0 ]
check "--adversarial adds a discriminator" grep -q "gets a new PatchGAN discriminator" "$T/a.err"
check "the adversarial file has disc.*" sh -c "head -c 65536 '$T/a.safetensors' | grep -aq '\"disc.4.conv.weight\"'"
check "the adversarial file says so" meta "$T/a.safetensors" adversarial 1
check "the adversarial fusion loads and evaluates" evaluates "$T/a.safetensors"
check "the adversarial run logs D's loss and G's adversarial term" \
    sh -c "head -1 '$T/a.log.csv' | grep -qx 'step,loss,d_loss,g_adv'"
check "every adversarial step has finite D and G losses (D near ln 2 at the start)" \
    awk -F, 'NR > 1 && $1 !~ /val/ { n++; if (NF != 4 || !($3 > 0.05 && $3 < 3) || !($4 > 0.05 && $4 < 10)) bad++ } END { exit !(n == 10 && !bad) }' "$T/a.log.csv"
check "pix2pix logs them too" sh -c "head -1 '$T/pix2pix.log.csv' | grep -qx 'step,loss,d_loss,g_adv'"
check "a plain run does not" sh -c "head -1 '$T/colorful.log.csv' | grep -qx 'step,loss'"
# A plain run's log continued adversarially: its steps have no D or G loss,
# written as empty fields (not "nan"), and the new steps have both.
cp "$T/fusion.log.csv" "$T/an.log.csv"
"$BIN" train --data "$T/data" --init-from "$T/fusion.safetensors" --adversarial -o "$T/an.safetensors" \
    --steps 62 --batch 4 --sample-every 0 > /dev/null 2>&1
check "a plain log continued adversarially: 60 old rows with empty D, G fields, 2 new with both" \
    awk -F, 'NR > 1 && $1 !~ /val/ { if ($1 <= 60 && $3 == "" && $4 == "") o++; if ($1 > 60 && $3 > 0 && $4 > 0) n++ }
             /nan/ { bad++ } END { exit !(o == 60 && n == 2 && !bad) }' "$T/an.log.csv"
"$BIN" train --arch colorful --adversarial --data "$T/data" -o "$T/x.safetensors" --steps 5 > /dev/null 2> "$T/x.err"
check "--adversarial colorful is bad usage (exit 2)" [ $? -eq 2 ]
check "--adversarial colorful names the reason" grep -q "fusion or residual" "$T/x.err"

# Interrupted + resumed == unbroken, loss for loss (one thread: no BLAS reordering).
common="--arch pix2pix --data $T/data --batch 4 --size 32 --sample-every 0 --threads 1 --checkpoint-every 100"
"$BIN" train $common -o "$T/u.safetensors" --steps 16 > /dev/null 2>&1
"$BIN" train $common -o "$T/r.safetensors" --steps 8 > /dev/null 2>&1
"$BIN" train $common -o "$T/r.safetensors" --steps 16 --resume > /dev/null 2>&1
check "resumed run logs the unbroken run's losses" cmp -s "$T/u.log.csv" "$T/r.log.csv"

# --time-limit stops cleanly with status 3 and a checkpoint.
"$BIN" train --arch residual --data "$T/data" -o "$T/t.safetensors" --steps 1000000 --batch 4 --size 32 \
    --sample-every 0 --time-limit 1 > "$T/t.out" 2>&1
check "--time-limit exits 3" [ $? -eq 3 ]
check "--time-limit saved checkpoint and model" [ -s "$T/t.safetensors.ckpt" -a -s "$T/t.safetensors" ]

# lr-find
"$BIN" lr-find --arch colorful --data "$T/data" -o "$T/lr" --size 32 --batch 4 --steps 50 \
    --min 1e-5 --max 1 > "$T/lr.out" 2> "$T/lr.err"
check "lr-find exits 0" [ $? -eq 0 ]
check "lr-find wrote a PNG" sh -c "head -c 8 '$T/lr.png' | grep -q PNG"
check "lr-find wrote a CSV" [ $(wc -l < "$T/lr.csv") -gt 10 ]
rate=$(sed -n 's/^suggested learning rate: \([0-9.e+-]*\)$/\1/p' "$T/lr.out")
echo "  lr-find suggests ${rate:-nothing}"
check "suggested rate inside [1e-5, 1]" awk -v r="${rate:-x}" 'BEGIN { exit !(r + 0 >= 1e-5 && r + 0 <= 1 && r != "x") }'

finish "trainer cli"
