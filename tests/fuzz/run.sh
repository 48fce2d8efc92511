#!/bin/sh
# run.sh SOURCE_ROOT BUILD_DIR: builds the safetensors fuzz target with clang
# (libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer) into BUILD_DIR and
# fuzzes a copy of tests/fuzz/corpus for a bounded time (FUZZ_SECONDS, default
# 60). Fails on any crash, leak or sanitizer report, and when clang or
# libFuzzer is missing: it never skips.
set -eu

src=${1:?usage: run.sh SOURCE_ROOT BUILD_DIR}
build=${2:?usage: run.sh SOURCE_ROOT BUILD_DIR}
seconds=${FUZZ_SECONDS:-60}
here=$src/tests/fuzz
work=$build/fuzz-safetensors

cc=
for c in clang clang-14; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
done
if [ -z "$cc" ]; then
    echo "run.sh: ERROR: clang not found; install it (apt-get install clang)" >&2
    exit 1
fi
if ! flags=$(pkg-config --cflags --libs json-glib-1.0); then
    echo "run.sh: ERROR: pkg-config json-glib-1.0 failed (apt-get install libjson-glib-dev)" >&2
    exit 1
fi

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$here"/corpus/*.safetensors "$work/corpus/"

# A trivial target first, so a missing runtime gets its own message.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    > "$work/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" 2>"$work/probe.log"; then
    cat "$work/probe.log" >&2
    echo "run.sh: ERROR: $cc cannot link libFuzzer with ASan/UBSan; install the clang runtime (apt-get install libclang-rt-14-dev or libclang-common-14-dev)" >&2
    exit 1
fi

# shellcheck disable=SC2086 # pkg-config output is a word list
"$cc" -std=gnu11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$src/engine" \
    "$here/fuzz_safetensors.c" "$src/engine/safetensors.c" "$src/engine/file.c" "$src/engine/error.c" \
    $flags -lm -o "$work/fuzz_safetensors"

echo "run.sh: fuzzing for ${seconds}s over $(ls "$work/corpus" | wc -l) seed files"
export G_SLICE=always-malloc
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if ! "$work/fuzz_safetensors" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 -dict="$here/safetensors.dict" \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/fuzz.log" 2>&1; then
    tail -n 60 "$work/fuzz.log" >&2
    echo "run.sh: FAILED: the fuzzer found a crash; reproducer(s) in $work/artifacts:" >&2
    ls -l "$work/artifacts" >&2
    exit 1
fi
grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$work/fuzz.log" | sort -u || true
echo "run.sh: no crash in ${seconds}s"
