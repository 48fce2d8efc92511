#!/bin/sh
# run_photo.sh SOURCE_ROOT BUILD_DIR: builds the photo-check fuzz target
# (fuzz_photo.c over engine/trainer/photo_header.c and photo_verify.c, with
# the system's libpng and libjpeg) with clang, libFuzzer, ASan and UBSan into
# BUILD_DIR and fuzzes a copy of tests/fuzz/corpus-photo for FUZZ_SECONDS
# (default 30). A longer campaign is the same command:
#   FUZZ_SECONDS=3600 tests/fuzz/run_photo.sh . build
# Fails on any crash, leak, sanitizer report or slow input (over 5 s), and
# when clang or libFuzzer is missing: it never skips.
set -eu

src=${1:?usage: run_photo.sh SOURCE_ROOT BUILD_DIR}
build=${2:?usage: run_photo.sh SOURCE_ROOT BUILD_DIR}
seconds=${FUZZ_SECONDS:-30}
here=$src/tests/fuzz
work=$build/fuzz-photo

cc=
for c in clang clang-14; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
done
if [ -z "$cc" ]; then
    echo "run_photo.sh: ERROR: clang not found; install it (apt-get install clang)" >&2
    exit 1
fi
if ! flags=$(pkg-config --cflags --libs libpng libjpeg); then
    echo "run_photo.sh: ERROR: pkg-config libpng libjpeg failed (apt-get install libpng-dev libjpeg-dev)" >&2
    exit 1
fi

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$here"/corpus-photo/* "$work/corpus/"

printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    > "$work/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" 2>"$work/probe.log"; then
    cat "$work/probe.log" >&2
    echo "run_photo.sh: ERROR: $cc cannot link libFuzzer with ASan/UBSan; install the clang runtime (apt-get install libclang-rt-14-dev or libclang-common-14-dev)" >&2
    exit 1
fi

# shellcheck disable=SC2086 # pkg-config output is a word list
"$cc" -std=gnu11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$src/engine/trainer" \
    "$here/fuzz_photo.c" "$src/engine/trainer/photo_header.c" "$src/engine/trainer/photo_verify.c" \
    $flags -o "$work/fuzz_photo"

echo "run_photo.sh: fuzzing for ${seconds}s over $(ls "$work/corpus" | wc -l) seed files"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if ! "$work/fuzz_photo" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 -dict="$here/photo.dict" \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/fuzz.log" 2>&1; then
    tail -n 60 "$work/fuzz.log" >&2
    echo "run_photo.sh: FAILED: the fuzzer found a crash; reproducer(s) in $work/artifacts:" >&2
    ls -l "$work/artifacts" >&2
    exit 1
fi
grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$work/fuzz.log" | sort -u || true
echo "run_photo.sh: no crash in ${seconds}s"
