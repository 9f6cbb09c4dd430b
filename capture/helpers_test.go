package capture

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/rawpty"
)

// fakeUART is a pseudo-terminal standing in for a USB-UART adapter: the
// code under test opens Path with go.bug.st/serial like a real port and
// the test plays the far end through Far.
type fakeUART struct {
	Far  *os.File // master side: what the module (or host) sends and receives
	Path string   // slave side: /dev/pts/N
	// tty is our own slave descriptor: while it is open, reading Far
	// waits for data instead of failing with EIO before the code under
	// test has opened Path.
	tty *os.File
}

func newFakeUART(t *testing.T) *fakeUART {
	t.Helper()
	p, err := rawpty.Open()
	if err != nil {
		t.Fatalf("pseudo-terminal: %v", err)
	}
	u := &fakeUART{Far: p.Master, Path: p.Path, tty: p.TTY}
	t.Cleanup(u.unplug)
	return u
}

// unplug makes the device go away as pulling a USB adapter does: the
// code under test sees a hang-up and the /dev/pts node disappears once
// it closes its descriptor.
func (u *fakeUART) unplug() {
	u.Far.Close()
	u.tty.Close()
}

// collector gathers what a source emits.
type collector struct {
	mu      sync.Mutex
	chunks  []record.SerialChunk
	statues []Status
	changed chan struct{}
}

func newCollector() *collector { return &collector{changed: make(chan struct{}, 1)} }

func (c *collector) sink() SerialSink {
	return SerialSink{
		Chunk: func(ch record.SerialChunk) {
			c.mu.Lock()
			c.chunks = append(c.chunks, ch)
			c.mu.Unlock()
			c.poke()
		},
		Status: func(s Status) {
			c.mu.Lock()
			c.statues = append(c.statues, s)
			c.mu.Unlock()
			c.poke()
		},
	}
}

func (c *collector) poke() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// joined concatenates the bytes seen in direction dir.
func (c *collector) joined(dir record.Direction) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b []byte
	for _, ch := range c.chunks {
		if ch.Dir == dir {
			b = append(b, ch.Data...)
		}
	}
	return b
}

func (c *collector) snapshot() ([]record.SerialChunk, []Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]record.SerialChunk(nil), c.chunks...), append([]Status(nil), c.statues...)
}

// waitFor polls cond until it holds or 5 s pass.
func (c *collector) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// A bound for a hang, not a timing: a flood through a pty under the
	// race detector on a busy machine takes seconds.
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-c.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (c *collector) waitBytes(t *testing.T, dir record.Direction, want []byte) {
	t.Helper()
	c.waitFor(t, dir.String()+" bytes "+string(want), func() bool { return bytes.Equal(c.joined(dir), want) })
}

func (c *collector) waitStatus(t *testing.T, kind StatusKind) Status {
	t.Helper()
	var found Status
	c.waitFor(t, "status "+kind.String(), func() bool {
		_, st := c.snapshot()
		for _, s := range st {
			if s.Kind == kind {
				found = s
				return true
			}
		}
		return false
	})
	return found
}

// readUntil reads f until it has len(want) bytes or 5 s pass.
func readN(t *testing.T, f *os.File, n int) []byte {
	t.Helper()
	f.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 0, n)
	tmp := make([]byte, 4096)
	for len(buf) < n {
		k, err := f.Read(tmp)
		buf = append(buf, tmp[:k]...)
		if err != nil {
			t.Fatalf("read %s: got %q, then %v", f.Name(), buf, err)
		}
	}
	return buf
}

func mustWrite(t *testing.T, f *os.File, s string) {
	t.Helper()
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatalf("write %s: %v", f.Name(), err)
	}
}
