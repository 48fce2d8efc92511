#!/bin/sh
# The engine's tests again, in a second build of the whole project with
# AddressSanitizer and UndefinedBehaviorSanitizer; any report fails.
# usage: run.sh SOURCE_ROOT BUILD_DIR
set -eu
src=$1
build=$2/asan-build
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$src" -Db_sanitize=address,undefined -Dbuildtype=debugoptimized \
        -Db_lundef=false >/dev/null
fi
# A build folder from an older tree first learns of new tests.
ninja -C "$build" build.ninja >/dev/null
# Only what the engine and parity suites and the trainer's unit tests run:
# the rest of the tree (the trainer's test model for the GIMP suite) is not
# needed here.
trainer_units="metrics dataset loader step photo"
# The files of every target those tests depend on (their programs, and any
# program they take as an argument, as the importer's parity test does).
targets=$(cd "$build" && /usr/bin/python3 -c '
import json, subprocess, sys
units = set(sys.argv[1].split())
def introspect(what):
    return json.loads(subprocess.run(["meson", "introspect", what], check=True,
                                     capture_output=True, text=True).stdout)
files = {t["id"]: t["filename"] for t in introspect("--targets")}
for t in introspect("--tests"):
    if set(t["suite"]) & {"corolization:engine", "corolization:parity", "engine", "parity"} or (
            set(t["suite"]) & {"corolization:trainer", "trainer"} and t["name"] in units):
        for d in t["depends"]:
            for f in files.get(d, []):
                print(f)' "$trainer_units" | sort -u)
ninja -C "$build" $(for t in $targets; do echo "${t#$build/}"; done)
# babl_init keeps a few hundred bytes for the process's lifetime (a plain
# babl_init/babl_exit program shows the same); that one leak is suppressed.
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
# The trainer's units and the engine's pixel-path tests load GEGL's
# modules; the slow unwinder follows the stacks through libraries built
# without frame pointers, so that the suppression of their constructors'
# allocations (lsan.supp) can match.
export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
meson test -C "$build" --no-rebuild --suite engine --suite parity --print-errorlogs --num-processes 1
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 1 $trainer_units
