#!/bin/sh
# run.sh SOURCE_ROOT BUILD_DIR [TARGET]: builds a fuzz target with clang
# (libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer) into BUILD_DIR and
# fuzzes a copy of its seed corpus for a bounded time (FUZZ_SECONDS, default
# 30 each, so CI's fuzzing stays about a minute). TARGET is
#   safetensors  the file reader (fuzz_safetensors.c, corpus/)
#   model        cz_model_load_memory (fuzz_model.c, corpus-model/, made by
#                make_model_corpus.py), capped at 1 GB so a small file that
#                makes the loader allocate much is a failure
#   pth          the PyTorch checkpoint reader of `corolization-train import`
#                (engine/trainer/pth.h: fuzz_pth.c, corpus-pth/, made by
#                make_pth_corpus.py)
#   photo        the photo checks before GEGL decodes (engine/trainer/photo.h:
#                fuzz_photo.c, corpus-photo/, made by make_photo_corpus.py)
# Fails on any crash, leak or sanitizer report, and when clang or libFuzzer is
# missing: it never skips. A longer campaign is one command, e.g.
#   FUZZ_SECONDS=3600 tests/fuzz/run.sh . build model
set -eu

src=${1:?usage: run.sh SOURCE_ROOT BUILD_DIR [TARGET]}
build=${2:?usage: run.sh SOURCE_ROOT BUILD_DIR [TARGET]}
target=${3:-safetensors}
seconds=${FUZZ_SECONDS:-30}
here=$src/tests/fuzz
work=$build/fuzz-$target
case $target in
safetensors)
    corpus=$here/corpus sources="$src/engine/safetensors_read.c $src/engine/json_scan.c $src/engine/dtype.c $src/engine/half.c $src/engine/file.c $src/engine/error.c" pkgs=json-glib-1.0
    opts="-rss_limit_mb=2048 -max_len=4096 -dict=$here/safetensors.dict -timeout=10" ;;
model)
    # the whole engine but the GEGL pixel path: each .c that includes GEGL
    # or the pixel path's header, itself or through its own .h (pixel_lab.c
    # is babl only and stays), so a new pixel file needs no edit here
    babl=babl-0.1 # Debian 12 names it babl, as meson.build allows
    pkg-config --exists $babl || babl=babl
    corpus=$here/corpus-model pkgs="json-glib-1.0 $babl openblas" sources=
    for c in "$src"/engine/*.c; do
        grep -q -e '<gegl.h>' -e '"pixel.h"' "$c" "${c%.c}.h" 2>/dev/null || sources="$sources $c"
    done
    # A colorful model computes its ab bins through babl on every load
    # (cz_quant_init: 0.3 s optimised, several seconds under the sanitizers
    # on a busy machine), so the per-input timeout is a minute; hangs in the
    # loader itself are held to 5 s by tests/engine/test_model_load.c.
    opts="-rss_limit_mb=1024 -malloc_limit_mb=1024 -max_len=32768 -dict=$here/safetensors.dict -timeout=60" ;;
photo)
    corpus=$here/corpus-photo pkgs="libpng libjpeg"
    sources="$src/engine/trainer/photo_header.c $src/engine/trainer/photo_verify.c"
    opts="-rss_limit_mb=2048 -max_len=4096 -dict=$here/photo.dict -timeout=5" ;;
pth)
    corpus=$here/corpus-pth pkgs=glib-2.0
    sources="$src/engine/trainer/pth.c $src/engine/trainer/pth_zip.c $src/engine/trainer/pth_pickle.c $src/engine/file.c $src/engine/error.c $src/engine/dtype.c"
    opts="-rss_limit_mb=2048 -max_len=8192 -timeout=10" ;;
*)
    echo "run.sh: ERROR: unknown target '$target' (safetensors, model, photo, pth)" >&2
    exit 1 ;;
esac

cc=
for c in clang clang-14; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
done
if [ -z "$cc" ]; then
    echo "run.sh: ERROR: clang not found; install it (apt-get install clang)" >&2
    exit 1
fi
# shellcheck disable=SC2086 # $pkgs is a word list
if ! flags=$(pkg-config --cflags --libs $pkgs); then
    echo "run.sh: ERROR: pkg-config $pkgs failed (apt-get install libjson-glib-dev libbabl-dev libopenblas-dev libpng-dev libjpeg-dev)" >&2
    exit 1
fi

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/"

# A trivial target first, so a missing runtime gets its own message.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    > "$work/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" 2>"$work/probe.log"; then
    cat "$work/probe.log" >&2
    echo "run.sh: ERROR: $cc cannot link libFuzzer with ASan/UBSan; install the clang runtime (apt-get install libclang-rt-14-dev or libclang-common-14-dev)" >&2
    exit 1
fi

# shellcheck disable=SC2086 # pkg-config output and $sources are word lists
"$cc" -std=gnu11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$src/engine" -I"$src/engine/trainer" \
    "$here/fuzz_$target.c" $sources \
    $flags -lm -lpthread -o "$work/fuzz_$target"

echo "run.sh: fuzzing for ${seconds}s over $(ls "$work/corpus" | wc -l) seed files"
export G_SLICE=always-malloc
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# shellcheck disable=SC2086 # $opts is a word list
if ! "$work/fuzz_$target" -max_total_time="$seconds" $opts \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/fuzz.log" 2>&1; then
    tail -n 60 "$work/fuzz.log" >&2
    echo "run.sh: FAILED: the fuzzer found a crash; reproducer(s) in $work/artifacts:" >&2
    ls -l "$work/artifacts" >&2
    exit 1
fi
grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$work/fuzz.log" | sort -u || true
echo "run.sh: no crash in ${seconds}s"
