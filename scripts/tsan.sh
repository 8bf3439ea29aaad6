#!/usr/bin/env bash
# Runs the parallel parts of RebateEngine under ThreadSanitizer: the engine,
# the parallel CSV reader (one file and a folder), the columnar file, split and
# merge, the close, explain and the portal, at several thread counts.
#   scripts/tsan.sh            the whole output also goes to .build-tsan/tsan.log
# On any failure it prints, in full, every ThreadSanitizer report (both stacks) and then the whole
# log, so CI's output keeps the report even when the clone it ran in is gone.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
mkdir -p .build-tsan
log=.build-tsan/tsan.log
swift build --sanitize=thread --scratch-path .build-tsan --build-tests > "$log.build" 2>&1 || {
    echo "tsan: the ThreadSanitizer build failed:"
    cat "$log.build"
    exit 1
}
status=0
swift test --sanitize=thread --scratch-path .build-tsan --skip-build \
    --filter "MetamorphicTests|DifferentialTests|GroupedInputTests|ChunkingTests|ColumnarFileTests|GeneratorTests|TransactionFolderTests|ShardTests|CloseTests|ExplainTests|PortalTests" \
    > "$log" 2>&1 || status=$?
if grep -q "WARNING: ThreadSanitizer" "$log"; then
    echo "tsan: ThreadSanitizer reported a problem; every report, whole:"
    awk '/WARNING: ThreadSanitizer/{on=1} on{print} /^SUMMARY: ThreadSanitizer/{on=0; print "----"}' "$log"
    echo "tsan: the whole log:"
    cat "$log"
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "tsan: the tests failed under ThreadSanitizer (exit $status); the whole log:"
    cat "$log"
    exit "$status"
fi
grep -E "Test run with [0-9]+ tests" "$log" || true
echo "tsan: no data race reported"
