#!/bin/sh
# colorize-headless.sh: colorizes one photo with the installed plug-in (see
# install-user.sh) in headless GIMP: loads PHOTO, turns it to grayscale (so
# the demo shows predicted colour, not the photo's own), runs
# plug-in-corolization with MODEL (empty: the default model), flattens, and
# writes OUT.png.
#   colorize-headless.sh PHOTO OUT.png [MODEL [3.0|2.10]]
# The GIMP is the one named, else gimp-console-3.0 when installed, else 2.10.
set -eu
usage="usage: colorize-headless.sh PHOTO OUT.png [MODEL [3.0|2.10]]"
photo=${1:?$usage}
out=${2:?$usage}
model=${3:-}
gimp=${4:-}
if [ -z "$gimp" ]; then
    if command -v gimp-console-3.0 >/dev/null; then gimp=3.0; else gimp=2.10; fi
fi
[ -f "$photo" ] || { echo "colorize-headless.sh: no such file: $photo" >&2; exit 1; }
case "$photo$out$model" in
*'"'*|*'\'*) echo "colorize-headless.sh: names with \" or \\ are not supported" >&2; exit 1 ;;
esac
photo=$(cd "$(dirname "$photo")" && pwd)/$(basename "$photo")
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out"

# On any error Script-Fu stops the batch; the missing file reports it.
# GIMP 3.0 takes the arguments left out from the plug-in's defaults; the
# 2.10 PDB has none, so its call spells them out (0.38 1.0 0 "layer" 0 -1: the
# defaults of engine/pixel_params.c, which a shell script cannot include, and
# no hints layer).
case $gimp in
3.0) log=$(gimp-console-3.0 -i -n --quit --batch-interpreter=plug-in-script-fu-eval -b "
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE \"$photo\")))
       (drw (car (gimp-image-flatten img))))
  (if (= (car (gimp-image-get-base-type img)) INDEXED) (gimp-image-convert-rgb img))
  (if (= (car (gimp-image-get-base-type img)) RGB) (gimp-image-convert-grayscale img))
  (plug-in-corolization #:run-mode RUN-NONINTERACTIVE #:image img
                        #:drawables (vector drw) #:model \"$model\")
  (gimp-image-flatten img)
  (gimp-file-save RUN-NONINTERACTIVE img \"$out\" -1)
  (gimp-image-delete img))" 2>&1) || true ;;
2.10) log=$(gimp-console-2.10 -i -d -b "
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE \"$photo\" \"$photo\")))
       (drw (car (gimp-image-flatten img))))
  (if (= (car (gimp-image-base-type img)) INDEXED) (gimp-image-convert-rgb img))
  (if (= (car (gimp-image-base-type img)) RGB) (gimp-image-convert-grayscale img))
  (plug-in-corolization RUN-NONINTERACTIVE img drw \"$model\" 0.38 1.0 0 \"layer\" 0 -1 -1 1.0)
  (let ((flat (car (gimp-image-flatten img))))
    (file-png-save2 RUN-NONINTERACTIVE img flat \"$out\" \"$out\" 0 9 0 0 0 0 0 0 0))
  (gimp-image-delete img))" -b '(gimp-quit 0)' 2>&1) || true ;;
*) echo "colorize-headless.sh: GIMP $gimp? say 3.0 or 2.10" >&2; exit 2 ;;
esac
if [ ! -s "$out" ]; then
    echo "$log" >&2
    echo "colorize-headless.sh: GIMP $gimp did not write $out" >&2
    exit 1
fi
