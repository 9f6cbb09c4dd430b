#!/usr/bin/env bash
# Benchmark `atmq packets --json` and its table view against tshark on synthetic broker-side
# captures (bench/gencap): a full-size one (default 1,000,000 frames, 5,000
# concurrent client connections) and a half-size one, to show that memory
# stays flat as the capture grows.
#
#   bench/packets.sh [FRAMES] [CONNS]      (RUNS=3: runs per measurement)
#
# Needs Go; uses /usr/bin/time -v for CPU time and peak RSS when present
# (else wall time only); runs tshark only if it is installed. Each figure
# is the fastest of RUNS runs (peak RSS: the largest); on a busy machine
# compare CPU times, as wall time then depends on the neighbours.
set -euo pipefail
cd "$(dirname "$0")/.."

frames=${1:-1000000}
conns=${2:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/atmq" ./cmd/atmq
go build -o "$work/gencap" ./bench/gencap

# shellcheck source=bench/measure.sh
. bench/measure.sh

for size in half full; do
	n=$frames
	[ "$size" = half ] && n=$((frames / 2))
	"$work/gencap" -frames "$n" -conns "$conns" -o "$work/$size.pcap"
	ls -l "$work/$size.pcap" | awk '{printf "%s: %.1f MB\n", $NF, $5/1048576}'
	measure "atmq packets --json ($size)" "$work/atmq" packets --json "$work/$size.pcap"
	measure "atmq packets, table ($size)" "$work/atmq" packets "$work/$size.pcap"
	if command -v tshark >/dev/null 2>&1; then
		measure "tshark -Y mqtt -T fields ($size)" tshark -r "$work/$size.pcap" -Y mqtt -T fields -e frame.number -e mqtt.msgtype
	fi
done
