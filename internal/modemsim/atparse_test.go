package modemsim

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"sync"
	"testing"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		line string
		esc  bool
		want command
	}{
		{"AT", false, command{Line: "AT", Basic: -1}},
		{"ate0", false, command{Line: "ate0", Name: "E", Basic: 0}},
		{"ATI", false, command{Line: "ATI", Name: "I", Basic: -1}},
		{"AT&F", false, command{Line: "AT&F", Name: "&F", Basic: -1}},
		{"AT+CGATT?", false, command{Line: "AT+CGATT?", Name: "+CGATT", Kind: kindRead, Basic: -1}},
		{"AT+ECMTOPEN=?", false, command{Line: "AT+ECMTOPEN=?", Name: "+ECMTOPEN", Kind: kindTest, Basic: -1}},
		{"at+ecmtclose=0", false, command{Line: "at+ecmtclose=0", Name: "+ECMTCLOSE", Kind: kindSet, Basic: -1, Args: []arg{{Text: "0"}}}},
		{`AT+ECMTPUB=0,1,1,0,"a/b","x,y"`, false, command{Line: `AT+ECMTPUB=0,1,1,0,"a/b","x,y"`, Name: "+ECMTPUB", Kind: kindSet, Basic: -1,
			Args: []arg{{Text: "0"}, {Text: "1"}, {Text: "1"}, {Text: "0"}, {Text: "a/b", Quoted: true}, {Text: "x,y", Quoted: true}}}},
		{`AT+CMQTTCONNECT=0,"tcp://h:1883", 60, 1`, false, command{Line: `AT+CMQTTCONNECT=0,"tcp://h:1883", 60, 1`, Name: "+CMQTTCONNECT", Kind: kindSet, Basic: -1,
			Args: []arg{{Text: "0"}, {Text: "tcp://h:1883", Quoted: true}, {Text: "60"}, {Text: "1"}}}},
		{`AT+X=1,,""`, false, command{Line: `AT+X=1,,""`, Name: "+X", Kind: kindSet, Basic: -1, Args: []arg{{Text: "1"}, {Text: ""}, {Text: "", Quoted: true}}}},
		// ESP-AT escapes (ESPAT-IDX): \, \" \\ inside strings.
		{`AT+MQTTUSERCFG=0,1,"a\,b\"c\\",""`, true, command{Line: `AT+MQTTUSERCFG=0,1,"a\,b\"c\\",""`, Name: "+MQTTUSERCFG", Kind: kindSet, Basic: -1,
			Args: []arg{{Text: "0"}, {Text: "1"}, {Text: `a,b"c\`, Quoted: true}, {Text: "", Quoted: true}}}},
	}
	for _, tc := range cases {
		got, err := parseCommand([]byte(tc.line), tc.esc)
		if err != nil {
			t.Errorf("%s: %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	for _, line := range []string{
		"", "A", "hello", `AT+X="open`, `AT+X="a"b`, "AT+", "AT+X?1", "AT+X Y=1", "ATE9999", "AT&",
	} {
		if _, err := parseCommand([]byte(line), false); !errors.Is(err, errSyntax) {
			t.Errorf("%q: got %v, want a syntax error", line, err)
		}
	}
}

func TestTypographicQuotes(t *testing.T) {
	line := []byte("AT+ECMTOPEN=0,\u201chost\u201d,1883")
	if !hasTypographicQuote(line) {
		t.Fatal("not detected")
	}
	cmd, err := parseCommand(replaceTypographicQuotes(line), false)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := cmd.str(1); !ok || h != "host" {
		t.Fatalf("after replacement: %q %v", h, ok)
	}
	// Without replacement the host is not a quoted string: ERROR.
	cmd, _ = parseCommand(line, false)
	if _, ok := cmd.str(1); ok {
		t.Fatal("typographic quotes parsed as a string")
	}
}

// lockedBuffer collects module output in the fuzz target.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// FuzzModuleInput feeds arbitrary host bytes to every dialect: the module
// never panics or grows without bound, whatever the host sends. The
// network is unreachable, so every command stays local.
func FuzzModuleInput(f *testing.F) {
	for _, s := range []string{
		"AT\r\n", "ATE1\rAT+ECMTOPEN=0,\"h\",1\r", "AT+ECMTPUB=0,1,1,0,\"t\"\r\n\x1a",
		"AT+QMTPUBEX=0,1,1,0,\"t\",3\r\nabc", "AT+CMQTTTOPIC=0,3\r\nabcAT+CMQTTPUB=0,1,60\r",
		"AT+MQTTUSERCFG=0,1,\"a\\\"\",\"\",\"\",0,0,\"\"\r\n", "AT+MQTTPUBRAW=0,\"t\",4,0,0\r\nabcd",
		"AT+QMTCFG=\"will\",0,1,1,0,\"t\",\"m\"\r", "\x08\x08\x7fAT\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, d := range Dialects() {
			m := New(Options{Dialect: d, Echo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
				return nil, errors.New("no network in the fuzz target")
			}})
			ctx, cancel := context.WithCancel(context.Background())
			m.ctx = ctx
			out := &lockedBuffer{}
			m.out = out
			m.feed(in)
			cancel()
			<-m.pending.idle()
			if len(m.line) > maxLine || (m.data != nil && len(m.data.buf) > maxLine*16) {
				t.Fatalf("%s: unbounded input state", d)
			}
		}
	})
}

func BenchmarkParseCommand(b *testing.B) {
	line := []byte(`AT+ECMTPUB=0,7,1,0,"devices/tracker-1/telemetry","t=21.5;h=40"`)
	for b.Loop() {
		if _, err := parseCommand(line, false); err != nil {
			b.Fatal(err)
		}
	}
}
