package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	got := Line(50<<20, 200<<20, 1234567, 2*time.Second)
	want := "50.0 MB of 200.0 MB (25%), 1,234,567 frames, 25.0 MB/s, 6s left"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A pipe or file gets nothing, however long the read takes.
func TestSilentWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	r := Start(&buf, func() (int64, int64, int64) { return 1, 2, 3 })
	r.Stop()
	if buf.Len() != 0 || IsTerminal(&buf) {
		t.Errorf("printed %q to a buffer", buf.String())
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// On a terminal the line appears after the delay and is cleared at Stop.
func TestReportsAfterDelayAndClears(t *testing.T) {
	var buf syncBuf
	var mu sync.Mutex
	var read int64
	src := func() (int64, int64, int64) { mu.Lock(); defer mu.Unlock(); return read, 100 << 20, read / 100 }
	r := start(&buf, src, true, time.Millisecond, time.Millisecond)
	for !strings.Contains(buf.String(), "frames") {
		mu.Lock()
		read += 1 << 20
		mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	r.Stop()
	if out := buf.String(); !strings.HasSuffix(out, "\r\033[K") || !strings.Contains(out, "of 100.0 MB") {
		t.Errorf("output %q", out)
	}
	// A read that ends before the delay prints nothing.
	var quick syncBuf
	start(&quick, src, true, time.Hour, time.Millisecond).Stop()
	if quick.String() != "" {
		t.Errorf("quick read printed %q", quick.String())
	}
}
