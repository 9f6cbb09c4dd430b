package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/decode/record"
)

// readSerialFile parses a whole atmq-serial v1 file.
func readSerialFile(t *testing.T, path string) []record.SerialChunk {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []record.SerialChunk
	for n := 1; sc.Scan(); n++ {
		if n == 1 && sc.Text() != record.SerialRecordingHeader {
			t.Fatalf("%s: first line %q, want %q", path, sc.Text(), record.SerialRecordingHeader)
		}
		c, err := record.ParseSerialRecord(sc.Bytes(), n)
		if errors.Is(err, record.ErrNotRecord) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type ngFrame struct {
	data []byte
	ts   time.Time
	orig int
}

// readCapture reads every packet of a pcapng file.
func readCapture(t *testing.T, path string) ([]ngFrame, layers.LinkType) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []ngFrame
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: packet %d: %v", path, len(out)+1, err)
		}
		out = append(out, ngFrame{data, ci.Timestamp, ci.Length})
	}
	return out, r.LinkType()
}

func testFrames() []record.Frame {
	t0 := time.Date(2026, 11, 26, 5, 0, 0, 123456789, time.UTC)
	var fs []record.Frame
	for i := 1; i <= 3; i++ {
		data := bytes.Repeat([]byte{byte(i)}, 60+i)
		fs = append(fs, record.Frame{Number: i, Time: t0.Add(time.Duration(i) * time.Millisecond), LinkType: 1, Data: data, OrigLen: len(data) + i%2})
	}
	return fs
}

func testChunks() []record.SerialChunk {
	t0 := time.Date(2026, 11, 26, 5, 0, 0, 5, time.UTC)
	return []record.SerialChunk{
		{Time: t0, Dir: record.DirHostToModule, Data: []byte("AT+ECMTCONN=0,\"dev\"\r\n")},
		{Time: t0.Add(time.Millisecond), Dir: record.DirModuleToHost, Data: []byte("\r\nOK\r\n")},
		{Time: t0.Add(2 * time.Millisecond), Dir: record.DirModuleToHost, Data: []byte{0, 0xff, '\\', 0x1a, '\n'}},
	}
}

func TestSessionCloseLeavesReadableFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), DefaultSessionDir(time.Now()))
	start := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	s, err := NewSession(dir, SessionOptions{Start: start, Interface: "lo", Filter: DefaultFilter().String(),
		Serial: []SerialInfo{NewSerialInfo("proxy", SerialConfig{Port: "/dev/ttyUSB0"})}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range testChunks() {
		if err := s.SerialChunk(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range testFrames() {
		if err := s.Frame(f); err != nil {
			t.Fatal(err)
		}
	}
	// Close from several goroutines at once, as a signal handler and the
	// normal exit path may.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func(i int) { defer wg.Done(); errs[i] = s.Close() }(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if err := s.SerialChunk(testChunks()[0]); !errors.Is(err, ErrSessionClosed) {
		t.Errorf("write after Close: %v", err)
	}

	frames, lt := readCapture(t, filepath.Join(dir, CaptureFileName))
	if lt != layers.LinkTypeEthernet {
		t.Errorf("link type %v", lt)
	}
	want := testFrames()
	if len(frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for i, f := range frames {
		if !bytes.Equal(f.data, want[i].Data) || !f.ts.Equal(want[i].Time) || f.orig != want[i].OrigLen {
			t.Errorf("frame %d: got %d bytes at %v (orig %d), want %d at %v (orig %d)", i+1, len(f.data), f.ts, f.orig, len(want[i].Data), want[i].Time, want[i].OrigLen)
		}
	}
	chunks := readSerialFile(t, filepath.Join(dir, SerialFileName))
	wc := testChunks()
	if len(chunks) != len(wc) {
		t.Fatalf("%d chunks, want %d", len(chunks), len(wc))
	}
	for i, c := range chunks {
		if !c.Time.Equal(wc[i].Time) || c.Dir != wc[i].Dir || !bytes.Equal(c.Data, wc[i].Data) {
			t.Errorf("chunk %d: %+v, want %+v", i, c, wc[i])
		}
	}
	info, err := ReadSessionInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Start.Equal(start) || info.End == nil || info.Frames != 3 || info.Chunks != 3 || info.Interface != "lo" ||
		len(info.Serial) != 1 || info.Serial[0].Baud != DefaultBaud || info.Serial[0].Parity != "none" {
		t.Errorf("session.json: %+v", info)
	}
	if _, err := os.Stat(filepath.Join(dir, InfoFileName+".tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary session.json left behind: %v", err)
	}
}

func TestSessionFlushesWhileOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := NewSession(dir, SessionOptions{FlushInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range testChunks() {
		if err := s.SerialChunk(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range testFrames() {
		if err := s.Frame(f); err != nil {
			t.Fatal(err)
		}
	}
	// Another program reads the files while the session is open: both
	// must become complete without Close (poll up to 10 s: a bound for a loaded machine, not a speed claim).
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, chunks := 0, 0
		var readErr error
		if b, err := os.ReadFile(filepath.Join(dir, CaptureFileName)); err == nil {
			r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.DefaultNgReaderOptions)
			for err == nil {
				if _, _, err = r.ReadPacketData(); err == nil {
					frames++
				}
			}
			readErr = fmt.Errorf("%d bytes: %w", len(b), err)
		} else {
			readErr = err
		}
		if b, err := os.ReadFile(filepath.Join(dir, SerialFileName)); err == nil {
			for i, line := range bytes.Split(b, []byte("\n")) {
				if _, err := record.ParseSerialRecord(line, i+1); err == nil {
					chunks++
				}
			}
		}
		if frames == 3 && chunks == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the open session's files hold %d frames and %d chunks, want 3 and 3 (capture: %v)", frames, chunks, readErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSessionWithoutFramesHasEmptyCapture(t *testing.T) {
	dir := t.TempDir()
	s, err := NewSession(dir, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	frames, lt := readCapture(t, filepath.Join(dir, CaptureFileName))
	if len(frames) != 0 || lt != layers.LinkTypeEthernet {
		t.Errorf("%d frames, link type %v", len(frames), lt)
	}
	if chunks := readSerialFile(t, filepath.Join(dir, SerialFileName)); len(chunks) != 0 {
		t.Errorf("%d chunks", len(chunks))
	}
	if _, err := NewSession(dir, SessionOptions{}); err == nil {
		t.Error("a second session in the same folder was allowed")
	}
}

// TestSessionInfoCountsFollowFlushes: a session killed without Close
// (SIGKILL, power loss) leaves a session.json whose counts are those of
// the files as last flushed, not the zeros written at start.
func TestSessionInfoCountsFollowFlushes(t *testing.T) {
	dir := t.TempDir()
	s, err := NewSession(dir, SessionOptions{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range testChunks() {
		s.SerialChunk(c)
	}
	for _, f := range testFrames() {
		s.Frame(f)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	// Read the folder as it is now, as after a kill.
	info, err := ReadSessionInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	frames, _ := readCapture(t, filepath.Join(dir, CaptureFileName))
	chunks := readSerialFile(t, filepath.Join(dir, SerialFileName))
	if info.Frames != len(frames) || info.Chunks != len(chunks) || len(frames) != 3 || len(chunks) != 3 {
		t.Errorf("open session: session.json says %d frames, %d chunks; the files hold %d and %d (want 3 and 3)",
			info.Frames, info.Chunks, len(frames), len(chunks))
	}
	if info.End != nil {
		t.Errorf("open session: session.json has an end time %v", info.End)
	}
}

// TestSessionDiscard removes the session's files and the folder it made,
// but never a folder that was there before or anything else in it.
func TestSessionDiscard(t *testing.T) {
	made := filepath.Join(t.TempDir(), "new")
	s, err := NewSession(made, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("the folder the session made is still there (%v)", err)
	}
	if err := s.SerialChunk(testChunks()[0]); err != ErrSessionClosed {
		t.Errorf("write after Discard: %v, want ErrSessionClosed", err)
	}
	s.Close() // after Discard: no panic, nothing written

	mine := t.TempDir()
	os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("keep"), 0o644)
	s, err = NewSession(mine, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(mine)
	if len(entries) != 1 || entries[0].Name() != "notes.txt" {
		t.Errorf("the user's folder holds %v after Discard, want only notes.txt", entries)
	}
}
