#!/bin/sh
# newcomer.sh: what a new user does, checked. Clones the checkout's commit
# into an empty temporary folder (no shared/ or anything else beside it),
# runs ./bootstrap.sh demo there with a throw-away HOME, and checks the photo
# it writes (check-demo.py: the source's size, and colour an untrained
# network does not give).
#   newcomer.sh SOURCE_DIR WORK_DIR            this machine (Debian 12 or 13)
#   newcomer.sh --trixie SOURCE_DIR WORK_DIR   inside the cached Debian 13
#                                              root (tests/gimp/gimp3-root.sh)
# The clone is of the last commit: uncommitted changes are not in it.
set -eu
trixie=
[ "${1:-}" = --trixie ] && { trixie=1; shift; }
src=$(cd "$1" && pwd)
work=$2
here=$(cd "$(dirname "$0")" && pwd)
photo=/usr/lib/python3/dist-packages/skimage/data/astronaut.png

if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    echo "newcomer.sh: $src is not a git checkout; nothing to clone" >&2
    exit 77
fi
rm -rf "$work"
mkdir -p "$work"
start=$(date +%s)
if [ -n "$trixie" ]; then
    "$src/tests/gimp/gimp3-root.sh" --demo "$src" "$work"
    where="Debian 13 root"
else
    tmp=$(mktemp -d /tmp/cz-newcomer-XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    git clone -q "$src" "$tmp/corolization"
    mkdir "$tmp/home" "$tmp/run"
    [ ! -e "$tmp/shared" ] || { echo "newcomer.sh: $tmp/shared exists"; exit 1; }
    (cd "$tmp/run" && unset GIMP2_DIRECTORY GIMP3_DIRECTORY XDG_CONFIG_HOME &&
        HOME="$tmp/home" ../corolization/bootstrap.sh demo)
    cp "$tmp/run/colorized.png" "$work/"
    where="this machine ($(. /etc/os-release && echo "$PRETTY_NAME"))"
fi
echo "newcomer.sh: ./bootstrap.sh demo in a fresh clone on $where: $(( $(date +%s) - start )) s"
/usr/bin/python3 "$here/check-demo.py" "$work/colorized.png" "$photo"
