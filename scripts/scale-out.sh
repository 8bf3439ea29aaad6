#!/usr/bin/env bash
# Runs a dataset as shards on one machine with `xargs -P`: split, one `rebate accrue` (or
# `rebate close`) per shard, at most PARALLEL at once, then merge. The same three steps that a
# Kubernetes Indexed Job or a Slurm job array runs across machines (docs/scale-out.md).
#
#   scripts/scale-out.sh DATASET OUT SHARDS [PARALLEL] [-- accrue options, e.g. --as-of 2026-06-30]
#   scripts/scale-out.sh DATASET OUT SHARDS [PARALLEL] -- close --month 2026-06 [--ledger FILE]
#
# Writes OUT/split (the shards, rejects.csv, split.json), OUT/runs/shard-K (each shard's outputs)
# and OUT/merged (what one run over the whole dataset writes). REBATE names the binary (default:
# .build/release/rebate). Exits non-zero when a step fails.
set -euo pipefail
if [ $# -lt 3 ]; then
    sed -n '2,11p' "$0"
    exit 64
fi
dataset=$1 out=$2 shards=$3
shift 3
parallel=2
if [ $# -gt 0 ] && [ "$1" != "--" ]; then parallel=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
job=accrue
if [ $# -gt 0 ] && [ "$1" = "close" ]; then job=close; shift; fi
here=$(cd "$(dirname "$0")/.." && pwd)
export REBATE=${REBATE:-$here/.build/release/rebate}
[ -x "$REBATE" ] || { echo "scale-out: no $REBATE: run 'swift build -c release' or set REBATE" >&2; exit 64; }

# --ledger goes to split, which hands each shard the rows of its agreements.
ledger=()
args=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--ledger" ]; then ledger=(--ledger "$2"); shift 2; else args+=("$1"); shift; fi
done

"$REBATE" split "$dataset" --shards "$shards" --out "$out/split" ${ledger[@]+"${ledger[@]}"} \
    --max-rejects 1000000000 --quiet
mkdir -p "$out/runs"
export OUT=$out JOB=$job
# One task a shard index, as a scheduler hands them out; a shard's ledger is its own ledger.csv.
seq 0 $((shards - 1)) | xargs -P "$parallel" -I{} sh -c '
    shard="$OUT/split/shard-$1"; shift
    set -- "$@" --out "$OUT/runs/$(basename "$shard")" --quiet
    [ -f "$shard/ledger.csv" ] && set -- "$@" --ledger "$shard/ledger.csv"
    exec "$REBATE" "$JOB" "$shard" "$@"
' sh {} ${args[@]+"${args[@]}"}
"$REBATE" merge "$out"/runs/shard-* --out "$out/merged" --quiet
echo "scale-out: $shards shards of $dataset merged into $out/merged"
