#!/bin/sh
# fuzz.sh — build a libFuzzer target with clang and fuzz it.
#
# Usage: scripts/fuzz.sh [TARGET] [SECONDS] [JOBS]
#   TARGET   reader (blob reader, the default) or exe (locating and
#            embedding blobs in executables): tests/fuzz/TARGET_fuzzer.c
#   SECONDS  total fuzzing time, default 600
#   JOBS     parallel fuzzing processes (libFuzzer -fork=JOBS), default 1
# The old form, scripts/fuzz.sh SECONDS [JOBS], fuzzes the reader.
# Environment: BUILD  build directory, default build-fuzz
#              CC     compiler, default clang (libFuzzer needs clang)
#              FUZZ_ARGS  extra libFuzzer flags, e.g. "-max_len=4096"
#
# It fuzzes a scratch copy of tests/fuzz/corpus/TARGET, so the committed
# corpus only changes at the end, when the inputs that add coverage are
# merged back into it (-merge=1). Crashing inputs are written to
# tests/fuzz/crashes/TARGET/; commit them with the fix: the fuzz-regress
# suite (meson test --suite fuzz-regress) replays corpus and crashes with
# any compiler. Exits non-zero when the fuzzer found a crash.
set -eu

target=reader
case "${1:-}" in
    ''|*[!0-9]*) [ $# -gt 0 ] && { target=$1; shift; } ;;
esac
secs=${1:-600}
jobs=${2:-1}
build=${BUILD:-build-fuzz}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/fuzz/corpus/$target
crashes=$root/tests/fuzz/crashes/$target
dict=$root/tests/fuzz/$target.dict

[ -f "$root/tests/fuzz/${target}_fuzzer.c" ] ||
    { echo "fuzz.sh: no target '$target' (tests/fuzz/*_fuzzer.c)" >&2; exit 2; }
cd "$root"
if [ ! -f "$build/build.ninja" ]; then
    CC=${CC:-clang} meson setup "$build" -Dpython=false -Dbench=false \
        -Dfuzzing=true -Db_lundef=false
fi
ninja -C "$build" "tests/fuzz/${target}_fuzzer"

work=$(mktemp -d "${TMPDIR:-/tmp}/packrs-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$corpus"/* "$work"/
mkdir -p "$crashes"

fuzzer=$build/tests/fuzz/${target}_fuzzer
parallel=""
[ "$jobs" -gt 1 ] && parallel="-fork=$jobs -ignore_crashes=1"
dictarg=""
[ -f "$dict" ] && dictarg="-dict=$dict"
status=0
# shellcheck disable=SC2086  # FUZZ_ARGS, parallel and dictarg are word lists
"$fuzzer" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
    $dictarg -artifact_prefix="$crashes/" \
    $parallel ${FUZZ_ARGS:-} "$work" || status=$?

echo "fuzz.sh: merging new coverage into $corpus"
"$fuzzer" -merge=1 "$corpus" "$work"
echo "fuzz.sh: corpus now $(ls "$corpus" | wc -l) files," \
     "$(du -sk "$corpus" | cut -f1) KiB"
exit "$status"
