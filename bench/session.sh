#!/usr/bin/env bash
# Benchmark the incremental correlation session (correlate.Session):
#
#  1. `atmq analyze --serial LOG --json` on synthetic atmq-serial logs
#     (bench/genatmq: an ECMT module publishing at QoS 1) of 1 and 5
#     million lines: wall and CPU time and peak RSS, which must stay flat
#     as the log grows (the session settles what lies behind its bound).
#  2. BenchmarkSessionLongLog: the same through the Session API on a
#     5-million-line log streamed through a pipe: CPU per line, peak RSS.
#  3. BenchmarkSessionLive: a live session of LENGTH (default 2h) played
#     through the Session API as `atmq live` drives it (a module
#     publishing 20 messages/s, 20 other clients publishing 40/s on the
#     broker, a result every 0.5 s): CPU per update in the first and the
#     last ten minutes, and peak RSS.
#
#   bench/session.sh [LENGTH]        (LINES="1000000 5000000" to change the logs)
#
# Needs Go; /usr/bin/time -v for CPU time and peak RSS of analyze.
set -euo pipefail
cd "$(dirname "$0")/.."

length=${1:-2h}
lines=${LINES:-"1000000 5000000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/atmq" ./cmd/atmq
go build -o "$work/genatmq" ./bench/genatmq

for n in $lines; do
	"$work/genatmq" "$n" >"$work/serial.atmq"
	size=$(du -m "$work/serial.atmq" | cut -f1)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$work/atmq" analyze --serial "$work/serial.atmq" --json >/dev/null 2>"$work/time.txt" || true
		awk -F': ' -v n="$n" -v size="$size" '
			/Elapsed \(wall clock\)/ { k = split($2, p, ":"); w = 0; for (i = 1; i <= k; i++) w = w * 60 + p[i] }
			/User time/ { c += $2 } /System time/ { c += $2 }
			/Maximum resident set size/ { r = $2 }
			END { printf "analyze --serial, %9d lines (%4d MB): wall %6.2fs  CPU %6.2fs  peak RSS %6.1f MB\n", n, size, w, c, r / 1024 }' "$work/time.txt"
	else
		start=$(date +%s.%N)
		"$work/atmq" analyze --serial "$work/serial.atmq" --json >/dev/null || true
		end=$(date +%s.%N)
		awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "analyze --serial, %d lines: wall %.2fs (no /usr/bin/time: no CPU time or RSS)\n", n, e - s }'
	fi
done
rm -f "$work/serial.atmq"

go test -c -o "$work/correlate.test" ./correlate
(cd correlate && "$work/correlate.test" -test.run XXX -test.bench 'BenchmarkSessionLongLog$' -test.benchtime 1x -session.lines 5000000) |
	grep -E 'Benchmark|ok|FAIL'
(cd correlate && "$work/correlate.test" -test.run XXX -test.bench 'BenchmarkSessionLive$' -test.benchtime 1x -session.length "$length") |
	grep -E 'Benchmark|ok|FAIL'
