#!/usr/bin/env bash
# Benchmark `atmq packets --json` against tshark on synthetic broker-side
# captures (bench/gencap): a full-size one (default 1,000,000 frames, 5,000
# concurrent client connections) and a half-size one, to show that memory
# stays flat as the capture grows.
#
#   bench/packets.sh [FRAMES] [CONNS]
#
# Needs Go; uses /usr/bin/time -v for CPU time and peak RSS when present
# (else wall time only); runs tshark only if it is installed. On a busy
# machine compare CPU times: wall time then depends on the neighbours.
set -euo pipefail
cd "$(dirname "$0")/.."

frames=${1:-1000000}
conns=${2:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/atmq" ./cmd/atmq
go build -o "$work/gencap" ./bench/gencap

# measure LABEL CMD…: runs CMD with stdout to /dev/null, prints wall time
# and peak RSS.
measure() {
	local label=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || { cat "$work/time.txt" >&2; return 1; }
		local wall rss user sys
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
		user=$(sed -n 's/.*User time (seconds): //p' "$work/time.txt")
		sys=$(sed -n 's/.*System time (seconds): //p' "$work/time.txt")
		awk -v l="$label" -v w="$wall" -v r="$rss" -v u="$user" -v s="$sys" \
			'BEGIN { printf "%-34s wall %10s   cpu %7.2fs   peak RSS %7.1f MB\n", l, w, u + s, r / 1024 }'
	else
		local start end
		start=$(date +%s.%N)
		"$@" >/dev/null
		end=$(date +%s.%N)
		awk -v l="$label" -v s="$start" -v e="$end" 'BEGIN { printf "%-34s wall %9.2fs   peak RSS (no /usr/bin/time)\n", l, e - s }'
	fi
}

for size in half full; do
	n=$frames
	[ "$size" = half ] && n=$((frames / 2))
	"$work/gencap" -frames "$n" -conns "$conns" -o "$work/$size.pcap"
	ls -l "$work/$size.pcap" | awk '{printf "%s: %.1f MB\n", $NF, $5/1048576}'
	measure "atmq packets --json ($size)" "$work/atmq" packets --json "$work/$size.pcap"
	if command -v tshark >/dev/null 2>&1; then
		measure "tshark -Y mqtt -T fields ($size)" tshark -r "$work/$size.pcap" -Y mqtt -T fields -e frame.number -e mqtt.msgtype
	fi
done
