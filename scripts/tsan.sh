#!/usr/bin/env bash
# Runs the parallel parts of RebateEngine under ThreadSanitizer: the engine,
# the parallel CSV reader (one file and a folder), the columnar file, split and
# merge, and the close, at several thread counts.
#   scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
swift build --sanitize=thread --scratch-path .build-tsan --build-tests 2>&1 | tail -1
swift test --sanitize=thread --scratch-path .build-tsan --skip-build \
    --filter "MetamorphicTests|DifferentialTests|GroupedInputTests|ChunkingTests|ColumnarFileTests|GeneratorTests|TransactionFolderTests|ShardTests|CloseTests" 2>&1 | tail -3
echo "tsan: no data race reported"
