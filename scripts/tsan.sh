#!/usr/bin/env bash
# Runs the parallel parts of RebateEngine under ThreadSanitizer: the engine,
# the parallel CSV reader (one file and a folder), the columnar file, split and
# merge, the close, explain and the portal, at several thread counts.
#   scripts/tsan.sh            the whole output goes to .build-tsan/tsan.log
# On a report it prints the first one whole (stacks of both accesses) and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
mkdir -p .build-tsan
log=.build-tsan/tsan.log
swift build --sanitize=thread --scratch-path .build-tsan --build-tests > "$log.build" 2>&1 || {
    tail -40 "$log.build"
    exit 1
}
status=0
swift test --sanitize=thread --scratch-path .build-tsan --skip-build \
    --filter "MetamorphicTests|DifferentialTests|GroupedInputTests|ChunkingTests|ColumnarFileTests|GeneratorTests|TransactionFolderTests|ShardTests|CloseTests|ExplainTests|PortalTests" \
    > "$log" 2>&1 || status=$?
if grep -q "WARNING: ThreadSanitizer" "$log"; then
    echo "tsan: ThreadSanitizer reported a problem; the first report (whole log: $log):"
    awk '/WARNING: ThreadSanitizer/{on=1} on{print} /^SUMMARY: ThreadSanitizer/{if(on) exit}' "$log"
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "tsan: the tests failed under ThreadSanitizer (exit $status); the end of $log:"
    tail -40 "$log"
    exit "$status"
fi
tail -3 "$log"
echo "tsan: no data race reported"
