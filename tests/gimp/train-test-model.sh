#!/bin/sh
# train-test-model.sh: the model the plug-in tests use, trained for the test.
#   train-test-model.sh TRAINER PHOTO_ROOT OUT_DIR
# Packs the photos of PHOTO_ROOT (tests/data/photos: 6 scene folders, 31
# photos) at 64 px, trains a colorful network of width 0.125 for 300 steps at
# a rate of 2e-3, seed 1 (about 45 s on 2 cores; at 3e-4 or 1e-3 the cat stays
# below mean chroma 3: how much colour so small a model puts on an unseen
# photo depends on the rate and the seed), and writes OUT_DIR/testnet.safetensors plus
# OUT_DIR/broken.safetensors, its first half (a header that promises more
# data than the file holds).
set -eu
trainer=$1 photos=$2 out=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=$(find "$photos" -name '*.jpg' | wc -l)
[ "$n" -ge 8 ] || { echo "train-test-model.sh: only $n photos under $photos"; exit 1; }
"$trainer" prepare "$photos" -o "$tmp/data" --size 64 --quiet
"$trainer" train --arch colorful --data "$tmp/data" -o "$tmp/testnet.safetensors" \
    --steps 300 --lr 2e-3 --batch 16 --width 0.125 --size 64 --seed 1 --threads 2 \
    --checkpoint "$tmp/ckpt" --checkpoint-every 100000 --sample-every 100000 \
    --samples "$tmp/samples" --log-every 100
mkdir -p "$out"
cp "$tmp/testnet.safetensors" "$out/testnet.safetensors"
size=$(wc -c < "$out/testnet.safetensors")
head -c $((size / 2)) "$out/testnet.safetensors" > "$out/broken.safetensors"
