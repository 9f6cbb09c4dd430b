package capture

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

func TestTapRecordsBothDirectionsInOrder(t *testing.T) {
	moduleTX, hostTX := newFakeUART(t), newFakeUART(t)
	col := newCollector()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- RunTap(ctx, SerialConfig{Port: moduleTX.Path}, &SerialConfig{Port: hostTX.Path, Baud: 9600}, col.sink(), TapOptions{})
	}()

	// A conversation: each side speaks only after hearing the other, so
	// the recorded order is known.
	steps := []struct {
		far  *fakeUART
		dir  record.Direction
		text string
	}{
		{hostTX, record.DirHostToModule, "AT+ECMTOPEN=0,\"127.0.0.1\",1883\r\n"},
		{moduleTX, record.DirModuleToHost, "\r\nOK\r\n"},
		{moduleTX, record.DirModuleToHost, "\r\n+ECMTOPEN: 0,0\r\n"},
		{hostTX, record.DirHostToModule, "AT+ECMTCONN=0,\"dev1\"\r\n"},
		{moduleTX, record.DirModuleToHost, "\r\nOK\r\n\r\n+ECMTCONN: 0,0,5\r\n"},
	}
	want := map[record.Direction]string{}
	for _, s := range steps {
		mustWrite(t, s.far.Far, s.text)
		want[s.dir] += s.text
		col.waitBytes(t, s.dir, []byte(want[s.dir]))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunTap: %v", err)
	}

	chunks, _ := col.snapshot()
	// Merge runs of one direction: a line may arrive in several reads.
	var runs []record.Direction
	for i, c := range chunks {
		if c.Time.IsZero() {
			t.Errorf("chunk %d has no time", i)
		}
		if i > 0 && c.Time.Before(chunks[i-1].Time) {
			t.Errorf("chunk %d stamped %v before chunk %d (%v)", i, c.Time, i-1, chunks[i-1].Time)
		}
		if len(runs) == 0 || runs[len(runs)-1] != c.Dir {
			runs = append(runs, c.Dir)
		}
	}
	wantRuns := []record.Direction{record.DirHostToModule, record.DirModuleToHost, record.DirHostToModule, record.DirModuleToHost}
	if len(runs) != len(wantRuns) {
		t.Fatalf("direction runs %v, want %v", runs, wantRuns)
	}
	for i := range runs {
		if runs[i] != wantRuns[i] {
			t.Fatalf("direction runs %v, want %v", runs, wantRuns)
		}
	}
}

func TestTapNeverWritesToThePort(t *testing.T) {
	rx := newFakeUART(t)
	col := newCollector()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunTap(ctx, SerialConfig{Port: rx.Path}, nil, col.sink(), TapOptions{}) }()
	mustWrite(t, rx.Far, "AT\r\r\nOK\r\n")
	col.waitBytes(t, record.DirModuleToHost, []byte("AT\r\r\nOK\r\n"))
	cancel()
	<-done
	rx.Far.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 64)
	if n, _ := rx.Far.Read(buf); n > 0 {
		t.Fatalf("tap wrote %q to the port", buf[:n])
	}
}

func TestTapMissingPortFailsAtOnce(t *testing.T) {
	err := RunTap(context.Background(), SerialConfig{Port: filepath.Join(t.TempDir(), "ttyUSB9")}, nil, SerialSink{}, TapOptions{})
	if err == nil || !strings.Contains(err.Error(), "ttyUSB9") || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("got %v, want a not-exist error naming the port", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// TestTapSurvivesUnplug closes the pseudo-terminal under a running tap
// (as pulling a USB adapter does), then brings a new one up at the same
// path, and checks nothing recorded is lost.
func TestTapSurvivesUnplug(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "ttyUSB0")
	first := newFakeUART(t)
	if err := os.Symlink(first.Path, link); err != nil {
		t.Fatal(err)
	}
	sess, err := NewSession(filepath.Join(dir, "session"), SessionOptions{Serial: []SerialInfo{NewSerialInfo("rx", SerialConfig{Port: link})}})
	if err != nil {
		t.Fatal(err)
	}
	col := newCollector()
	sink := col.sink()
	forward := sink.Chunk
	sink.Chunk = func(c record.SerialChunk) { sess.SerialChunk(c); forward(c) }

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- RunTap(ctx, SerialConfig{Port: link}, nil, sink, TapOptions{ReopenInterval: 50 * time.Millisecond})
	}()
	mustWrite(t, first.Far, "+ECMTSTAT: 0,1\r\n")
	col.waitBytes(t, record.DirModuleToHost, []byte("+ECMTSTAT: 0,1\r\n"))

	first.unplug()
	st := col.waitStatus(t, StatusUnplugged)
	if st.Port != link || !strings.Contains(st.Msg, link+" unplugged") {
		t.Errorf("unplug status %+v", st)
	}

	second := newFakeUART(t)
	tmp := link + ".new"
	if err := os.Symlink(second.Path, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil { // re-point atomically, as udev does
		t.Fatal(err)
	}
	col.waitStatus(t, StatusReopened)
	mustWrite(t, second.Far, "+ECMTCONN: 0,0,0\r\n")
	want := "+ECMTSTAT: 0,1\r\n+ECMTCONN: 0,0,0\r\n"
	col.waitBytes(t, record.DirModuleToHost, []byte(want))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	chunks := readSerialFile(t, filepath.Join(sess.Dir(), SerialFileName))
	var got string
	for _, c := range chunks {
		got += string(c.Data)
	}
	if got != want {
		t.Errorf("serial.atmq holds %q, want %q", got, want)
	}
}
