#!/bin/sh
# test_photos.sh: hostile photos through every command that reads photos.
#   usage: test_photos.sh CZ_TRAIN_BINARY MODEL PYTHON
# PYTHON (with PIL and skimage) makes two good photos from skimage's samples,
# the same cut in half with their end marker re-appended (PNG IEND, JPEG
# FFD9), a TIFF cut in half (its directory, written first, intact), and a
# 69-byte PNG whose IHDR claims 30000 x 30000; a FIFO joins them. prepare must skip each bad one with a warning naming it and pack the
# good ones; colorize must fail for each (exit 1, nothing written), the bomb
# in seconds; eval must skip them. Every command runs under a
# timeout, so a hang is a failure.
set -u
BIN=$1
MODEL=$2
PY=$3
TEST=photos
. "$(dirname "$0")/check.sh"

mkdir -p "$T/in"
if ! "$PY" - "$T/in" <<'EOF'; then
import io, struct, sys, zlib
from PIL import Image
from skimage import data
out = sys.argv[1]
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
Image.fromarray(data.astronaut()).resize((160, 160)).save(out + "/astronaut.png")
Image.fromarray(data.coffee()).resize((200, 150)).save(out + "/coffee.jpg", quality=90)
png = open(out + "/astronaut.png", "rb").read()
open(out + "/half.png", "wb").write(png[:len(png) // 2] + png[-12:])
jpg = open(out + "/coffee.jpg", "rb").read()
open(out + "/half.jpg", "wb").write(jpg[:len(jpg) // 2] + b"\xff\xd9")
tif = io.BytesIO()
Image.fromarray(data.astronaut()).resize((160, 160)).save(tif, "TIFF")
open(out + "/half.tiff", "wb").write(tif.getvalue()[:len(tif.getvalue()) // 2])
# skimage's page.png: an ICC profile libpng finds invalid and drops (as it
# does for GEGL); its pixels are whole, so it must load
open(out + "/../page.png", "wb").write(open(data.data_dir + "/page.png", "rb").read())
open(out + "/bomb.png", "wb").write(
    b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))
EOF
    echo "FAIL: $PY cannot make the photos (python3-pil and python3-skimage)"
    exit 1
fi
mkfifo "$T/in/fifo.png"
bad="half.png half.jpg half.tiff bomb.png fifo.png"

timeout 60 "$BIN" prepare "$T/in" -o "$T/data" --size 32 > "$T/prep.out" 2> "$T/prep.err"
check "prepare exits 0 despite the bad photos (status $?)" [ $? -eq 0 ]
for f in $bad; do
    check "prepare names $f in a warning" grep -q "$f: skipped" "$T/prep.err"
done
check "prepare packs the 2 good photos and skips 5" grep -q "2 photos of 32x32, 0 classes, 5 skipped" "$T/prep.out"

for f in $bad; do
    t0=$(date +%s%N)
    timeout 60 "$BIN" colorize --model "$MODEL" -o "$T/out" "$T/in/$f" > /dev/null 2> "$T/col.err"
    s=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    check "colorize $f exits 1 (status $s)" [ $s -eq 1 ]
    check "colorize $f names it" grep -q "$f: skipped: " "$T/col.err"
    check "colorize $f writes nothing" [ ! -e "$T/out/${f%.*}.png" ]
    echo "  colorize $f: status $s in $ms ms: $(grep skipped "$T/col.err")"
    # 271 s before the header was read first; model load and start-up included
    [ $f = bomb.png ] && check "colorize refuses the bomb in $ms ms (< 3 s)" [ $ms -lt 3000 ]
done
timeout 60 "$BIN" colorize --model "$MODEL" -o "$T/out" "$T/in/coffee.jpg" > /dev/null 2>&1
check "colorize of a good photo exits 0" [ $? -eq 0 ]
check "colorize of a good photo writes it" [ -s "$T/out/coffee.png" ]
timeout 60 "$BIN" colorize --model "$MODEL" -o "$T/out" "$T/page.png" > /dev/null 2>&1
check "colorize of skimage's page.png (a profile libpng drops) exits 0" [ $? -eq 0 ]

timeout 120 "$BIN" eval --model "$MODEL" --images "$T/in" --json --no-grid > "$T/eval.out" 2> "$T/eval.err"
check "eval exits 0 (status $?)" [ $? -eq 0 ]
for f in $bad; do
    check "eval names $f in a warning" grep -q "$f: skipped" "$T/eval.err"
done
check "eval measures the 2 good photos" grep -q '"images": 2' "$T/eval.out"

finish photos
