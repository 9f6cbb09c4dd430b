//go:build linux

package capture

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// followUntil runs FollowPcap on path in the background; stop cancels it
// and fails the test unless it returns nil within 5 s.
func followUntil(t *testing.T, path string, sink *frameSink) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- FollowPcap(ctx, path, FollowOptions{Poll: 20 * time.Millisecond}, sink.add) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("FollowPcap: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("FollowPcap did not return 5 s after cancel")
		}
	}
}

// TestFollowPcapFIFO follows a named pipe (tcpdump -w FIFO): cancelling
// works before any writer has opened it and while the writer is idle, and
// the frames written are read (a pipe's size of 0 is no "shrink").
func TestFollowPcapFIFO(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed.pcap") // 9 frames
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "cap.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// No writer ever comes.
	stop := followUntil(t, fifo, &frameSink{})
	time.Sleep(100 * time.Millisecond)
	stop()

	// A writer sends a capture and stays open, idle.
	sink := &frameSink{}
	stop = followUntil(t, fifo, sink)
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write(seed); err != nil {
		t.Fatal(err)
	}
	waitCount(t, sink, 9)
	stop()
}
