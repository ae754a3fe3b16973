#!/bin/sh
# main.sh — the README's main job: install deps, build pyembed, pack the
# examples into single executables and run them.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-deps.sh
[ -d build ] || meson setup build --buildtype=release
ninja -C build
PACK=build/driver/pyembed-pack
OUT=build/examples
mkdir -p "$OUT"
echo "== hello (stdlib: traced)"
$PACK build -o "$OUT/hello" --module-path examples/hello --run-module hello
"$OUT/hello" one two
echo "== notes CLI (package data via importlib.resources, sqlite3, argparse, logging)"
$PACK build -o "$OUT/notes" --module-path examples/notes --run-module notes
"$OUT/notes" add "buy milk" "call Bob about the meeting"
"$OUT/notes" tags
echo "== the executables are self-contained:"
ls -l "$OUT/hello" "$OUT/notes"
$PACK verify "$OUT/notes"
