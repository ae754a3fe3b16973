#!/bin/sh
# run.sh — issue 6's benchmark in one command: builds a release tree in
# build-bench (meson setup only if it is missing) and runs bench/run_bench.py
# with the target interpreter. Arguments go to run_bench.py, e.g.
#   sh bench/run.sh --runs 20 --output /tmp/bench.md
# BUILD=dir picks another build directory. Needs meson, ninja and a C
# compiler (scripts/setup-deps.sh installs them); nothing else.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release
ninja -C "$BUILD" >/dev/null
exec /usr/bin/python3.11 bench/run_bench.py --build-dir "$BUILD" "$@"
