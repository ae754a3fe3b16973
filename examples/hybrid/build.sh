#!/bin/sh
# build.sh OUT_DIR [pyembed-pack blob options...] — builds the hybrid
# example against an installed pyembed, using only pkg-config:
#   1. OUT_DIR/app.blob: the pricing package and the stdlib it imports
#      (pyembed-pack blob; extra options, e.g. --stdlib-dir, are passed on);
#   2. OUT_DIR/hybrid: hybrid.c, with the blob in its read-only data
#      (blob.S: .incbin), linked with `pkg-config --cflags --libs pyembed`.
# Environment: PYEMBED_PACK (default pyembed-pack), CC (default cc),
# PKG_CONFIG (default pkg-config; e.g. "pkg-config --define-prefix" for a
# tree installed with `meson install --destdir`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
"${PYEMBED_PACK:-pyembed-pack}" blob -q -o "$out/app.blob" --module-path "$here/python" \
    --include pricing "$@"
# shellcheck disable=SC2046 # pkg-config's output is meant to be split
${CC:-cc} -O2 -Wall -Wextra -o "$out/hybrid" "$here/hybrid.c" "$here/blob.S" \
    -DHYBRID_BLOB_PATH="\"$out/app.blob\"" $(${PKG_CONFIG:-pkg-config} --cflags --libs pyembed)
