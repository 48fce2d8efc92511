#!/bin/sh
# test_man.sh MAN_PAGE: corolization-train.1 renders without a groff
# warning and holds the usage of every command.
set -u
TEST=man
. "$(dirname "$0")/check.sh"
LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$1" 2> "$T/warn"
rc=$?
cat "$T/warn"
check "groff renders it without warnings" [ $rc -eq 0 -a ! -s "$T/warn" ]
LC_ALL=C.UTF-8 groff -man -Tutf8 "$1" 2> /dev/null | sed 's/.\x08//g' > "$T/page"
for c in prepare train lr-find eval colorize import; do
    check "the page holds the usage of $c" grep -q "Usage: corolization-train $c" "$T/page"
done
check "and the options of train" grep -q -- "--ema DECAY" "$T/page"
finish "trainer man page"
