#!/usr/bin/env bash
# Benchmark `atmq at` (--json and the table) on synthetic serial logs
# (bench/genlog: a busy ECMT module, tio-style stamps, about 58 bytes a
# line): a full-size one (default 1,000,000 lines) and a half-size one, to
# show that memory stays flat as the log grows; `grep -c` reads the same
# file as a floor.
#
#   bench/at.sh [LINES]      (RUNS=3: runs per measurement)
#
# Needs Go; uses /usr/bin/time -v for CPU time and peak RSS when present
# (else wall time only). Each figure is the fastest of RUNS runs (peak RSS:
# the largest); on a busy machine compare CPU times, as wall time then
# depends on the neighbours.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/atmq" ./cmd/atmq
go build -o "$work/genlog" ./bench/genlog

# measure LABEL CMD…: runs CMD $runs times with stdout to /dev/null and
# prints the fastest run's wall and CPU time and the largest peak RSS.
runs=${RUNS:-3}
measure() {
	local label=$1
	shift
	if [ ! -x /usr/bin/time ]; then
		local best=
		for _ in $(seq "$runs"); do
			local start end
			start=$(date +%s.%N)
			"$@" >/dev/null
			end=$(date +%s.%N)
			best=$(awk -v s="$start" -v e="$end" -v b="$best" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
		done
		awk -v l="$label" -v b="$best" 'BEGIN { printf "%-34s wall %7.2fs   (no /usr/bin/time: no CPU time or RSS)\n", l, b }'
		return
	fi
	: >"$work/runs.txt"
	for _ in $(seq "$runs"); do
		/usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || { cat "$work/time.txt" >&2; return 1; }
		# wall seconds, cpu seconds, RSS kB
		awk -F': ' '
			/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
			/User time/ { c += $2 } /System time/ { c += $2 }
			/Maximum resident set size/ { r = $2 }
			END { print w, c, r }' "$work/time.txt" >>"$work/runs.txt"
	done
	sort -n "$work/runs.txt" | awk -v l="$label" -v n="$runs" '
		NR == 1 { w = $1; c = $2 } { if ($3 > r) r = $3 }
		END { printf "%-34s wall %7.2fs   cpu %7.2fs   peak RSS %7.1f MB   (best of %d)\n", l, w, c, r / 1024, n }'
}

for size in half full; do
	n=$lines
	[ "$size" = half ] && n=$((lines / 2))
	"$work/genlog" -lines "$n" -o "$work/$size.log"
	ls -l "$work/$size.log" | awk '{printf "%s: %.1f MB\n", $NF, $5/1048576}'
	measure "atmq at --json ($size)" "$work/atmq" at --json "$work/$size.log"
	measure "atmq at, table ($size)" "$work/atmq" at "$work/$size.log"
	measure "grep -c AT+ ($size)" grep -c AT+ "$work/$size.log"
done
