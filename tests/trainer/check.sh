# check.sh: what the trainer's shell tests share, sourced after setting
# TEST (the test's name): a temporary folder $T, removed on exit (write bits
# restored first, for tests that take them away), and the ok/bad/check
# counters that finish prints as "NAME: N passed, N failed" and exits on.
T=$(mktemp -d "/tmp/cz-test-$TEST-XXXXXX")
trap 'chmod -R u+rwx "$T" 2> /dev/null; rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { desc=$1; shift; if "$@"; then ok; else bad "$desc"; fi; }
finish() { echo "$1: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
