#!/bin/sh
# install-user.sh: installs the plug-in, its catalogues and the models into
# the current user's GIMP profile (no root needed):
#   install-user.sh BUILD_DIR [3.0|2.10]
#     <profile>/plug-ins/corolization/corolization      the plug-in
#     <profile>/plug-ins/corolization/locale/LANG/...   its catalogues
#     <profile>/plug-ins/corolization/help/en/...        its Help page
#     <profile>/corolization/models/*.safetensors       models/*.safetensors
#        of the checkout, or, while there are none, the test model the
#        tests train (meson compile gimp-test-models; about a minute)
# The GIMP is the one named, else the one whose front-end BUILD_DIR holds
# (3.0 first). <profile> is $GIMP3_DIRECTORY, else
# ${XDG_CONFIG_HOME:-~/.config}/GIMP/3.0 for GIMP 3.0, and $GIMP2_DIRECTORY,
# else ${XDG_CONFIG_HOME:-~/.config}/GIMP/2.10 for GIMP 2.10.
set -eu
build=$(cd "${1:?usage: install-user.sh BUILD_DIR [3.0|2.10]}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
gimp=${2:-}
if [ -z "$gimp" ]; then
    if [ -x "$build/plug-in/gimp3/corolization" ]; then gimp=3.0; else gimp=2.10; fi
fi
case $gimp in
3.0) profile=${GIMP3_DIRECTORY:-${XDG_CONFIG_HOME:-$HOME/.config}/GIMP/3.0}
     plugin=$build/plug-in/gimp3/corolization dev=libgimp-3.0-dev ;;
2.10) profile=${GIMP2_DIRECTORY:-${XDG_CONFIG_HOME:-$HOME/.config}/GIMP/2.10}
     plugin=$build/plug-in/gimp2/corolization dev=libgimp2.0-dev ;;
*) echo "install-user.sh: GIMP $gimp? say 3.0 or 2.10" >&2; exit 2 ;;
esac

if [ ! -x "$plugin" ]; then
    echo "install-user.sh: $plugin is missing: was $dev installed when $build was configured?" >&2
    exit 1
fi

dest=$profile/plug-ins/corolization
mkdir -p "$dest"
# Through a temporary name, so a GIMP that is running never sees half a file.
cp "$plugin" "$dest/.corolization.new" && mv -f "$dest/.corolization.new" "$dest/corolization"
rm -rf "$dest/locale"
for mo in "$build"/po/*/LC_MESSAGES/corolization.mo; do
    [ -f "$mo" ] || continue
    lang=$(basename "$(dirname "$(dirname "$mo")")")
    mkdir -p "$dest/locale/$lang/LC_MESSAGES"
    cp "$mo" "$dest/locale/$lang/LC_MESSAGES/corolization.mo"
done
# The Help page behind the dialog's Help button, and its help domain's map.
rm -rf "$dest/help"
mkdir -p "$dest/help/en"
cp "$build/plug-in/help/index.html" "$src/plug-in/help/en/gimp-help.xml" "$dest/help/en/"

models=$profile/corolization/models
mkdir -p "$models"
found=0
for m in "$src"/models/*.safetensors; do
    [ -f "$m" ] || continue
    cp "$m" "$models/"
    found=1
done
if [ "$found" = 0 ]; then
    echo "install-user.sh: no trained model in $src/models yet; installing the tiny test model (faint colour)"
    meson compile -C "$build" gimp-test-models >/dev/null
    cp "$build/tests/gimp/models/testnet.safetensors" "$models/"
fi
echo "installed $dest/corolization and $(ls "$models" | wc -l) model(s) in $models"
