package capture

import (
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
	"golang.org/x/net/bpf"
)

// BenchmarkSessionFrame measures recording one 600-byte frame.
func BenchmarkSessionFrame(b *testing.B) {
	s, err := NewSession(b.TempDir(), SessionOptions{LinkType: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f := record.Frame{Time: time.Now(), LinkType: 1, Data: make([]byte, 600), OrigLen: 600}
	b.SetBytes(600)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Number = i + 1
		if err := s.Frame(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionSerialChunk measures recording one typical AT line.
func BenchmarkSessionSerialChunk(b *testing.B) {
	s, err := NewSession(b.TempDir(), SessionOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := record.SerialChunk{Time: time.Now(), Dir: record.DirModuleToHost, Data: []byte("\r\n+ECMTRECV: 0,0,\"devices/1/cmd\",{\"on\":true}\r\n")}
	b.SetBytes(int64(len(c.Data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := s.SerialChunk(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterUserSpace measures the user-space re-check of a frame.
func BenchmarkFilterUserSpace(b *testing.B) {
	prog, err := DefaultFilter().compile(framingEthernet, false)
	if err != nil {
		b.Fatal(err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		b.Fatal(err)
	}
	pkt := packet(b, true, false, "tcp", 40000, 1883, 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if n, _ := vm.Run(pkt); n == 0 {
			b.Fatal("no match")
		}
	}
}
