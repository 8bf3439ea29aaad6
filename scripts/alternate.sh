#!/usr/bin/env bash
# Times builds of a command side by side, rotating which runs first every round, and prints each
# one's medians (wall, user, system seconds, minor page faults). For measurement only (issue 23).
#
#   scripts/alternate.sh ROUNDS "ARGUMENTS" BINARY...
#   scripts/alternate.sh 11 "validate data/medium" /tmp/rebate-before .build/release/rebate
#
# Why rotate: on the 2-core machines of this project, in plain A B A B pairs the run that goes first
# in each pair is the slower one for a memory-heavy command (the same binary on both sides: 1.08 wall,
# system time 0.69 s against 0.48 s, 11 pairs, 2026-11-30). Rotating the order spreads that over every
# build. Quote the medians as figures of one run of this script, never as bare times.
set -euo pipefail
if [ $# -lt 3 ]; then
    sed -n '2,6p' "$0" >&2
    exit 2
fi
rounds=$1
arguments=$2
shift 2
binaries=("$@")
count=${#binaries[@]}
times=$(mktemp -d)
trap 'rm -rf "$times"' EXIT
for round in $(seq "$rounds"); do
    for j in $(seq 0 $((count - 1))); do
        k=$(((round + j) % count))
        # Word splitting of the arguments is intended: they are one command line.
        # shellcheck disable=SC2086
        /usr/bin/time -f "%e %U %S %R" -a -o "$times/$k" "${binaries[$k]}" $arguments >/dev/null 2>&1 || {
            echo "alternate.sh: ${binaries[$k]} $arguments failed" >&2
            exit 1
        }
    done
done
for k in $(seq 0 $((count - 1))); do
    python3 - "$times/$k" "${binaries[$k]}" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l[:1].isdigit()]
wall, user, system, faults = (statistics.median(c) for c in zip(*rows))
print(f"{sys.argv[2]}: wall {wall:.3f} s, user {user:.3f} s, system {system:.3f} s, "
      f"minor faults {faults:.0f} (median of {len(rows)})")
PY
done
