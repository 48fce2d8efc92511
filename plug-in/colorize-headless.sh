#!/bin/sh
# colorize-headless.sh: colorizes one photo with the installed GIMP 2.10
# plug-in (see install-user.sh) in headless GIMP: loads PHOTO, turns it to
# grayscale (so the demo shows predicted colour, not the photo's own), runs
# plug-in-corolization with the default model, flattens, and writes OUT.png.
#   colorize-headless.sh PHOTO OUT.png [MODEL]
set -eu
photo=${1:?usage: colorize-headless.sh PHOTO OUT.png [MODEL]}
out=${2:?usage: colorize-headless.sh PHOTO OUT.png [MODEL]}
model=${3:-}
[ -f "$photo" ] || { echo "colorize-headless.sh: no such file: $photo" >&2; exit 1; }
case "$photo$out$model" in
*'"'*|*'\'*) echo "colorize-headless.sh: names with \" or \\ are not supported" >&2; exit 1 ;;
esac
photo=$(cd "$(dirname "$photo")" && pwd)/$(basename "$photo")
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out"

# On any error Script-Fu stops the batch; the missing file reports it.
log=$(gimp-console-2.10 -i -d -b "
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE \"$photo\" \"$photo\")))
       (drw (car (gimp-image-flatten img))))
  (if (= (car (gimp-image-base-type img)) INDEXED) (gimp-image-convert-rgb img))
  (if (= (car (gimp-image-base-type img)) RGB) (gimp-image-convert-grayscale img))
  (plug-in-corolization RUN-NONINTERACTIVE img drw \"$model\" 0.38 1.0 0 \"layer\" 0)
  (let ((flat (car (gimp-image-flatten img))))
    (file-png-save2 RUN-NONINTERACTIVE img flat \"$out\" \"$out\" 0 9 0 0 0 0 0 0 0))
  (gimp-image-delete img))" -b '(gimp-quit 0)' 2>&1) || true
if [ ! -s "$out" ]; then
    echo "$log" >&2
    echo "colorize-headless.sh: GIMP did not write $out" >&2
    exit 1
fi
