//go:build linux

package capture

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSessionClosedBySIGTERM runs a child process that records a session
// and closes it from its signal handler; after SIGTERM the folder must
// hold complete, readable files.
func TestSessionClosedBySIGTERM(t *testing.T) {
	if dir := os.Getenv("ATMQ_TEST_SESSION_CHILD"); dir != "" {
		sigtermChild(dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "sess")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSessionClosedBySIGTERM$")
	cmd.Env = append(os.Environ(), "ATMQ_TEST_SESSION_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child never got ready")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	frames, _ := readCapture(t, filepath.Join(dir, CaptureFileName))
	chunks := readSerialFile(t, filepath.Join(dir, SerialFileName))
	info, err := ReadSessionInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 3 || len(chunks) != 3 || info.End == nil || info.Frames != 3 || info.Chunks != 3 {
		t.Fatalf("%d frames, %d chunks, session.json %+v", len(frames), len(chunks), info)
	}
}

func sigtermChild(dir string) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// A long flush interval: only Close can have written the records.
	s, err := NewSession(dir, SessionOptions{FlushInterval: time.Hour})
	if err != nil {
		os.Exit(2)
	}
	for _, c := range testChunks() {
		s.SerialChunk(c)
	}
	for _, f := range testFrames() {
		s.Frame(f)
	}
	os.Stdout.WriteString("ready\n")
	<-ctx.Done()
	if err := s.Close(); err != nil {
		os.Exit(3)
	}
	os.Exit(0)
}
