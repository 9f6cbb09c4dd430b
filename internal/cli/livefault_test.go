package cli

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/internal/modemsim"
)

// buildAtmq builds the atmq binary for end-to-end tests.
func buildAtmq(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the atmq binary")
	}
	bin := filepath.Join(t.TempDir(), "atmq")
	if b, err := exec.Command("go", "build", "-o", bin, "github.com/atmq/atmq/cmd/atmq").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// flood is heavy loopback traffic to a listener that discards it, and
// serial output on a pseudo-terminal, until stop is called.
type flood struct {
	port int
	pty  *modemsim.PTY
	stop func()
}

func startFlood(t *testing.T) *flood {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pty, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the listener discards
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	f := &flood{port: ln.Addr().(*net.TCPAddr).Port, pty: pty}
	var once sync.Once
	f.stop = func() {
		once.Do(func() {
			close(done)
			ln.Close()
			pty.Close()
			wg.Wait()
		})
	}
	t.Cleanup(f.stop)
	return f
}

// run starts the traffic: TCP writes and serial lines.
func (f *flood) run(t *testing.T, done <-chan struct{}) {
	go func() {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(f.port))
		if err != nil {
			return
		}
		defer c.Close()
		buf := []byte(strings.Repeat("0123456789abcdef", 256))
		for {
			select {
			case <-done:
				return
			default:
			}
			c.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := c.Write(buf); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
		}
	}()
	go func() {
		line := []byte("\r\n+ECMTRECV: 0,0,\"dev/cmd\",\"" + strings.Repeat("z", 200) + "\"\r\n")
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := f.pty.Master.Write(line); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
}

// checkSessionFiles checks what a session folder holds after a fault:
// session.json (if any) counts no more than the files hold, no
// session.json.tmp after a clean stop, atmq analyze reads the folder, tshark opens the
// capture (after cutting a partial last block, which analyze must then
// report with the truncate that repairs it).
func checkSessionFiles(t *testing.T, bin, dir string, exact bool) {
	t.Helper()
	// A clean stop leaves no session.json.tmp; a SIGKILL may land between
	// writing it and renaming it over session.json, which stays whole.
	if _, err := os.Stat(filepath.Join(dir, capture.InfoFileName+".tmp")); exact && !os.IsNotExist(err) {
		t.Errorf("session.json.tmp left behind (%v)", err)
	}
	out, err := exec.Command(bin, "analyze", "--json", dir).Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	if err != nil && code == 0 || code == ExitUsage {
		t.Fatalf("atmq analyze %s: %v\n%s", dir, err, out)
	}
	var doc struct {
		Input []struct {
			File   string `json:"file"`
			Offset *int64 `json:"offset"`
			What   string `json:"what"`
		} `json:"input"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("analyze --json: %v\n%s", err, out)
	}
	capPath := filepath.Join(dir, capture.CaptureFileName)
	for _, in := range doc.Input {
		if in.File == capPath && strings.Contains(in.What, "truncate -s") && in.Offset != nil {
			t.Logf("capture cut mid-block, reported: %s", in.What)
			if err := os.Truncate(capPath, *in.Offset); err != nil {
				t.Fatal(err)
			}
		}
	}
	frames := countFrames(t, capPath) // fails on a damaged block
	chunks := len(readRecordingWhole(t, filepath.Join(dir, capture.SerialFileName)))
	if info, err := capture.ReadSessionInfo(dir); err == nil {
		// Never more than the files hold. On a full disk the last rewrite
		// of session.json may itself not fit, so it may lag behind them.
		if info.Frames > frames || info.Chunks > chunks {
			t.Errorf("session.json says %d frames, %d chunks; the files hold %d and %d", info.Frames, info.Chunks, frames, chunks)
		}
	} else if exact {
		t.Errorf("session.json: %v", err)
	}
	if _, err := exec.LookPath("tshark"); err == nil {
		if b, err := exec.Command("tshark", "-r", capPath, "-c", "1000000").CombinedOutput(); err != nil {
			t.Errorf("tshark -r %s: %v\n%.500s", capPath, err, b)
		}
	}
}

// readRecordingWhole reads a recording's complete lines (a SIGKILL may
// cut the last one; atmq at reports that).
func readRecordingWhole(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.LastIndexByte(string(b), '\n'); i >= 0 {
		b = b[:i+1]
	}
	tmp := filepath.Join(t.TempDir(), "whole.atmq")
	os.WriteFile(tmp, b, 0o644)
	var n []byte
	for range readRecording(t, tmp) {
		n = append(n, 0)
	}
	return n
}

// A full disk (a 1 MB tmpfs) while recording under heavy traffic: live
// stops at once and says so once, naming the file; the folder keeps whole
// records, honest counts and no session.json.tmp.
func TestLiveFullDiskStopsCleanly(t *testing.T) {
	needCapture(t)
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	bin := buildAtmq(t)
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", disk).Run() })
	fl := startFlood(t)
	dir := filepath.Join(disk, "session")
	cmd := exec.Command(bin, "live", "--serial-rx", fl.pty.Path, "--iface", "lo", "--port", strconv.Itoa(fl.port), "--out", dir)
	var errb syncBuffer
	cmd.Stderr, cmd.Stdout = &errb, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &errb, "recording to")
	done := make(chan struct{})
	defer close(done)
	fl.run(t, done)
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	var err error
	select {
	case err = <-waitErr:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("atmq live kept running on a full disk\n%.2000s", errb.String())
	}
	stderr := errb.String()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitDamaged {
		t.Errorf("exit %v, want %d", err, ExitDamaged)
	}
	if n := strings.Count(stderr, "recording stopped"); n != 1 || !strings.Contains(stderr, "no space left on device") ||
		!(strings.Contains(stderr, filepath.Join(dir, capture.CaptureFileName)) || strings.Contains(stderr, filepath.Join(dir, capture.SerialFileName))) {
		t.Errorf("the failure is not reported once, naming the file:\n%.3000s", stderr)
	}
	if n := strings.Count(stderr, "\n"); n > 30 {
		t.Errorf("%d lines on stderr:\n%.3000s", n, stderr)
	}
	checkSessionFiles(t, bin, dir, true)
}

// SIGKILL under heavy traffic leaves files atmq analyze and tshark read.
func TestLiveSIGKILLUnderLoadLeavesReadableFiles(t *testing.T) {
	needCapture(t)
	bin := buildAtmq(t)
	for run := 0; run < 3; run++ {
		fl := startFlood(t)
		dir := filepath.Join(t.TempDir(), "session")
		cmd := exec.Command(bin, "live", "--serial-rx", fl.pty.Path, "--iface", "lo", "--port", strconv.Itoa(fl.port), "--out", dir)
		var errb syncBuffer
		cmd.Stderr, cmd.Stdout = &errb, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, &errb, "recording to")
		done := make(chan struct{})
		fl.run(t, done)
		capPath := filepath.Join(dir, capture.CaptureFileName)
		deadline := time.Now().Add(20 * time.Second)
		for {
			if st, err := os.Stat(capPath); err == nil && st.Size() > 1<<20 {
				break
			}
			if time.Now().After(deadline) {
				st, _ := os.Stat(capPath)
				t.Fatalf("the capture did not grow (%v)\n%s", st.Size(), errb.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(done)
		fl.stop()
		checkSessionFiles(t, bin, dir, false)
	}
}
