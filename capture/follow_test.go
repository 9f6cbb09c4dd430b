package capture

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/decode/record"
)

// slowWriter hands each write to the file in two halves with a pause
// between, so the reader often finds half a record at the end.
type slowWriter struct {
	f     *os.File
	pause time.Duration
}

func (w slowWriter) Write(p []byte) (int, error) {
	h := len(p) / 2
	if _, err := w.f.Write(p[:h]); err != nil {
		return 0, err
	}
	time.Sleep(w.pause)
	if _, err := w.f.Write(p[h:]); err != nil {
		return h, err
	}
	return len(p), nil
}

type frameSink struct {
	mu     sync.Mutex
	frames []record.Frame
}

func (s *frameSink) add(f record.Frame) { s.mu.Lock(); s.frames = append(s.frames, f); s.mu.Unlock() }
func (s *frameSink) count() int         { s.mu.Lock(); defer s.mu.Unlock(); return len(s.frames) }

func waitCount(t *testing.T, s *frameSink, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s %d frames followed, want %d", s.count(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func followFrames() []record.Frame {
	t0 := time.Date(2026, 11, 26, 5, 30, 0, 0, time.UTC)
	var fs []record.Frame
	for i := 1; i <= 5; i++ {
		d := bytes.Repeat([]byte{byte(0x40 + i)}, 50+10*i)
		fs = append(fs, record.Frame{Number: i, Time: t0.Add(time.Duration(i) * time.Millisecond), LinkType: 1, Data: d, OrigLen: len(d)})
	}
	return fs
}

func checkFollowed(t *testing.T, got []record.Frame) {
	t.Helper()
	want := followFrames()
	if len(got) != len(want) {
		t.Fatalf("%d frames, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Number != w.Number || !g.Time.Equal(w.Time) || g.LinkType != 1 || !bytes.Equal(g.Data, w.Data) || g.OrigLen != w.OrigLen {
			t.Errorf("frame %d: got %+v", i+1, g)
		}
	}
}

func TestFollowPcapGrowingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.pcap")
	var sink frameSink
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Start following before the file exists, as when atmq is started
	// before tcpdump.
	go func() { done <- FollowPcap(ctx, path, FollowOptions{Poll: 5 * time.Millisecond}, sink.add) }()

	time.Sleep(50 * time.Millisecond)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriterNanos(slowWriter{f, 20 * time.Millisecond})
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, fr := range followFrames() {
		ci := gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: fr.OrigLen}
		if err := w.WritePacket(ci, fr.Data); err != nil {
			t.Fatal(err)
		}
		waitCount(t, &sink, i+1) // each frame is seen while the writer is still going
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("FollowPcap: %v", err)
	}
	checkFollowed(t, sink.frames)
}

func TestFollowPcapngFlushedMidRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ng, err := pcapgo.NewNgWriter(slowWriter{f, 20 * time.Millisecond}, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	var sink frameSink
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- FollowPcap(ctx, path, FollowOptions{Poll: 5 * time.Millisecond}, sink.add) }()
	for i, fr := range followFrames() {
		ci := gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: fr.OrigLen}
		if err := ng.WritePacket(ci, fr.Data); err != nil {
			t.Fatal(err)
		}
		if err := ng.Flush(); err != nil {
			t.Fatal(err)
		}
		waitCount(t, &sink, i+1)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("FollowPcap: %v", err)
	}
	checkFollowed(t, sink.frames)
}

func TestFollowPcapStopsWhileWaitingForHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.pcap")
	if err := os.WriteFile(path, []byte{0xd4, 0xc3}, 0o644); err != nil { // half a magic number
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := FollowPcap(ctx, path, FollowOptions{}, func(record.Frame) { t.Error("frame from an empty file") }); err != nil {
		t.Fatalf("got %v, want nil on cancel", err)
	}
}

func TestFollowPcapReportsRestartAndDamage(t *testing.T) {
	dir := t.TempDir()
	// A file that shrinks: the writer started over.
	path := filepath.Join(dir, "restart.pcap")
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	fr := followFrames()[0]
	w.WritePacket(gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: len(fr.Data)}, fr.Data)
	os.WriteFile(path, buf.Bytes(), 0o644)
	var sink frameSink
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- FollowPcap(ctx, path, FollowOptions{Poll: 5 * time.Millisecond}, sink.add) }()
	waitCount(t, &sink, 1)
	os.Truncate(path, 24)
	if err := <-done; err == nil || !strings.Contains(err.Error(), "frame 2") || !strings.Contains(err.Error(), "shrank") {
		t.Fatalf("got %v", err)
	}

	// A record claiming more bytes than the snap length allows.
	bad := append([]byte(nil), buf.Bytes()[:24]...)
	bad = append(bad, make([]byte, 16)...)
	bad[24+8], bad[24+9], bad[24+10], bad[24+11] = 0xff, 0xff, 0xff, 0x7f
	path2 := filepath.Join(dir, "bad.pcap")
	os.WriteFile(path2, bad, 0o644)
	if err := FollowPcap(ctx, path2, FollowOptions{}, sink.add); err == nil || !strings.Contains(err.Error(), "bad.pcap: frame 1") {
		t.Fatalf("got %v", err)
	}
}
