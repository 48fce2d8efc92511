#!/bin/sh
# bootstrap.sh: the two commands of README.md, for a fresh Debian 12
# (bookworm: GIMP 2.10) or Debian 13 (trixie: GIMP 3.0) machine, run as root
# or with sudo available for the apt-get step.
#
#   ./bootstrap.sh demo [PHOTO] [OUT.png]   install, build, install the plug-in
#                                           for this user, colorize a photo in
#                                           headless GIMP
#   ./bootstrap.sh test                     install what the tests need, run
#                                           the whole suite (meson test)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${COROLIZATION_BUILD:-"$here/build"}

# The system decides the GIMP and the package names; anything else gets the
# list of what to install by hand before a single package is touched.
release=unknown
if [ -r /etc/os-release ]; then
    release=$(. /etc/os-release && echo "${ID:-}-${VERSION_ID:-}")
fi
COMMON_DEPS="gcc meson ninja-build pkg-config gettext libopenblas-dev libjson-glib-dev
  libgegl-dev libbabl-dev libcairo2-dev libpng-dev libjpeg-dev gimp python3-skimage"
# Open MPI: the trainer is built with it and its mpirun test runs (as root).
COMMON_TEST_DEPS="python3 python3-torch python3-numpy python3-pil clang valgrind xvfb xdotool git groff-base
  libopenmpi-dev openmpi-bin"
case $release in
debian-12)
    gimp=2.10
    BUILD_DEPS="$COMMON_DEPS libgimp2.0-dev"
    # GIMP 3.0 runs in a Debian 13 root that the tests build (debootstrap).
    TEST_DEPS="$COMMON_TEST_DEPS libclang-rt-14-dev debootstrap"
    ;;
debian-13)
    gimp=3.0
    BUILD_DEPS="$COMMON_DEPS libgimp-3.0-dev"
    TEST_DEPS="$COMMON_TEST_DEPS libclang-rt-dev"
    ;;
*)
    case ${1:-} in demo|test) ;; *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
    cat >&2 <<EOF
bootstrap.sh: this system ($release) is not one the script knows: it installs
packages for Debian 12 (GIMP 2.10) and Debian 13 (GIMP 3.0) only, and has
changed nothing. Install the build dependencies by hand (README.md, "Other
systems", lists them for Fedora and Arch), then:
    meson setup build && meson compile -C build && meson test -C build
EOF
    exit 2
    ;;
esac

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

# configure [TARGET...]: sets up the build folder and builds the targets
# (default: everything, the tests' prerequisites included).
configure() {
    if [ -f "$build/build.ninja" ]; then
        meson setup --reconfigure "$build" "$here" >/dev/null
    else
        meson setup "$build" "$here"
    fi
    ninja -C "$build" "$@"
}

case "${1:-}" in
test)
    apt_install $BUILD_DEPS $TEST_DEPS
    configure
    meson test -C "$build" --print-errorlogs --num-processes 2
    ;;
demo)
    apt_install $BUILD_DEPS
    # The plug-in and its catalogues; the test suite's own models are not needed.
    configure "plug-in/gimp${gimp%%.*}/corolization" corolization-gmo
    photo=${2:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
    out=${3:-"$PWD/colorized.png"}
    # Installs the plug-in and the models into this user's GIMP profile.
    "$here/plug-in/install-user.sh" "$build" "$gimp"
    "$here/plug-in/colorize-headless.sh" "$photo" "$out" "" "$gimp"
    echo "wrote $out (GIMP $gimp)"
    ;;
*)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
