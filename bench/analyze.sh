#!/usr/bin/env bash
# Benchmark `atmq analyze` on broker-side captures (bench/gencap, 5,000
# concurrent clients): the fleet report of a capture alone at 1M and 4M
# frames (time should grow 4× at most, memory stay flat), the 4M frames as
# a 10-file tcpdump -C ring (same throughput), and a serial log analysed
# against the 1M-frame capture.
#
#   bench/analyze.sh [FRAMES] [CONNS]      (RUNS=3: runs per measurement)
#
# Needs Go; uses /usr/bin/time -v for CPU time and peak RSS when present.
# Each figure is the fastest of RUNS runs (peak RSS: the largest); on a
# busy machine compare CPU times.
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

"$work/gencap" -frames "$frames" -conns "$conns" -o "$work/1x.pcap"
"$work/gencap" -frames $((frames * 4)) -conns "$conns" -o "$work/4x.pcap"
mkdir "$work/ring"
"$work/gencap" -frames $((frames * 4)) -conns "$conns" -files 10 -o "$work/ring/ring.pcap"
du -sh "$work/1x.pcap" "$work/4x.pcap" "$work/ring"

measure "analyze --pcap (1x)" "$work/atmq" analyze --pcap "$work/1x.pcap"
measure "analyze --pcap --json (1x)" "$work/atmq" analyze --json --pcap "$work/1x.pcap"
measure "analyze --pcap (4x)" "$work/atmq" analyze --pcap "$work/4x.pcap"
measure "analyze --pcap ring/ (4x, 10 files)" "$work/atmq" analyze --pcap "$work/ring"
measure "packets --json (1x, reference)" "$work/atmq" packets --json "$work/1x.pcap"
# A serial log whose connect names a client id, and one that names none
# (its open failed): both against the whole broker capture.
measure "analyze --serial (client id) (1x)" "$work/atmq" analyze --serial pcaps/ecmt-healthy-qos012/serial.atmq --pcap "$work/1x.pcap"
measure "analyze --serial (no client id) (1x)" "$work/atmq" analyze --serial decode/at/testdata/atlogs/01_bg96_qmtopen_-1_aws_tls.txt --pcap "$work/1x.pcap"
