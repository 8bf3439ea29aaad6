#!/usr/bin/env bash
# Side by side with DuckDB: the same SPEC accruals computed by `rebate accrue` and by DuckDB in SQL
# (scripts/peer_duckdb.py), on the same data-gen dataset, alternating runs, medians. Every DuckDB run
# is checked against ours: accruals.csv and settlements.csv must agree row for row, or this fails.
#
#   scripts/peer-duckdb.sh --install            # once: DuckDB 2.0.1 from PyPI into .venv-duckdb/
#   scripts/peer-duckdb.sh [--lines N] [--dataset DIR] [--as-of DATE] [--runs K] [--threads T]
#
# Defaults: 10 million lines (data-gen --preset medium, written to .peer-data/ once), as of
# 2026-08-20, 3 runs, 2 threads. A benchmark, not a test: `.ci/run` does not run it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-duckdb
lines=10000000
dataset=""
as_of=2026-08-20
runs=3
threads=2
while [ $# -gt 0 ]; do
    case "$1" in
    --install)
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet duckdb==2.0.1
        "$venv/bin/python" -c 'import duckdb; print("installed duckdb", duckdb.__version__)'
        exit 0
        ;;
    --lines) lines=$2; shift 2 ;;
    --dataset) dataset=$2; shift 2 ;;
    --as-of) as_of=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--install] [--lines N] [--dataset DIR] [--as-of DATE] [--runs K] [--threads T]" >&2; exit 64 ;;
    esac
done
if [ ! -x "$venv/bin/python" ]; then
    echo "DuckDB is not installed here: run $0 --install first" >&2
    exit 1
fi
swift build -c release --product rebate >/dev/null
swift build -c release --product data-gen >/dev/null
if [ -z "$dataset" ]; then
    dataset=.peer-data/lines-$lines
    [ -s "$dataset/transactions.csv" ] || .build/release/data-gen --out "$dataset" --lines "$lines"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The columnar copy, for our second row: a copy of the folder so the CSV runs read the CSV.
mkdir -p "$work/columnar"
cp "$dataset"/{partners.csv,products.csv,agreements.json,transactions.csv} "$work/columnar/"
.build/release/rebate import "$work/columnar" --quiet --threads "$threads"

now() { date +%s.%N; }
for run in $(seq "$runs"); do
    t0=$(now)
    .build/release/rebate accrue "$dataset" --csv --out "$work/ours" --as-of "$as_of" --threads "$threads" --quiet
    t1=$(now)
    .build/release/rebate accrue "$work/columnar" --out "$work/ours-rbc" --as-of "$as_of" --threads "$threads" --quiet
    t2=$(now)
    echo "{\"run\": $run, \"ours_csv\": $(awk "BEGIN{print $t1 - $t0}"), \"ours_rbc\": $(awk "BEGIN{print $t2 - $t1}")," \
        "\"ours_compute\": $(grep -o '"compute": [0-9]*' "$work/ours/summary.json" | grep -o '[0-9]*$')," \
        "\"duckdb\": $("$venv/bin/python" scripts/peer_duckdb.py "$dataset" --ours "$work/ours" --as-of "$as_of" \
            --threads "$threads" --out "$work/duck")}" >>"$work/runs.jsonl"
    tail -1 "$work/runs.jsonl"
done
python3 - "$work/runs.jsonl" "$dataset" "$threads" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda xs: statistics.median(xs)
bad = sum(r["duckdb"]["mismatches"] for r in runs)
ours_csv = med([r["ours_csv"] for r in runs])
ours_rbc = med([r["ours_rbc"] for r in runs])
ours_compute = med([r["ours_compute"] / 1e6 for r in runs])
duck_total = med([r["duckdb"]["total_s"] for r in runs])
duck_compute = med([r["duckdb"]["compute_s"] for r in runs])
duck_load = med([r["duckdb"]["load_s"] for r in runs])
print(f"\n{sys.argv[2]}, {sys.argv[3]} threads, {len(runs)} runs alternating, medians (seconds):")
print(f"  {'':38} {'ours':>8} {'DuckDB':>8} {'DuckDB/ours':>12}")
print(f"  {'whole run from CSV (load+compute+write)':38} {ours_csv:8.3f} {duck_total:8.3f} {duck_total/ours_csv:11.1f}x")
print(f"  {'whole run, ours from transactions.rbc':38} {ours_rbc:8.3f} {duck_total:8.3f} {duck_total/ours_rbc:11.1f}x")
print(f"  {'computation from loaded data':38} {ours_compute:8.3f} {duck_compute:8.3f} {duck_compute/ours_compute:11.1f}x")
print(f"  {'DuckDB load (CSV into tables)':38} {'':8} {duck_load:8.3f}")
print(f"  rows checked equal in every run: {'yes' if bad == 0 else 'NO, ' + str(bad) + ' differ'}")
sys.exit(1 if bad else 0)
EOF
