package netcap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// timedPcap writes Ethernet frames with the given capture times.
func timedPcap(t *testing.T, frames [][]byte, times []time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: times[i], CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func secondsFrom(start, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = captureTime(start + i)
	}
	return out
}

func decodeMulti(t *testing.T, paths []string) ([]Record, error) {
	t.Helper()
	m, err := OpenCaptures(paths)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var rs []Record
	_, err = Decode(m, Options{}, func(r Record) { rs = append(rs, r) })
	return rs, err
}

// A tcpdump -C ring: one connection runs from the first file into the
// second, and the files are given out of order.
func TestMultiReaderRingContinuesConnection(t *testing.T) {
	frames := session(newFlow("10.0.0.5:40001", "10.0.0.1:1883"))
	dir := t.TempDir()
	first := filepath.Join(dir, "ring.pcap0")
	second := filepath.Join(dir, "ring.pcap1")
	if err := os.WriteFile(first, timedPcap(t, frames[:4], secondsFrom(0, 4)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, timedPcap(t, frames[4:], secondsFrom(4, len(frames)-4)), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := decodeMulti(t, []string{second, first})
	if err != nil {
		t.Fatal(err)
	}
	ps := packets(rs)
	if len(ps) != 3 {
		t.Fatalf("want CONNECT, CONNACK, PUBLISH, got %d packets", len(ps))
	}
	for i, want := range []int{4, 5, 6} {
		if ps[i].Conn != 1 || ps[i].Frame != want {
			t.Errorf("packet %d: conn %d frame %d, want conn 1 frame %d", i, ps[i].Conn, ps[i].Frame, want)
		}
	}
	if ps[0].Packet.ClientID != "dev-1" || ps[1].Midstream {
		t.Errorf("the connection did not continue across the files: %+v", ps[1])
	}
}

// One capture per broker node: two files covering the same time are
// merged frame by frame in time order.
func TestMultiReaderMergesSideBySide(t *testing.T) {
	a := session(newFlow("10.0.0.5:40001", "10.0.0.1:1883"))
	b := session(newFlow("10.0.0.6:40002", "10.0.0.2:1883"))
	var ta, tb []time.Time
	for i := range a {
		ta = append(ta, captureTime(2*i))
	}
	for i := range b {
		tb = append(tb, captureTime(2*i+1))
	}
	pa := writeTemp(t, "node-a.pcap", timedPcap(t, a, ta))
	pb := writeTemp(t, "node-b.pcap", timedPcap(t, b, tb))
	rs, err := decodeMulti(t, []string{pa, pb})
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	lastFrame := 0
	for _, r := range rs {
		if r.Time.Before(last) || r.Frame < lastFrame {
			t.Fatalf("record out of order: frame %d at %v after frame %d at %v", r.Frame, r.Time, lastFrame, last)
		}
		last, lastFrame = r.Time, r.Frame
	}
	ps := packets(rs)
	if len(ps) != 6 {
		t.Fatalf("want 6 packets, got %d", len(ps))
	}
	// Frames alternate between the nodes: A's CONNECT is its frame 4,
	// merged frame 7; B's is merged frame 8.
	if ps[0].Frame != 7 || ps[0].Conn != 1 || ps[1].Frame != 8 || ps[1].Conn != 2 {
		t.Errorf("merged numbering: %d/%d then %d/%d, want frame 7 conn 1, frame 8 conn 2", ps[0].Frame, ps[0].Conn, ps[1].Frame, ps[1].Conn)
	}
}

// A file damaged in the middle of a ring: the rest is read, and the
// damage is returned at the end naming the file.
func TestMultiReaderDamagedFileInRing(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		f := newFlow("10.0.0.5:4000"+string(rune('1'+i)), "10.0.0.1:1883")
		b := timedPcap(t, session(f), secondsFrom(10*i, 8))
		if i == 1 {
			b = b[:len(b)-10]
		}
		p := filepath.Join(dir, "ring.pcap"+string(rune('0'+i)))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	rs, err := decodeMulti(t, paths)
	var damaged *DamagedError
	if !errors.As(err, &damaged) || damaged.File != paths[1] || damaged.Frame != 8 {
		t.Fatalf("want the damage of %s frame 8, got %v", paths[1], err)
	}
	conns := map[int]bool{}
	for _, r := range packets(rs) {
		conns[r.Conn] = true
	}
	if len(conns) != 3 {
		t.Errorf("want packets of all three files' connections, got %v", conns)
	}
}

func TestExpandCapturePaths(t *testing.T) {
	dir := t.TempDir()
	pcap := timedPcap(t, session(newFlow("10.0.0.5:40001", "10.0.0.1:1883")), secondsFrom(0, 8))
	for _, name := range []string{"cap.pcap0", "cap.pcap1", "other.bin"} {
		if err := os.WriteFile(filepath.Join(dir, name), pcap, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ExpandCapturePaths([]string{dir})
	if err != nil || len(got) != 3 {
		t.Fatalf("directory: %v, %v: want the three capture files", got, err)
	}
	got, err = ExpandCapturePaths([]string{filepath.Join(dir, "cap.pcap*"), filepath.Join(dir, "cap.pcap0")})
	if err != nil || len(got) != 2 {
		t.Fatalf("glob: %v, %v: want cap.pcap0 and cap.pcap1 once each", got, err)
	}
	if _, err := ExpandCapturePaths([]string{filepath.Join(dir, "none*.pcap")}); err == nil {
		t.Error("a glob matching nothing must be an error")
	}
	if _, err := ExpandCapturePaths([]string{filepath.Join(dir, "missing.pcap")}); err == nil {
		t.Error("a missing file must be an error")
	}
	empty := t.TempDir()
	if _, err := ExpandCapturePaths([]string{empty}); err == nil {
		t.Error("a directory without captures must be an error")
	}
}
