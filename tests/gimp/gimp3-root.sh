#!/bin/sh
# gimp3-root.sh: runs the plug-in tests on GIMP 3.0 inside a Debian 13 root.
#   gimp3-root.sh [--undo [--no-undo]] SOURCE_DIR WORK_DIR MODELS_DIR [MIN_CHROMA [ROOT]]
#   gimp3-root.sh --demo SOURCE_DIR WORK_DIR
#   gimp3-root.sh --import SOURCE_DIR WORK_DIR PREPARED_DIR [ROOT]
#   gimp3-root.sh --bench SOURCE_DIR WORK_DIR MODELS_DIR [CASE [ROOT]]
# Builds the root with debootstrap when it is absent (about 5 minutes),
# installs into it whichever of the packages the
# test needs are missing (so an older cached root gets them too), and gives
# it a de_DE.UTF-8 locale (Debian 13's glibc ignores LANGUAGE in C.UTF-8),
# mounts /dev, /proc and /dev/shm for the run and always unmounts them,
# builds the plug-in inside the root (checkout bound read-only, build folder
# in the root's /tmp) so it links GIMP 3's libraries, then runs gimp-test.py
# with the root's python3 and the models of MODELS_DIR (testnet and broken,
# trained on the host).
# --undo runs the user-interface test gimp-undo-test.py instead (GIMP 3 on
# Xvfb in the root, driven by xdotool; it adds xvfb and xdotool to the
# root); --no-undo is passed on to it (its negative control).
# COROLIZATION_TEST_MODEL names the model of MODELS_DIR the --undo test uses
# (default testnet; docs/preview-gimp-3.0.png was taken with colorful).
# --import is the GIMP stage of issue 17's judged check
# (gimp-import-test.py --stage gimp): PREPARED_DIR is the host's prepare
# stage (photo, models converted from random PyTorch ones, PyTorch's ab;
# the root has no PyTorch), the plug-in built here colours and compares.
# --bench runs tests/bench/gimp_bench.py (24 MP; CASE alone, or all) in
# GIMP 3.0 with MODELS_DIR's colorful model; it adds /usr/bin/time.
# --demo is a Debian 13 newcomer instead: git-clones SOURCE_DIR's commit
# inside the root, runs its ./bootstrap.sh demo there (which installs what
# it misses with apt, builds, installs the GIMP 3.0 plug-in for root's
# profile in the root and colorizes the astronaut), and copies the photo it
# wrote to WORK_DIR/colorized.png.
set -eu
mode=headless
undo_args=
while [ $# -gt 0 ]; do
    case $1 in
        --undo) mode=undo ;;
        --demo) mode=demo ;;
        --import) mode=import ;;
        --bench) mode=bench ;;
        --no-undo) mode=undo; undo_args=--no-undo ;;
        *) break ;;
    esac
    shift
done
src=$(cd "$1" && pwd)
work=$2
if [ $mode = demo ]; then
    models= min_chroma= root=/var/cache/corolization/trixie-gimp3
elif [ $mode = import ]; then
    models=$(cd "$3" && pwd) min_chroma= root=${4:-/var/cache/corolization/trixie-gimp3}
elif [ $mode = bench ]; then
    # the case travels in min_chroma's place
    models=$(cd "$3" && pwd) min_chroma=${4:-} root=${5:-/var/cache/corolization/trixie-gimp3}
else
    models=$(cd "$3" && pwd)
    min_chroma=${4:-2}
    root=${5:-/var/cache/corolization/trixie-gimp3}
fi
pkgs="gimp libgimp-3.0-dev libopenblas-dev libjson-glib-dev libcairo2-dev libpng-dev libjpeg-dev meson ninja-build gcc pkg-config gettext python3-skimage locales"
gui_pkgs="xvfb xdotool python3-pil"
[ $mode = undo ] && pkgs="$pkgs $gui_pkgs"
[ $mode = bench ] && pkgs="$pkgs time"
# A newcomer brings git and ca-certificates; bootstrap.sh brings the rest.
[ $mode = demo ] && pkgs="git ca-certificates"

if [ "$(id -u)" != 0 ]; then
    echo "gimp3-root.sh: FAILED: needs root for chroot and mount (run the suite as root, as the README says)" >&2; exit 1
fi
# One run at a time: every run uses the root's mount points and /tmp folders.
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9
# A root without apt-get is absent or half made; one with it gets what the
# mode needs below (a --demo root holds no GIMP until bootstrap.sh installs it).
if [ ! -x "$root/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || apt-get install -y debootstrap
    mkdir -p "$root"
    debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian
    chroot "$root" apt-get update
fi
missing=
for p in $pkgs; do
    chroot "$root" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "gimp3-root.sh: installing into $root:$missing"
    chroot "$root" apt-get update
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
if ! chroot "$root" locale -a | grep -qx de_DE.utf8; then
    [ -f "$root/usr/share/i18n/locales/de_DE" ] ||
        chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends locales
    chroot "$root" localedef -i de_DE -f UTF-8 de_DE.UTF-8
fi

mnt="$root/mnt/corolization-src"
cleanup() {
    for m in "$mnt" "$root/dev/shm" "$root/proc" "$root/dev"; do
        mountpoint -q "$m" && umount "$m" || true
    done
}
trap cleanup EXIT INT TERM
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t tmpfs tmpfs "$root/dev/shm"
mkdir -p "$mnt"
mount --bind "$src" "$mnt"
mount -o remount,bind,ro "$mnt"

if [ $mode = demo ]; then
    rm -rf "$root/tmp/corolization-newcomer" "$work/colorized.png"
    status=0
    chroot "$root" sh -ec '
        n=/tmp/corolization-newcomer
        git clone -q /mnt/corolization-src $n/corolization
        mkdir -p $n/home $n/run
        [ ! -e $n/shared ]
        cd $n/run
        HOME=$n/home ../corolization/bootstrap.sh demo
    ' || status=$?
    mkdir -p "$work"
    cp "$root/tmp/corolization-newcomer/run/colorized.png" "$work/" 2>/dev/null || true
    exit $status
fi

rm -rf "$root/tmp/corolization-models"
cp -r "$models" "$root/tmp/corolization-models"

if [ $mode = undo ]; then
    test=gimp-undo-test.py rwork=/tmp/corolization-gimp3-undo
elif [ $mode = import ]; then
    test=gimp-import-test.py rwork=/tmp/corolization-gimp3-import
elif [ $mode = bench ]; then
    test=gimp_bench.py rwork=/tmp/corolization-gimp3-bench
else
    test=gimp-test.py rwork=/tmp/corolization-gimp3
fi
# A build folder per checkout: ninja's timestamps are not to be trusted
# across two checkouts bound in turn at the same mount point.
tag=$(printf %s "$src" | cksum | cut -d' ' -f1)
status=0
chroot "$root" sh -ec '
    b=/tmp/corolization-build-$5
    [ -f $b/build.ninja ] || meson setup $b /mnt/corolization-src >/tmp/corolization-setup.log
    ninja -C $b plug-in/gimp3/corolization corolization-gmo
    if [ "$1" = gimp-test.py ]; then
        python3 /mnt/corolization-src/tests/gimp/gimp-test.py --gimp 3 \
            --plugin $b/plug-in/gimp3/corolization --mo-dir $b/po \
            --models /tmp/corolization-models --work "$2" --min-chroma "$3"
    elif [ "$1" = gimp_bench.py ]; then
        python3 /mnt/corolization-src/tests/bench/gimp_bench.py --gimp 3 \
            --plugin $b/plug-in/gimp3/corolization \
            --models /tmp/corolization-models --work "$2" ${3:+--case "$3"}
    elif [ "$1" = gimp-import-test.py ]; then
        python3 /mnt/corolization-src/tests/gimp/gimp-import-test.py --stage gimp --gimp 3 \
            --plugin $b/plug-in/gimp3/corolization \
            --prepared /tmp/corolization-models --work "$2"
    else
        python3 /mnt/corolization-src/tests/gimp/gimp-undo-test.py --gimp 3 \
            --plugin $b/plug-in/gimp3/corolization \
            --models /tmp/corolization-models --work "$2" --min-chroma "$3" \
            --model "${COROLIZATION_TEST_MODEL:-testnet}" $4
    fi
' sh "$test" "$rwork" "$min_chroma" "$undo_args" "$tag" || status=$?
mkdir -p "$work" && cp -r "$root$rwork/." "$work/" 2>/dev/null || true
exit $status
