#!/usr/bin/env bash
# Builds the libFuzzer binary (every target: CSV reader, decimal parser, agreements decoder,
# ledger reader, transactions folder, merge's readers, the split's windowed read, rates.csv, claims) once with AddressSanitizer, and runs each
# target for a bounded time.
#   scripts/fuzz.sh [seconds-per-target]   (default 30; FUZZ_TARGETS="window csv" picks targets)
# Every crashing input is copied to fuzz/regressions/<target>/, which the
# normal test suite replays (RobustnessTests); commit it with the fix.
set -uo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
seconds=${1:-30}
build=.build-fuzz
mkdir -p "$build"
sources=$(find Sources/RebateEngine -name '*.swift' | sort)
bin="$build/fuzz"
# The checks live with the tests (Tests/RebateEngineTests/FuzzChecks.swift), which replay saved inputs through them.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name RebateFuzz -package-name RebateEngine \
    -D FUZZ_SINGLE_MODULE $sources Tests/RebateEngineTests/FuzzChecks.swift fuzz/targets/FuzzEntry.swift -o "$bin" 2> "$build/build.log" || { cat "$build/build.log"; exit 1; }
status=0
for target in ${FUZZ_TARGETS:-csv decimal agreements ledger folder merge window rates claims}; do
    corpus="$build/corpus-$target"
    mkdir -p "$corpus" "$build/crashes-$target"
    cp -n fuzz/seeds/$target/* "$corpus"/ 2>/dev/null || true
    cp -n fuzz/regressions/$target/* "$corpus"/ 2>/dev/null || true
    REBATE_FUZZ_TARGET=$target "$bin" "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
        -rss_limit_mb=4096 -artifact_prefix="$build/crashes-$target/" -print_final_stats=1 > "$build/$target.log" 2>&1
    rc=$?
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$build/$target.log" | grep -Eo '[0-9]+$' || echo "?")
    crashes=$(ls "$build/crashes-$target" | wc -l)
    echo "fuzz $target: $runs runs in ${seconds}s, exit $rc, $crashes crashing inputs"
    if [ "$crashes" -gt 0 ]; then
        mkdir -p "fuzz/regressions/$target"
        cp "$build/crashes-$target"/* "fuzz/regressions/$target/"
        tail -30 "$build/$target.log"
        status=1
    fi
done
exit $status
