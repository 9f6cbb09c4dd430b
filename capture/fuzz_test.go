package capture

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/record"
)

func FuzzParseScript(f *testing.F) {
	f.Add([]byte("AT\n@timeout 1s\nAT+ECMTCONN=0,\"a\"\n@wait +ECMTCONN: 0,0 2s\n"))
	f.Add([]byte("AT+QMTPUB=0,1,1,0,\"t\"\n@data {\"a\":1}\\x1a\n@eol crlf\n@onerror continue\n@nowait\nAT+ECMTOPEN=0,\"h\",1\n"))
	f.Add([]byte("@sleep 1h\n@urc-timeout 0s\n# c\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseScript(bytes.NewReader(b), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz line ") {
				t.Fatalf("error does not name the line: %v", err)
			}
			return
		}
		for _, st := range s.Steps {
			if st.Line < 1 || st.Timeout < 0 {
				t.Fatalf("bad step %+v", st)
			}
			if st.Kind == StepData && len(st.Data) > len(b) {
				t.Fatalf("@data grew: %d bytes from %d", len(st.Data), len(b))
			}
		}
	})
}

// FuzzModuleLines feeds arbitrary module output in two pieces: lines
// stay bounded and no byte makes the splitter panic.
func FuzzModuleLines(f *testing.F) {
	f.Add([]byte("\r\nOK\r\n\r\n> "), 3)
	f.Add([]byte("\r\n+ECMTCONN: 0,0,5\r\n"), 0)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		m := &moduleLines{notify: make(chan struct{}, 1)}
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		m.feed(b[:cut])
		m.feed(b[cut:])
		total := 0
		for _, l := range m.lines {
			if l == "" || len(l) > maxPendingLine {
				t.Fatalf("bad line of %d bytes", len(l))
			}
			total += len(l)
		}
		if total+len(m.pending) > len(b) {
			t.Fatalf("%d bytes out of %d in", total+len(m.pending), len(b))
		}
	})
}

// FuzzFollowPcap reads arbitrary bytes as a finished capture file: it
// must end (the context is already cancelled, so EOF ends it) without
// panicking, and every frame must fit the input.
func FuzzFollowPcap(f *testing.F) {
	for _, name := range []string{"seed.pcap", "seed.pcapng"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "in.cap")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		FollowPcap(ctx, path, FollowOptions{}, func(fr record.Frame) {
			if len(fr.Data) > len(b) || fr.Number < 1 {
				t.Fatalf("frame %d of %d bytes from %d input bytes", fr.Number, len(fr.Data), len(b))
			}
		})
	})
}
