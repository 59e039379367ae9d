#!/usr/bin/env bash
# Runs the fuzz targets: Fuzz/run.sh SECONDS [TARGET ...] (default: every target), each for SECONDS, on its
# corpus in .build-fuzz/corpus/<target> (seeded by Fuzz/seeds.py, grown by earlier runs on this machine).
# Prints executions per target; exits non-zero on the first crash (its input is left in .build-fuzz/crashes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:?usage: Fuzz/run.sh SECONDS [TARGET ...]}
shift
binary=.build-fuzz/release/lrp-fuzz
# Bounded: the library refuses allocations above 256 MiB, libFuzzer stops at 2 GiB; the HDF5 helper is the
# release build's.
export LRP_MAX_ALLOC_MB=256 LRP_FUZZ_ROOT="$root" LRP_HDF5_READER="$root/.build/release/lrp-hdf5-reader" LRP_HDF5_TIMEOUT=5
# check_malloc_usable_size=0: the Swift runtime asks malloc_usable_size about its static empty-array storage.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:check_malloc_usable_size=0
export SWIFT_BACKTRACE=enable=no  # libFuzzer, not the Swift runtime, handles a crash (and saves its input)
all=$( (LRP_FUZZ_TARGET=list "$binary" 2>&1 || true) | sed -n "s/.*one of: //p")
targets=${*:-$all}
mkdir -p .build-fuzz/crashes
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
PYTHONPATH=python python3 Fuzz/seeds.py "$seeds"
total=0
for target in $targets; do
    corpus=.build-fuzz/corpus/$target
    mkdir -p "$corpus"
    [ -d "$seeds/$target" ] && cp -n "$seeds/$target"/* "$corpus"/ 2>/dev/null || true
    log=.build-fuzz/$target.log
    if ! LRP_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
            -print_final_stats=1 -artifact_prefix=.build-fuzz/crashes/$target- "$corpus" > "$log" 2>&1; then
        echo "fuzz: $target FAILED, see $log and .build-fuzz/crashes/"
        grep -E "ERROR|SUMMARY|Fatal|Assertion" "$log" | head -5
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz: $target: ${runs:-0} executions in ${seconds} s, no crash ($(ls "$corpus" | wc -l) inputs in the corpus)"
    total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions in all"
