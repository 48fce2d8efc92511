#!/bin/sh
# install-test.sh BUILD_DIR WORK_DIR: `meson install` with the options the
# build was configured with (the defaults in the suite), into WORK_DIR as
# DESTDIR, checked: each front-end in the gimplibdir its GIMP's pkg-config
# names (where the distribution's GIMP loads plug-ins from), with its Help
# page and a locale link that reaches the installed catalogues; the models
# with their cards; the manual page. Then GIMP 2.10, where it is here, is
# pointed at the installed plug-in folder and must register the procedure.
set -eu
build=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work"
dest=$(cd "$work" && pwd)/dest
fail=0
check() { # check NAME CONDITION...
    name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
meson install -C "$build" --destdir "$dest" --quiet >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "FAIL meson install"; exit 1; }
prefix=$(meson introspect --buildoptions "$build" |
    /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
datadir=$prefix/share
built=0
for v in 3.0 2.0; do
    pkg-config --exists "gimp-$v" || continue
    dir=$(pkg-config --variable=gimplibdir "gimp-$v")/plug-ins/corolization
    case $v in 3.0) exe=$build/plug-in/gimp3/corolization ;; *) exe=$build/plug-in/gimp2/corolization ;; esac
    [ -x "$exe" ] || continue
    built=1
    check "GIMP $v: the plug-in in pkg-config's gimplibdir ($dir)" test -x "$dest$dir/corolization"
    check "GIMP $v: its Help page and help domain" grep -q '<h3>Colour hints</h3>' "$dest$dir/help/en/index.html"
    check "GIMP $v: the help map names the procedure" grep -q 'id="plug-in-corolization" ref="index.html"' "$dest$dir/help/en/gimp-help.xml"
    link=$(readlink "$dest$dir/locale")
    case $link in /*) target=$dest$link ;; *) target=$dest$dir/$link ;; esac
    check "GIMP $v: locale -> $link holds the German catalogue" test -f "$target/de/LC_MESSAGES/corolization.mo"
done
check "a front-end was built (libgimp found)" test "$built" = 1
for m in colorful pix2pix fusion hints; do
    check "model $m with its card in $datadir/corolization/models" \
        test -f "$dest$datadir/corolization/models/$m.safetensors" -a -f "$dest$datadir/corolization/models/$m.md"
done
check "manual page of corolization-train" test -f "$dest$datadir/man/man1/corolization-train.1"

# GIMP 2.10 loads the installed plug-in (its folder on the plug-in path).
if command -v gimp-console-2.10 >/dev/null && pkg-config --exists gimp-2.0 && [ -x "$build/plug-in/gimp2/corolization" ]; then
    home=$dest/home
    mkdir -p "$home"
    echo "(plug-in-path \"/usr/lib/gimp/2.0/plug-ins:$dest$(pkg-config --variable=gimplibdir gimp-2.0)/plug-ins\")" >"$home/gimprc"
    out=$(HOME=$home timeout 300 gimp-console-2.10 -n -d -f --gimprc "$home/gimprc" -b \
        '(begin (gimp-message (string-append "cz-exists=" (number->string (car (gimp-procedural-db-proc-exists "plug-in-corolization"))))) (gimp-quit 0))' 2>&1 || true)
    check "GIMP 2.10 registers plug-in-corolization from the installed folder" \
        sh -c "printf '%s' \"\$1\" | grep -q 'cz-exists=1'" _ "$out"
fi
[ "$fail" = 0 ] && echo "all passed" || { echo "failed"; exit 1; }
