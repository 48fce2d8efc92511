#!/bin/sh
# gimp3-root.sh: runs the plug-in tests on GIMP 3.0 inside a Debian 13 root.
#   gimp3-root.sh SOURCE_DIR WORK_DIR [ROOT]
# Builds the root with debootstrap when it is absent (about 5 minutes, see
# ../../../shared/GIMP.md), mounts /dev, /proc and /dev/shm for the run and
# always unmounts them, builds the project inside the root (checkout bound
# read-only, build folder in the root's /tmp) so the plug-in links GIMP 3's
# libraries, then runs gimp-test.py with the root's python3.
set -eu
src=$(cd "$1" && pwd)
work=$2
root=${3:-/var/cache/corolization/trixie-gimp3}
pkgs="gimp libgimp-3.0-dev libopenblas-dev libjson-glib-dev libcairo2-dev meson ninja-build gcc pkg-config gettext python3-skimage"

if [ "$(id -u)" != 0 ]; then
    echo "gimp3-root.sh: needs root (chroot, mount)"; exit 77
fi
if [ ! -x "$root/usr/bin/gimp-console-3.0" ]; then
    command -v debootstrap >/dev/null || apt-get install -y debootstrap
    mkdir -p "$root"
    debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian
    chroot "$root" apt-get update
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs
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

chroot "$root" sh -ec '
    b=/tmp/corolization-build
    [ -f $b/build.ninja ] || meson setup $b /mnt/corolization-src >/tmp/corolization-setup.log
    ninja -C $b plug-in/gimp3/corolization tests/gimp/make-test-model corolization-gmo
    rm -rf /tmp/corolization-models; mkdir -p /tmp/corolization-models
    $b/tests/gimp/make-test-model /tmp/corolization-models
    if [ -n "${COROLIZATION_TEST_MODEL:-}" ]; then cp "$COROLIZATION_TEST_MODEL" /tmp/corolization-models/; fi
    python3 /mnt/corolization-src/tests/gimp/gimp-test.py --gimp 3 \
        --plugin $b/plug-in/gimp3/corolization --mo-dir $b/po \
        --models /tmp/corolization-models --work /tmp/corolization-gimp3 \
        ${COROLIZATION_MIN_CHROMA:+--min-chroma $COROLIZATION_MIN_CHROMA}
'
status=$?
mkdir -p "$work" && cp -r "$root/tmp/corolization-gimp3/." "$work/" 2>/dev/null || true
exit $status
