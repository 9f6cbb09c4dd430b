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
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
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
	// The view shows the DISCONNECT once the capture and the decoder
	// have it, the serial side long before.
	waitFor(t, &out, "DISCONNECT")
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
	waitFor(t, &errb, "listening")
	pty.Master.Write([]byte("\r\n+ECMTSTAT: 0,1\r\n"))
	waitFor(t, &out, "+ECMTSTAT: 0,1") // recorded and shown
	pty.Close()                        // the adapter is pulled
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
	waitFor(t, &errb, "listening")
	pty.Master.Write([]byte("\r\n+ECMTCONN: 0,0,0\r\n"))
	// Some network traffic for the capture.
	client := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, LocalAddr: "127.0.0.5"})
	cl, err := os.OpenFile(client.Path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(cl, "AT+ECMTOPEN=0,\"%s\",%d\r", broker.Host, broker.Port)
	if err := broker.WaitLog("New connection from 127.0.0.5", 10*time.Second); err != nil {
		t.Fatal(err)
	}
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

// waitRecorded polls the serial recording at path (flushed by the open
// session) until the bytes it holds contain s.
func waitRecorded(t *testing.T, path, s string, errb *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got bytes.Buffer
		b, _ := os.ReadFile(path)
		for i, line := range bytes.Split(b, []byte("\n")) {
			if c, err := record.ParseSerialRecord(line, i+1); err == nil {
				got.Write(c.Data)
			}
		}
		if strings.Contains(got.String(), s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s %s holds no %q (%d bytes)\nstderr:\n%s", path, s, got.Len(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
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

func newTestLiveState(t *testing.T, out *syncBuffer) *liveState {
	st, err := newLiveState(&liveOptions{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// countLines counts the view's lines that end with text.
func countLines(view, suffix string) int {
	n := 0
	for _, l := range strings.Split(view, "\n") {
		if strings.HasSuffix(l, suffix) {
			n++
		}
	}
	return n
}

// TestLiveViewPrintsEachRowOnce feeds a session chunk by chunk, the way a
// serial port delivers it (a command cut in two, a payload after its
// prompt, the same command twice), updating the view after each chunk:
// every row is shown exactly once, repeated commands and answers are not
// mistaken for rows already shown, a half-received line is never shown,
// and the rows carry the recording's line numbers.
func TestLiveViewPrintsEachRowOnce(t *testing.T) {
	var out syncBuffer
	st := newTestLiveState(t, &out)
	t0 := time.Now() // within the hold-back: a cut line waits for its rest
	parts := []struct {
		dir record.Direction
		s   string
	}{
		{record.DirHostToModule, "AT+CS"},
		{record.DirHostToModule, "Q\r"},
		{record.DirModuleToHost, "\r\n+CSQ: 2"},
		{record.DirModuleToHost, "0,99\r\n\r\nOK\r\n"},
		{record.DirHostToModule, "AT\r"},
		{record.DirModuleToHost, "\r\nOK\r\n"},
		{record.DirHostToModule, "AT\r"},
		{record.DirModuleToHost, "\r\nOK\r\n"},
	}
	for i, p := range parts {
		st.addChunk(record.SerialChunk{Time: t0.Add(time.Duration(i) * 10 * time.Millisecond), Dir: p.dir, Data: []byte(p.s)}, recordNothing)
		st.update(false)
	}
	st.update(true)
	view := out.String()
	if n := countLines(view, "  AT+CS"); n != 0 {
		t.Errorf("a half-received command was shown %d times:\n%s", n, view)
	}
	for text, want := range map[string]int{"  AT+CSQ": 1, " +CSQ: 20,99 OK": 1, "  AT": 2, "  OK": 2} {
		if n := countLines(view, text); n != want {
			t.Errorf("row %q shown %d times, want %d:\n%s", text, n, want, view)
		}
	}
	// A serial-only session has one clock: rows show their time.
	if want := t0.Local().Format("15:04:05.000") + " T1"; !strings.Contains(view, want) {
		t.Errorf("view lacks the time of the command, %q:\n%s", want, view)
	}
	// Lines as in serial.atmq: header on line 1, chunk k on line k+1.
	for _, want := range []string{"L2     AT+CSQ", "L8     AT", "L9     OK"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}

// TestLiveViewShowsAGrownCommandAsUpdate: a prompt-mode command is shown
// when its line is complete; when its payload follows, the row is shown
// once more, marked as an update, and never again.
func TestLiveViewShowsAGrownCommandAsUpdate(t *testing.T) {
	var out syncBuffer
	st := newTestLiveState(t, &out)
	t0 := time.Now().Add(-time.Minute)
	parts := []struct {
		dir record.Direction
		s   string
	}{
		{record.DirHostToModule, "AT+QMTPUBEX=0,1,1,0,\"t\",5\r"},
		{record.DirModuleToHost, "\r\n> "},
		{record.DirHostToModule, "hello"},
		{record.DirModuleToHost, "\r\nOK\r\n"},
		{record.DirModuleToHost, "\r\n+QMTPUBEX: 0,1,0\r\n"},
	}
	for i, p := range parts {
		st.addChunk(record.SerialChunk{Time: t0.Add(time.Duration(i) * 10 * time.Millisecond), Dir: p.dir, Data: []byte(p.s)}, recordNothing)
		st.update(false)
	}
	st.update(true)
	view := out.String()
	if n := strings.Count(view, `AT+QMTPUBEX=0,1,1,0,"t",5 > "hello"`); n != 1 {
		t.Errorf("the command with its payload was shown %d times, want 1:\n%s", n, view)
	}
	if n := strings.Count(view, "AT+QMTPUBEX"); n > 2 {
		t.Errorf("the command row was shown %d times, want at most 2 (first, then updated):\n%s", n, view)
	}
	if n := countLines(view, " +QMTPUBEX: 0,1,0"); n != 1 {
		t.Errorf("the result URC was shown %d times, want 1:\n%s", n, view)
	}
}

// TestLiveViewFindingsOnceOrUpdated: a finding whose frames grow is not
// shown again; one whose text changes is shown again marked "updated";
// two findings with the same code about different frames are both shown.
func TestLiveViewFindingsOnceOrUpdated(t *testing.T) {
	var out syncBuffer
	st := newTestLiveState(t, &out)
	f := func(code string, frames []int, summary string) correlate.Finding {
		return correlate.Finding{Code: code, Severity: "error", Frames: frames, Summary: summary, Fix: "do it"}
	}
	st.show(&correlate.Result{Findings: []correlate.Finding{f("publish-unacked", []int{3}, "1 PUBLISH unanswered")}})
	st.show(&correlate.Result{Findings: []correlate.Finding{f("publish-unacked", []int{3, 5}, "1 PUBLISH unanswered")}})
	st.show(&correlate.Result{Findings: []correlate.Finding{f("publish-unacked", []int{3, 5, 7}, "3 PUBLISH unanswered")}})
	st.show(&correlate.Result{Findings: []correlate.Finding{
		f("publish-unacked", []int{3, 5, 7}, "3 PUBLISH unanswered"),
		f("connack-refused", []int{10}, "refused on connection 1"),
		f("connack-refused", []int{20}, "refused on connection 2"),
	}})
	view := out.String()
	if n := strings.Count(view, "1 PUBLISH unanswered"); n != 1 {
		t.Errorf("first text shown %d times, want 1:\n%s", n, view)
	}
	if n := strings.Count(view, "3 PUBLISH unanswered"); n != 1 {
		t.Errorf("changed text shown %d times, want 1:\n%s", n, view)
	}
	if !strings.Contains(view, "publish-unacked updated: 3 PUBLISH unanswered") {
		t.Errorf("the changed finding is not marked as updated:\n%s", view)
	}
	for _, s := range []string{"refused on connection 1", "refused on connection 2"} {
		if strings.Count(view, s) != 1 {
			t.Errorf("%q not shown exactly once:\n%s", s, view)
		}
	}
}

// recordNothing stands for a recording that takes every chunk.
func recordNothing(record.SerialChunk) error { return nil }

// settledGoroutines waits up to 5 s for the goroutine count to fall to
// at most want and returns the last count and, if it did not, the stacks.
func settledGoroutines(want int) (int, string) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n, ""
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			return n, string(buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveFollowsACaptureThatAppearsLater starts `atmq live` on a tap and
// a --pcap-follow file that does not exist yet; the file appears (as when
// tcpdump is started second), its frames and the serial bytes are
// recorded, session.json counts what the files hold, and once runLive
// has returned none of its goroutines is left running.
func TestLiveFollowsACaptureThatAppearsLater(t *testing.T) {
	seed, err := os.ReadFile("../../capture/testdata/seed.pcap") // 9 frames
	if err != nil {
		t.Fatal(err)
	}
	pty, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	before := runtime.NumGoroutine()

	tmp := t.TempDir()
	dir, pcap := filepath.Join(tmp, "session"), filepath.Join(tmp, "later.pcap")
	o := &liveOptions{SerialRX: pty.Path, PcapFollow: pcap, Out: dir, Tick: 50 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runLive(ctx, o, &out, &errb) }()
	waitFor(t, &errb, "recording to")

	time.Sleep(300 * time.Millisecond) // the file is still missing
	if err := os.WriteFile(pcap, seed, 0o644); err != nil {
		t.Fatal(err)
	}
	pty.Master.Write([]byte("\r\n+ECMTSTAT: 0,1\r\n"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := capture.ReadSessionInfo(dir)
		if err == nil && info.Frames == 9 && info.Chunks > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session.json after 10 s: %+v, %v\nstderr:\n%s", info, err, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if isExit(err, ExitUsage) || isExit(err, ExitDamaged) {
			t.Fatalf("live: %v\nstderr:\n%s", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("runLive did not return 10 s after cancel\nstderr:\n%s", errb.String())
	}
	info, err := capture.ReadSessionInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	chunks := readRecording(t, filepath.Join(dir, capture.SerialFileName))
	if n := countFrames(t, filepath.Join(dir, capture.CaptureFileName)); n != 9 || info.Frames != 9 {
		t.Errorf("capture holds %d frames, session.json says %d; want 9", n, info.Frames)
	}
	if info.Chunks != len(chunks) || info.End == nil {
		t.Errorf("session.json: %d chunks, end %v; serial.atmq holds %d chunks", info.Chunks, info.End, len(chunks))
	}
	if n, stacks := settledGoroutines(before); stacks != "" {
		t.Errorf("%d goroutines after runLive returned, %d before:\n%s", n, before, stacks)
	}
}

// TestLiveBadSerialPortLeavesNoSession: a mistyped port or line setting,
// or a port that is no serial port, fails with exit 2 and a message naming
// it, and leaves no session behind, so running the corrected command with
// the same --out works.
func TestLiveBadSerialPortLeavesNoSession(t *testing.T) {
	tmp := t.TempDir()
	pcap := filepath.Join(tmp, "never.pcap")
	good, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	missing := filepath.Join(tmp, "ttyUSB9")
	for _, tc := range []struct {
		o    *liveOptions
		name string // what the error must name
	}{
		{&liveOptions{SerialRX: missing, PcapFollow: pcap}, missing},
		{&liveOptions{SerialRX: good.Path, SerialTX: missing}, missing},
		{&liveOptions{Serial: missing, PTY: true}, missing},
		{&liveOptions{SerialRX: good.Path, Line: capture.SerialConfig{Parity: "bogus"}, PcapFollow: pcap}, "bogus"},
		{&liveOptions{SerialRX: "/dev/null", PcapFollow: pcap}, "/dev/null"}, // exists, but is no terminal
		{&liveOptions{Serial: "/dev/null", PTY: true}, "/dev/null"},
	} {
		o := tc.o
		o.Out = filepath.Join(tmp, "session")
		o.Tick = 50 * time.Millisecond
		var out, errb syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := runLive(ctx, o, &out, &errb)
		cancel()
		if !isExit(err, ExitUsage) {
			t.Errorf("%+v: want exit %d, got %v", o, ExitUsage, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%+v: error does not name %s: %v", o, tc.name, err)
		}
		if strings.Contains(errb.String(), "analyse again") {
			t.Errorf("%+v: a failed start offers to analyse its empty folder:\n%s", o, errb.String())
		}
		if _, err := os.Stat(o.Out); err == nil {
			t.Errorf("%+v: the session folder was left although nothing could be recorded", o)
		}
		os.RemoveAll(o.Out)
	}
}

// TestLiveFlagMistakes: settings that cannot work are refused with exit 2
// and a message naming the flag.
func TestLiveFlagMistakes(t *testing.T) {
	pty, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	for _, tc := range []struct {
		o    liveOptions
		want string
	}{
		{liveOptions{SerialRX: pty.Path, Duration: -time.Second}, "--duration"},
		{liveOptions{Serial: pty.Path, Script: "x.at", Settle: -time.Second}, "--settle"},
		{liveOptions{SerialRX: pty.Path, SerialTX: pty.Path}, "--serial-tx"},
	} {
		o := tc.o
		o.Out = filepath.Join(t.TempDir(), "session")
		var out, errb syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := runLive(ctx, &o, &out, &errb)
		cancel()
		if !isExit(err, ExitUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: want exit %d naming %s, got %v", o, ExitUsage, tc.want, err)
		}
	}
}

// TestLiveDefaultFolderIsNeverTaken: without --out, two sessions started
// in the same second get two folders instead of the second failing with
// "choose another --out" (the user chose none).
func TestLiveDefaultFolderIsNeverTaken(t *testing.T) {
	base := filepath.Join(t.TempDir(), capture.DefaultSessionDir(time.Now()))
	if got := uniqueSessionDir(base); got != base {
		t.Errorf("first session: %q, want %q", got, base)
	}
	for _, want := range []string{base + "-2", base + "-3"} {
		os.MkdirAll(uniqueSessionDir(base), 0o755)
		if got := uniqueSessionDir(base); got != want {
			t.Errorf("next session: %q, want %q", got, want)
		}
	}
}

// TestLiveProxyStopsWithNoReaderAndUnplugged: Ctrl-C while nobody has
// opened atmq's pseudo-terminal (its queue full of module bytes) and the
// module's port is unplugged: runLive returns promptly, the bytes are in
// serial.atmq and no goroutine of the session is left running.
func TestLiveProxyStopsWithNoReaderAndUnplugged(t *testing.T) {
	modem, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer modem.Close()
	before := runtime.NumGoroutine()
	dir := filepath.Join(t.TempDir(), "session")
	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, PTY: true, Out: dir, Tick: 50 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runLive(ctx, o, &out, &errb) }()
	waitFor(t, &errb, "proxied at ")
	// More than a pty buffer holds, so the writer to the pty blocks.
	line := strings.Repeat("x", 1000) + "\r\n"
	for i := 0; i < 200; i++ {
		modem.Master.Write([]byte(line))
	}
	modem.Master.Write([]byte("\r\n+ECMTSTAT: 0,1\r\n"))
	waitRecorded(t, filepath.Join(dir, capture.SerialFileName), "+ECMTSTAT: 0,1", &errb)
	modem.Close() // unplugged
	waitFor(t, &errb, "unplugged")
	cancel()
	select {
	case err := <-done:
		if isExit(err, ExitUsage) || isExit(err, ExitDamaged) {
			t.Fatalf("live: %v\nstderr:\n%s", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("runLive did not return 10 s after cancel\nstderr:\n%s", errb.String())
	}
	var got bytes.Buffer
	chunks := readRecording(t, filepath.Join(dir, capture.SerialFileName))
	for _, c := range chunks {
		got.Write(c.Data)
	}
	if !strings.Contains(got.String(), "+ECMTSTAT: 0,1") || got.Len() < 200*len(line) {
		t.Errorf("serial.atmq holds %d bytes, want all %d sent and the last line", got.Len(), 200*len(line)+len("\r\n+ECMTSTAT: 0,1\r\n"))
	}
	if info, err := capture.ReadSessionInfo(dir); err != nil || info.Chunks != len(chunks) {
		t.Errorf("session.json: %+v, %v; serial.atmq holds %d chunks", info, err, len(chunks))
	}
	if n, stacks := settledGoroutines(before); stacks != "" {
		t.Errorf("%d goroutines after runLive returned, %d before:\n%s", n, before, stacks)
	}
}

// TestLiveScriptStopsWhileWaiting: Ctrl-C while the script waits for an
// answer that never comes: runLive returns promptly, what was sent is
// recorded, and no goroutine is left.
func TestLiveScriptStopsWhileWaiting(t *testing.T) {
	modem, err := modemsim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer modem.Close()
	script := filepath.Join(t.TempDir(), "wait.at")
	os.WriteFile(script, []byte("AT+ECMTCONN=0,\"silent\"\n"), 0o644)
	before := runtime.NumGoroutine()
	dir := filepath.Join(t.TempDir(), "session")
	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, Script: script, Out: dir, Settle: time.Minute, Tick: 50 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runLive(ctx, o, &out, &errb) }()
	buf := make([]byte, 256)
	var heard []byte
	for !bytes.Contains(heard, []byte("silent")) { // the module hears the command, says nothing
		n, err := modem.Master.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		heard = append(heard, buf[:n]...)
	}
	modem.Master.Write([]byte("\r\nOK\r\n")) // OK, but the result URC never comes
	waitFor(t, &out, " OK")                  // recorded and shown
	cancel()
	select {
	case err := <-done:
		if isExit(err, ExitUsage) || isExit(err, ExitDamaged) {
			t.Fatalf("live: %v\nstderr:\n%s", err, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("runLive did not return 10 s after cancel\nstderr:\n%s", errb.String())
	}
	var got bytes.Buffer
	for _, c := range readRecording(t, filepath.Join(dir, capture.SerialFileName)) {
		got.Write(c.Data)
	}
	if !strings.Contains(got.String(), "AT+ECMTCONN=0,\"silent\"\r") || !strings.Contains(got.String(), "OK") {
		t.Errorf("serial.atmq lacks the exchange: %q", got.String())
	}
	if n, stacks := settledGoroutines(before); stacks != "" {
		t.Errorf("%d goroutines after runLive returned, %d before:\n%s", n, before, stacks)
	}
}
