package cli

import (
	"io"
	"os"
	"testing"
)

// BenchmarkPacketsTable runs `atmq packets`' table view on
// $ATMQ_BENCH_PCAP (made by bench/gencap) with output discarded; compare
// with BenchmarkPacketsJSON.
func BenchmarkPacketsTable(b *testing.B) {
	path := os.Getenv("ATMQ_BENCH_PCAP")
	if path == "" {
		b.Skip("set ATMQ_BENCH_PCAP to a capture file")
	}
	for b.Loop() {
		if err := runPackets(packetsOptions{File: path}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
