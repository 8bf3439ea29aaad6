#!/usr/bin/env bash
# Checks scripts/scale-out.sh (the xargs -P form of docs/scale-out.md) end to end: a generated
# dataset with buying groups and bad lines, run whole and as 3 shards two at a time, for accrue
# and for close with a ledger; the merged CSVs must equal the whole run's byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
[ -x $bin/rebate ] && [ -x $bin/data-gen ] || swift build -c release --product rebate >/dev/null
[ -x $bin/data-gen ] || swift build -c release --product data-gen >/dev/null
export REBATE=$PWD/$bin/rebate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$bin/data-gen --lines 60000 --partners 80 --seed 8 --bad-lines 0.002 --out "$work/data" >/dev/null

"$REBATE" accrue "$work/data" --out "$work/whole" --as-of 2026-09-30 --max-rejects 1000 --quiet
scripts/scale-out.sh "$work/data" "$work/sharded" 3 2 -- --as-of 2026-09-30
for f in accruals settlements statements anomalies; do cmp "$work/whole/$f.csv" "$work/sharded/merged/$f.csv"; done

"$REBATE" close "$work/data" --month 2026-06 --out "$work/june" --max-rejects 1000 --quiet
"$REBATE" close "$work/data" --month 2026-09 --ledger "$work/june/ledger.csv" --out "$work/close" --max-rejects 1000 --quiet
scripts/scale-out.sh "$work/data" "$work/closed" 3 2 -- close --month 2026-09 --ledger "$work/june/ledger.csv"
for f in accruals settlements statements anomalies journal payments ledger; do
    cmp "$work/close/$f.csv" "$work/closed/merged/$f.csv"
done
echo "scale-out check: 3 shards, xargs -P 2: accrue and close merged byte for byte"
