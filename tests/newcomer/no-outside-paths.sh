#!/bin/sh
# no-outside-paths.sh SOURCE_DIR: no tracked file names a path outside the
# clone that a user's machine does not have: the folder beside the
# repository that holds our training photos, or a home or work folder of
# one of our machines. (The patterns are bracketed so this file does not
# match itself.)
set -eu
cd "$1"
if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "no-outside-paths.sh: $1 is not a git checkout" >&2
    exit 77
fi
# git grep: 0 hits, 1 none, anything else an error (which must not pass).
rc=0
hits=$(git grep -n -I -E \
    -e '\.\./shar[e]d' \
    -e '(^|[^A-Za-z0-9_.$}/-])/(wor[k]|hom[e]|User[s]|roo[t])/') || rc=$?
if [ $rc -gt 1 ]; then
    echo "FAIL: git grep failed (status $rc)"
    exit 1
fi
if [ -n "$hits" ]; then
    echo "$hits"
    echo "FAIL: $(echo "$hits" | wc -l) line(s) name a path outside the clone"
    exit 1
fi
echo "ok: $(git ls-files | wc -l) tracked files name no path outside the clone"
