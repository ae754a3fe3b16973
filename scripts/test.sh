#!/bin/sh
# test.sh — the README's test command and CI's (.ci/run): install deps,
# build, run every suite, then rebuild with ASan+UBSan and run the unit
# and integration suites again. Prints "N passed, N failed" at the end.
# (The 'slow' suite — integration tests under valgrind — is run by hand:
# meson test -C build-test --suite slow.)
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-deps.sh --test
status=0

run_suites() { # build-dir, meson test args...
    dir=$1; shift
    meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || status=1
}

[ -d build-test ] || meson setup build-test
ninja -C build-test
run_suites build-test --no-suite slow   # slow: valgrind runs, see tests/meson.build

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbench=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=0 run_suites build-asan --suite unit --suite integration

python3.11 scripts/summarise_tests.py build-test build-asan || status=1
exit $status
