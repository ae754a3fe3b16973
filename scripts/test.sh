#!/bin/sh
# test.sh — the README's test command and CI's (.ci/run): install deps,
# build, run every suite; build a CPython 3.13 distribution from Debian's
# source package (`pyembed-pack dist build`, cached by content hash under
# ~/.cache/pyembed, so a rerun skips it) and run the integration suite
# against it; then rebuild with ASan+UBSan and run the unit and
# integration suites again. Prints "N passed, N failed" at the end.
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

# The integration suite again, every executable packed against our own
# static CPython 3.13 (docs/distributions.md).
PACK=build-test/driver/pyembed-pack
if $PACK dist build --python 3.13; then
    dist=$($PACK dist path --python 3.13)
    PYEMBED_TEST_DISTRIBUTION=$dist run_suites build-test --suite integration \
        --logbase testlog-dist313
else
    echo "test.sh: dist build --python 3.13 failed"; status=1
fi

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbench=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=0 run_suites build-asan --suite unit --suite integration

python3.11 scripts/summarise_tests.py build-test build-asan || status=1
exit $status
