#!/bin/sh
# test_model_errors.sh: eval and colorize on model files that are not
# models (issue 21) fail at once (under 5 s) with status 1 and a message
# that says what is wrong and names the file exactly once.
#   usage: test_model_errors.sh CZ_TRAIN_BINARY
set -u
BIN=$1
T=$(mktemp -d /tmp/cz-test-model-errors-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
mkfifo "$T/fifo.safetensors"
mkdir "$T/folder.safetensors" "$T/photos"
# 69 bytes naming pix2pix at width 4 and 4096 px: once 6.5 GB and 13 s
printf '\075\0\0\0\0\0\0\0{"__metadata__":{"arch":"pix2pix","width":"4","size":"4096"}}' > "$T/huge.safetensors"
# expect FILE REASON COMMAND...: status 1, REASON in stderr, FILE named once
expect() {
    file=$1 reason=$2
    shift 2
    timeout 5 "$@" > /dev/null 2> "$T/err" < /dev/null
    status=$?
    named=$(grep -o "$file" "$T/err" | wc -l)
    if [ $status -ne 1 ] || ! grep -q "$reason" "$T/err" || [ "$named" -ne 1 ]; then
        echo "FAIL $*: status $status (want 1), file named $named times (want 1): $(cat "$T/err")"
        fail=$((fail + 1))
    else
        echo "ok   $(basename "$file") ($2): $(head -n 1 "$T/err")"
    fi
}
for f in fifo:FIFO folder:folder huge:down1.conv.weight; do
    file=$T/${f%%:*}.safetensors
    expect "$file" "${f#*:}" "$BIN" eval --model "$file" --images "$T/photos"
    expect "$file" "${f#*:}" "$BIN" colorize --model "$file" -o "$T/out" "$T/photos/none.png"
done
echo "$fail failures"
[ "$fail" -eq 0 ]
