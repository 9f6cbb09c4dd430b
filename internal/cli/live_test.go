//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
	"github.com/atmq/atmq/internal/record"
)

// needCapture skips when this process may not capture on lo.
func needCapture(t *testing.T) {
	t.Helper()
	ifc, err := capture.OpenInterface("lo", capture.CaptureOptions{})
	if err != nil {
		if errors.Is(err, capture.ErrCapturePermission) && os.Getenv("CI") == "" {
			t.Skipf("live capture on lo not possible here: %v", err)
		}
		t.Fatalf("live capture on lo: %v", err)
	}
	ifc.Close()
}

// startModem serves a simulated ECMT module on a pseudo-terminal.
func startModem(t *testing.T, opts modemsim.Options) *modemsim.PTY {
	t.Helper()
	pty, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); modemsim.New(opts).ServeContext(ctx, pty.Master) }()
	t.Cleanup(func() { cancel(); pty.Close(); <-done })
	return pty
}

// syncBuffer is a bytes.Buffer safe for the live view's writer goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// analyzeCodes runs `atmq analyze DIR --json` and returns the finding codes.
func analyzeCodes(t *testing.T, dir string, extra ...string) ([]string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"analyze", dir, "--json"}, extra...), strings.NewReader(""), &out, &errb)
	if code == ExitUsage {
		t.Fatalf("analyze %s: exit %d: %s", dir, code, errb.String())
	}
	var doc struct {
		Findings []struct {
			Code string `json:"code"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("analyze --json: %v\n%s", err, out.String())
	}
	var codes []string
	for _, f := range doc.Findings {
		codes = append(codes, f.Code)
	}
	return codes, code
}

func isExit(err error, code int) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.code == code
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLiveScriptExplainsRefusalAtOnce drives a simulated module with a
// script against a broker that requires credentials while capturing lo:
// the live view explains the CONNACK 5 and the recorded folder analyses to
// the same findings.
func TestLiveScriptExplainsRefusalAtOnce(t *testing.T) {
	needCapture(t)
	broker := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"dev": "secret"}})
	modem := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, LocalAddr: "127.0.0.5"})

	dir := filepath.Join(t.TempDir(), "session")
	script := filepath.Join(t.TempDir(), "connect.at")
	os.WriteFile(script, []byte(fmt.Sprintf("AT+ECMTOPEN=0,\"%s\",%d\nAT+ECMTCONN=0,\"live-dev\"\n", broker.Host, broker.Port)), 0o644)

	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, Script: script, Iface: "lo", PortFlag: []uint{uint(broker.Port)},
		Out: dir, Settle: time.Second, Tick: 100 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := runLive(ctx, o, &out, &errb)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != ExitFindings {
		t.Fatalf("live: want exit %d (error finding), got %v\nstdout:\n%s\nstderr:\n%s", ExitFindings, err, out.String(), errb.String())
	}
	view := out.String()
	for _, want := range []string{"AT+ECMTCONN=0,\"live-dev\"", "CONNECT", "CONNACK", "+ECMTCONN: 0,0,5", "connack-refused", "no-credentials"} {
		if !strings.Contains(view, want) {
			t.Errorf("live view lacks %q:\n%s", want, view)
		}
	}
	codes, exit := analyzeCodes(t, dir, "--port", strconv.Itoa(broker.Port))
	if exit != ExitFindings || !has(codes, "connack-refused") || !has(codes, "no-credentials") {
		t.Errorf("analyze of the recorded folder: exit %d, findings %v; want connack-refused and no-credentials", exit, codes)
	}
	// The live view showed exactly the findings the folder gives.
	for _, c := range codes {
		if !strings.Contains(view, " "+c) {
			t.Errorf("finding %s of the recorded folder was not shown live:\n%s", c, view)
		}
	}
}

// TestLiveProxyPassesBytesAndRecords runs the proxy: a "terminal program"
// (the test) talks to the module through atmq's pseudo-terminal.
func TestLiveProxyPassesBytesAndRecords(t *testing.T) {
	needCapture(t)
	broker := mosquittotest.Start(t, mosquittotest.Config{})
	modem := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, LocalAddr: "127.0.0.5"})
	dir := filepath.Join(t.TempDir(), "session")

	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, PTY: true, Iface: "lo", PortFlag: []uint{uint(broker.Port)},
		Out: dir, Tick: 100 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runLive(ctx, o, &out, &errb) }()

	waitFor(t, &errb, "proxied at ")
	text := errb.String()
	path := strings.Fields(text[strings.Index(text, "proxied at ")+len("proxied at "):])[0]
	path = strings.TrimRight(path, ":")
	term, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(term)
		for sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
		close(lines)
	}()
	send := func(cmd, want string) {
		t.Helper()
		fmt.Fprintf(term, "%s\r", cmd)
		deadline := time.After(10 * time.Second)
		var seen []string
		for {
			select {
			case l := <-lines:
				seen = append(seen, l)
				if strings.HasPrefix(l, want) {
					return
				}
			case <-deadline:
				t.Fatalf("%s: no %q through the proxy; got %q\nstderr:\n%s", cmd, want, seen, errb.String())
			}
		}
	}
	send(fmt.Sprintf("AT+ECMTOPEN=0,\"%s\",%d", broker.Host, broker.Port), "+ECMTOPEN: 0,0")
	send("AT+ECMTCONN=0,\"proxied\"", "+ECMTCONN: 0,0,0")
	send("AT+ECMTDISC=0", "+ECMTDISC: 0,0")
	time.Sleep(300 * time.Millisecond)
	cancel() // what Ctrl-C / SIGTERM does
	if err := <-done; err != nil {
		t.Fatalf("live: %v\nstderr:\n%s", err, errb.String())
	}
	chunks := readRecording(t, filepath.Join(dir, capture.SerialFileName))
	var sent, got bytes.Buffer
	for _, c := range chunks {
		if c.Dir == record.DirHostToModule {
			sent.Write(c.Data)
		} else {
			got.Write(c.Data)
		}
	}
	if !strings.Contains(sent.String(), "AT+ECMTCONN=0,\"proxied\"\r") || !strings.Contains(got.String(), "+ECMTCONN: 0,0,0") {
		t.Errorf("recording lacks the exchange: sent %q, received %q", sent.String(), got.String())
	}
	if n := countFrames(t, filepath.Join(dir, capture.CaptureFileName)); n < 6 {
		t.Errorf("capture holds %d frames, want the handshake, CONNECT/CONNACK, DISCONNECT", n)
	}
	if codes, exit := analyzeCodes(t, dir, "--port", strconv.Itoa(broker.Port)); exit != ExitOK {
		t.Errorf("healthy proxied session: analyze exit %d, findings %v", exit, codes)
	}
}

// TestLiveTapSurvivesUnplug closes the tapped port under a running
// session: atmq says so, keeps capturing and keeps what it recorded.
func TestLiveTapSurvivesUnplug(t *testing.T) {
	pty, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "ttyUSB0")
	if err := os.Symlink(pty.Path, link); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "session")
	var out, errb syncBuffer
	o := &liveOptions{SerialRX: link, Out: dir, Tick: 100 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runLive(ctx, o, &out, &errb) }()
	waitFor(t, &errb, "recording to")
	time.Sleep(200 * time.Millisecond)
	pty.Master.Write([]byte("\r\n+ECMTSTAT: 0,1\r\n"))
	time.Sleep(300 * time.Millisecond)
	pty.Close() // the adapter is pulled
	waitFor(t, &errb, "unplugged")
	cancel()
	// +ECMTSTAT: 0,1 is an error finding (the connection was closed), so
	// exit code 1 is the expected outcome.
	if err := <-done; err != nil && !isExit(err, ExitFindings) {
		t.Fatalf("live: %v\nstderr:\n%s", err, errb.String())
	}
	var got bytes.Buffer
	for _, c := range readRecording(t, filepath.Join(dir, capture.SerialFileName)) {
		got.Write(c.Data)
	}
	if !strings.Contains(got.String(), "+ECMTSTAT: 0,1") {
		t.Errorf("bytes received before the unplug were lost: %q", got.String())
	}
}

// TestLiveSIGTERMLeavesCompleteFiles runs the real binary and ends it
// with SIGTERM mid-session.
func TestLiveSIGTERMLeavesCompleteFiles(t *testing.T) {
	needCapture(t)
	if testing.Short() {
		t.Skip("builds the atmq binary")
	}
	bin := filepath.Join(t.TempDir(), "atmq")
	build := exec.Command("go", "build", "-o", bin, "github.com/atmq/atmq/cmd/atmq")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	broker := mosquittotest.Start(t, mosquittotest.Config{})
	pty, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	dir := filepath.Join(t.TempDir(), "session")
	cmd := exec.Command(bin, "live", "--serial-rx", pty.Path, "--iface", "lo", "--port", strconv.Itoa(broker.Port), "--out", dir)
	var errb syncBuffer
	cmd.Stderr = &errb
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &errb, "recording to")
	time.Sleep(300 * time.Millisecond)
	pty.Master.Write([]byte("\r\n+ECMTCONN: 0,0,0\r\n"))
	// Some network traffic for the capture.
	client := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, LocalAddr: "127.0.0.5"})
	cl, err := os.OpenFile(client.Path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(cl, "AT+ECMTOPEN=0,\"%s\",%d\r", broker.Host, broker.Port)
	time.Sleep(500 * time.Millisecond)
	cl.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("atmq live after SIGTERM: %v\n%s", err, errb.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("atmq live did not end on SIGTERM\n%s", errb.String())
	}
	if !strings.Contains(errb.String(), "analyse again with") {
		t.Errorf("no summary after SIGTERM:\n%s", errb.String())
	}
	var got bytes.Buffer
	for _, c := range readRecording(t, filepath.Join(dir, capture.SerialFileName)) {
		got.Write(c.Data)
	}
	if !strings.Contains(got.String(), "+ECMTCONN: 0,0,0") {
		t.Errorf("serial recording incomplete: %q", got.String())
	}
	if n := countFrames(t, filepath.Join(dir, capture.CaptureFileName)); n < 2 {
		t.Errorf("capture holds %d frames, want at least the SYN and SYN-ACK", n)
	}
}

// waitFor polls w until it contains s and returns the word holding s.
func waitFor(t *testing.T, w *syncBuffer, s string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		text := w.String()
		if i := strings.Index(text, s); i >= 0 {
			end := strings.IndexAny(text[i:], " \n:,")
			if end < 0 {
				return text[i:]
			}
			return text[i : i+end]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in:\n%s", s, w.String())
	return ""
}

func readRecording(t *testing.T, path string) []record.SerialChunk {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []record.SerialChunk
	for i, line := range bytes.Split(b, []byte("\n")) {
		c, err := record.ParseSerialRecord(line, i+1)
		if errors.Is(err, record.ErrNotRecord) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c)
	}
	return out
}

func countFrames(t *testing.T, path string) int {
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
	n := 0
	for {
		_, _, err := r.ReadPacketData()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("%s frame %d: %v", path, n+1, err)
		}
		n++
	}
}
