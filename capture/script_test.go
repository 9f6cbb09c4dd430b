package capture

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

func TestParseScript(t *testing.T) {
	src := `# connect test against a standard broker
AT
@timeout 3s
@urc-timeout 20s
AT+ECMTOPEN=0,"test.mosquitto.org",1883
@sleep 500ms
@nowait
AT+ECMTCONN=0,"dev1"
@wait +ECMTCONN: 0,0 5s
@eol crlf
@onerror continue
AT+ECMTPUB=0,0,0,0,"t"
@data hello\x1a
AT+ECMTCFG="keepalive",0,60
AT+ECMTCONN?
`
	s, err := ParseScript(strings.NewReader(src), "t.atscript")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Line: 2, Kind: StepCommand, Text: "AT", Data: []byte("AT\r"), Timeout: DefaultResultTimeout, URCTimeout: DefaultURCTimeout, StopOnErr: true},
		{Line: 5, Kind: StepCommand, Text: `AT+ECMTOPEN=0,"test.mosquitto.org",1883`, Data: []byte("AT+ECMTOPEN=0,\"test.mosquitto.org\",1883\r"), URC: "+ECMTOPEN:", Timeout: 3 * time.Second, URCTimeout: 20 * time.Second, StopOnErr: true},
		{Line: 6, Kind: StepSleep, Timeout: 500 * time.Millisecond},
		{Line: 8, Kind: StepCommand, Text: `AT+ECMTCONN=0,"dev1"`, Data: []byte("AT+ECMTCONN=0,\"dev1\"\r"), Timeout: 3 * time.Second, URCTimeout: 20 * time.Second, StopOnErr: true},
		{Line: 9, Kind: StepWait, Text: "+ECMTCONN: 0,0", Timeout: 5 * time.Second, StopOnErr: true},
		{Line: 12, Kind: StepCommand, Text: `AT+ECMTPUB=0,0,0,0,"t"`, Data: []byte("AT+ECMTPUB=0,0,0,0,\"t\"\r\n"), URC: "+ECMTPUB:", Timeout: 3 * time.Second, URCTimeout: 20 * time.Second},
		{Line: 13, Kind: StepData, Data: []byte("hello\x1a"), Timeout: 3 * time.Second},
		{Line: 14, Kind: StepCommand, Text: `AT+ECMTCFG="keepalive",0,60`, Data: []byte("AT+ECMTCFG=\"keepalive\",0,60\r\n"), Timeout: 3 * time.Second, URCTimeout: 20 * time.Second},
		{Line: 15, Kind: StepCommand, Text: `AT+ECMTCONN?`, Data: []byte("AT+ECMTCONN?\r\n"), Timeout: 3 * time.Second, URCTimeout: 20 * time.Second},
	}
	if len(s.Steps) != len(want) {
		t.Fatalf("%d steps, want %d: %+v", len(s.Steps), len(want), s.Steps)
	}
	for i := range want {
		g, w := s.Steps[i], want[i]
		if g.Line != w.Line || g.Kind != w.Kind || g.Text != w.Text || !bytes.Equal(g.Data, w.Data) || g.URC != w.URC ||
			g.Timeout != w.Timeout || g.URCTimeout != w.URCTimeout || g.StopOnErr != w.StopOnErr {
			t.Errorf("step %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestParseScriptErrors(t *testing.T) {
	for src, want := range map[string]string{
		"AT\nhello\n":          "x line 2: \"hello\" is neither",
		"@sleep soon\n":        "x line 1: @sleep wants a duration",
		"@data x\n":            "x line 1: @data must follow",
		"AT\n@data \\q\n":      "x line 2: @data",
		"@frobnicate\n":        "x line 1: unknown directive @frobnicate",
		"@eol crcr\n":          "x line 1: @eol",
		"@onerror maybe\n":     "x line 1: @onerror",
		"@wait\n":              "x line 1: @wait wants",
		"#c\n\n@timeout -1s\n": "x line 3: @timeout",
	} {
		_, err := ParseScript(strings.NewReader(src), "x")
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: got %v, want prefix %q", src, err, want)
		}
	}
	if _, err := ParseScript(strings.NewReader(strings.Repeat("A", maxScriptLine+1)), "x"); err == nil {
		t.Error("overlong line accepted")
	}
}

func TestResultURCPrefix(t *testing.T) {
	for cmd, want := range map[string]string{
		`AT+ECMTCONN=0,"a"`:                     "+ECMTCONN:",
		`at+qmtopen=0,"h",1883`:                 "+QMTOPEN:",
		`AT+QMTPUBEX=0,1,1,0,"t",5`:             "+QMTPUBEX:",
		`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`: "+CMQTTCONNECT:",
		`AT+UMQTTC=1`:                           "+UUMQTTC:",
		`AT+ECMTCONN?`:                          "",
		`AT+ECMTCONN=?`:                         "",
		`AT+ECMTCFG="keepalive",0,60`:           "",
		`AT+CGATT=1`:                            "",
		`ATE0`:                                  "",
	} {
		if got := ResultURCPrefix(cmd); got != want {
			t.Errorf("%s: %q, want %q", cmd, got, want)
		}
	}
}

// fakeModule answers AT commands on the far side of a pseudo-terminal
// like an ECMT module with echo off.
type fakeModule struct {
	u     *fakeUART
	mu    sync.Mutex
	heard []string
}

func startFakeModule(t *testing.T, u *fakeUART) *fakeModule {
	m := &fakeModule{u: u}
	go m.serve()
	return m
}

func (m *fakeModule) say(s string) { m.u.Far.Write([]byte(s)) }

func (m *fakeModule) serve() {
	buf := make([]byte, 256)
	var line []byte
	inData := false
	for {
		n, err := m.u.Far.Read(buf)
		if err != nil {
			return
		}
		for _, c := range buf[:n] {
			if inData {
				if c == 0x1a {
					inData = false
					m.say("\r\nOK\r\n")
					go func() { time.Sleep(30 * time.Millisecond); m.say("\r\n+ECMTPUB: 0,0,0\r\n") }()
				}
				continue
			}
			if c != '\r' {
				line = append(line, c)
				continue
			}
			cmd := string(line)
			line = line[:0]
			m.mu.Lock()
			m.heard = append(m.heard, cmd)
			m.mu.Unlock()
			switch {
			case cmd == "AT":
				m.say("\r\nOK\r\n")
			case strings.HasPrefix(cmd, "AT+ECMTOPEN="):
				m.say("\r\nOK\r\n")
				go func() { time.Sleep(50 * time.Millisecond); m.say("\r\n+ECMTOPEN: 0,0\r\n") }()
			case strings.HasPrefix(cmd, "AT+ECMTCONN="):
				m.say("\r\nOK\r\n")
				go func() { time.Sleep(50 * time.Millisecond); m.say("\r\n+ECMTCONN: 0,0,5\r\n") }()
			case strings.HasPrefix(cmd, "AT+QMTOPEN="): // URC before OK
				m.say("\r\n+QMTOPEN: 0,0\r\n\r\nOK\r\n")
			case strings.HasPrefix(cmd, "AT+ECMTPUB="):
				m.say("\r\n> ")
				inData = true
			case cmd == "AT+ECMTDISC=0": // OK but the URC never comes
				m.say("\r\nOK\r\n")
			case cmd == "AT+SILENT":
			case cmd == "AT+CEREG=1":
				m.say("\r\n+CEREG: 1\r\n\r\nOK\r\n")
			default:
				m.say("\r\n+CME ERROR: 58\r\n")
			}
		}
	}
}

func runScriptText(t *testing.T, src string) (error, string, *collector, *fakeModule) {
	t.Helper()
	u := newFakeUART(t)
	mod := startFakeModule(t, u)
	script, err := ParseScript(strings.NewReader(src), "test.atscript")
	if err != nil {
		t.Fatal(err)
	}
	col := newCollector()
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = RunScript(ctx, SerialConfig{Port: u.Path}, script, col.sink(), ScriptOptions{Log: &log})
	return err, log.String(), col, mod
}

func TestRunScriptWaitsForOKAndURC(t *testing.T) {
	src := "AT\nAT+CEREG=1\n@wait +CEREG: 1 2s\nAT+QMTOPEN=0,\"h\",1883\nAT+ECMTOPEN=0,\"127.0.0.1\",1883\n@sleep 20ms\nAT+ECMTCONN=0,\"dev1\"\nAT+ECMTPUB=0,0,0,0,\"t\"\n@data {\"a\":1}\\x1a\n"
	err, log, col, mod := runScriptText(t, src)
	if err != nil {
		t.Fatalf("RunScript: %v\nlog:\n%s", err, log)
	}
	for _, want := range []string{
		"test.atscript line 1: AT → OK",
		`got "+CEREG: 1"`,
		"line 4: AT+QMTOPEN=0,\"h\",1883 → OK, +QMTOPEN: 0,0",
		"line 5: AT+ECMTOPEN=0,\"127.0.0.1\",1883 → OK, +ECMTOPEN: 0,0",
		"line 7: AT+ECMTCONN=0,\"dev1\" → OK, +ECMTCONN: 0,0,5, which reports failure",
		"line 8: AT+ECMTPUB=0,0,0,0,\"t\" → OK, +ECMTPUB: 0,0,0",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	wantSent := "AT\rAT+CEREG=1\rAT+QMTOPEN=0,\"h\",1883\rAT+ECMTOPEN=0,\"127.0.0.1\",1883\rAT+ECMTCONN=0,\"dev1\"\rAT+ECMTPUB=0,0,0,0,\"t\"\r{\"a\":1}\x1a"
	if got := string(col.joined(record.DirHostToModule)); got != wantSent {
		t.Errorf("recorded host→module %q, want %q", got, wantSent)
	}
	if got := string(col.joined(record.DirModuleToHost)); !strings.HasSuffix(got, "+ECMTPUB: 0,0,0\r\n") || !strings.Contains(got, "+ECMTCONN: 0,0,5") {
		t.Errorf("recorded module→host %q", got)
	}
	mod.mu.Lock()
	defer mod.mu.Unlock()
	if len(mod.heard) != 6 {
		t.Errorf("module heard %q", mod.heard)
	}
}

func TestRunScriptTimesOutClearly(t *testing.T) {
	err, _, _, _ := runScriptText(t, "AT\n@timeout 300ms\nAT+SILENT\nAT\n")
	if !errors.Is(err, ErrScriptStep) || !strings.Contains(err.Error(), "test.atscript line 3: AT+SILENT: no final result (OK/ERROR): timed out after 300ms") {
		t.Fatalf("got %v", err)
	}
	err, _, _, _ = runScriptText(t, "@urc-timeout 300ms\nAT+ECMTDISC=0\n")
	if !errors.Is(err, ErrScriptStep) || !strings.Contains(err.Error(), "line 2: AT+ECMTDISC=0: OK, but no +ECMTDISC result: timed out after 300ms") {
		t.Fatalf("got %v", err)
	}
}

func TestRunScriptErrorStopsOrContinues(t *testing.T) {
	err, _, _, mod := runScriptText(t, "AT+NOPE\nAT\n")
	if !errors.Is(err, ErrScriptStep) || !strings.Contains(err.Error(), `line 1: AT+NOPE: module answered "+CME ERROR: 58"`) {
		t.Fatalf("got %v", err)
	}
	mod.mu.Lock()
	if len(mod.heard) != 1 {
		t.Errorf("after a stopping error the module heard %q", mod.heard)
	}
	mod.mu.Unlock()

	err, log, _, mod := runScriptText(t, "@onerror continue\nAT+NOPE\nAT\n")
	if err != nil {
		t.Fatalf("continue: %v", err)
	}
	if !strings.Contains(log, `module answered "+CME ERROR: 58"`) || !strings.Contains(log, "line 3: AT → OK") {
		t.Errorf("log:\n%s", log)
	}
	mod.mu.Lock()
	defer mod.mu.Unlock()
	if len(mod.heard) != 2 {
		t.Errorf("module heard %q", mod.heard)
	}
}

func TestRunScriptCancelled(t *testing.T) {
	u := newFakeUART(t)
	startFakeModule(t, u)
	script, _ := ParseScript(strings.NewReader("AT\n@sleep 1h\nAT\n"), "s")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	if err := RunScript(ctx, SerialConfig{Port: u.Path}, script, SerialSink{}, ScriptOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestModuleLinesBoundsAPendingLine(t *testing.T) {
	m := &moduleLines{notify: make(chan struct{}, 1)}
	m.feed(bytes.Repeat([]byte{'x'}, 3*maxPendingLine))
	if len(m.pending) > maxPendingLine || len(m.lines) != 2 {
		t.Fatalf("pending %d bytes, %d lines", len(m.pending), len(m.lines))
	}
}
