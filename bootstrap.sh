#!/bin/sh
# bootstrap.sh: the two commands of README.md, for a fresh Debian 12 machine
# (run as root, or with sudo available for the apt-get step).
#
#   ./bootstrap.sh demo [PHOTO] [OUT.png]   install, build, install the plug-in
#                                           for this user, colorize a photo in
#                                           headless GIMP
#   ./bootstrap.sh test                     install what the tests need, run
#                                           the whole suite (meson test)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${COROLIZATION_BUILD:-"$here/build"}

BUILD_DEPS="gcc meson ninja-build pkg-config gettext libopenblas-dev libjson-glib-dev
  libgegl-dev libbabl-dev libcairo2-dev libpng-dev libjpeg-dev gimp libgimp2.0-dev"
TEST_DEPS="python3 python3-torch python3-numpy python3-pil python3-skimage clang
  libclang-rt-14-dev debootstrap valgrind xvfb xdotool"

apt_install() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

configure() {
    if [ -f "$build/build.ninja" ]; then
        meson setup --reconfigure "$build" "$here" >/dev/null
    else
        meson setup "$build" "$here" "$@"
    fi
    ninja -C "$build"
}

case "${1:-}" in
test)
    apt_install $BUILD_DEPS $TEST_DEPS
    configure
    meson test -C "$build" --print-errorlogs --num-processes 2
    ;;
demo)
    apt_install $BUILD_DEPS python3-skimage
    configure
    photo=${2:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
    out=${3:-"$PWD/colorized.png"}
    # Installs the GIMP 2.10 plug-in and the models for this user.
    "$here/plug-in/install-user.sh" "$build"
    "$here/plug-in/colorize-headless.sh" "$photo" "$out"
    echo "wrote $out"
    ;;
*)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
