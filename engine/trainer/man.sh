#!/bin/sh
# man.sh BINARY VERSION: corolization-train's manual page (troff, on
# stdout), made from the --help of the program and of each command, so the
# page and the program cannot disagree.
set -eu
bin=$1 version=$2
# Help text as troff: backslashes doubled, lines that begin with . or '
# protected, shown as written (.nf).
text() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
cat <<EOF2
.TH COROLIZATION-TRAIN 1 "" "corolization $version" "User Commands"
.SH NAME
corolization-train \\- train and evaluate corolization's colorization networks
.SH SYNOPSIS
.B corolization-train
.I COMMAND
[\\fIoptions\\fR]
.SH DESCRIPTION
.nf
EOF2
# help [COMMAND]: its --help as troff; set -e stops the page if it fails.
help() {
    h=$("$bin" "$@" --help)
    printf '%s\n' "$h" | text
}
help
echo ".fi"
for c in prepare train lr-find eval colorize import; do
    printf '.SH "%s"\n.nf\n' "$(echo "$c" | tr a-z A-Z)"
    help "$c"
    echo ".fi"
done
cat <<EOF2
.SH "SEE ALSO"
.BR gimp (1).
The README of corolization: the GIMP plug-in, its models and their cards.
EOF2
