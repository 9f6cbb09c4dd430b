package at

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/record"
)

func splitAll(s *Splitter, chunks ...record.SerialChunk) []Line {
	var out []Line
	s.Out = func(l Line) { l.Text = bytes.Clone(l.Text); out = append(out, l) }
	for _, c := range chunks {
		s.Chunk(c)
	}
	s.Flush()
	return out
}

func show(ls []Line) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("%d:%d:%q:%d", l.Line, l.Kind, l.Text, l.End))
	}
	return strings.Join(parts, " ")
}

func TestSplitterEnds(t *testing.T) {
	m := func(s string, line int) record.SerialChunk {
		return record.SerialChunk{Dir: record.DirModuleToHost, Data: []byte(s), Line: line}
	}
	cases := []struct {
		chunks []record.SerialChunk
		want   string
	}{
		// echo "AT\r" then "\r\nOK\r\n": CR, then an empty line, then OK
		{[]record.SerialChunk{m("AT\r\r\nOK\r\n", 1)}, `1:0:"AT":13 1:1:"":13 2:0:"OK":13`},
		// LF only, CR only
		{[]record.SerialChunk{m("A\nB\n", 1)}, `1:0:"A":10 2:0:"B":10`},
		{[]record.SerialChunk{m("A\rB\r", 1)}, `1:0:"A":13 1:0:"B":13`},
		// CRLF split across chunks
		{[]record.SerialChunk{m("OK\r", 1), m("\nX\r\n", 1)}, `1:0:"OK":13 2:0:"X":13`},
		// a line split across chunks keeps its first chunk's line
		{[]record.SerialChunk{m("+QMT", 5), m("OPEN: 0,0\r\n", 7)}, `5:0:"+QMTOPEN: 0,0":13`},
		// the prompt comes out at the end of its chunk
		{[]record.SerialChunk{m("\r\n> ", 3)}, `3:1:"":13 4:0:"> ":0`},
		// a partial line at the end of input
		{[]record.SerialChunk{m("OK\r\n+QMTST", 1)}, `1:0:"OK":13 2:0:"+QMTST":0`},
		// Ctrl-Z ends a line outside data mode too
		{[]record.SerialChunk{m("abc\x1a", 1)}, `1:0:"abc":26`},
		// binary noise
		{[]record.SerialChunk{m("\x00\x01\xff\r\n", 1)}, `1:3:"\x00\x01\xff":13`},
	}
	for i, c := range cases {
		got := show(splitAll(&Splitter{LFIsLine: true}, c.chunks...))
		if got != c.want {
			t.Errorf("case %d: %s\nwant %s", i, got, c.want)
		}
	}
}

func TestSplitterDataMode(t *testing.T) {
	h := func(s string) record.SerialChunk {
		return record.SerialChunk{Dir: record.DirHostToModule, Data: []byte(s), Line: 1}
	}
	s := &Splitter{}
	var out []Line
	s.Out = func(l Line) { l.Text = bytes.Clone(l.Text); out = append(out, l) }
	s.SetDataMode(5)
	s.Chunk(h("he"))
	s.Chunk(h("l\r\nAT\r"))
	if got := show(out); got != `1:2:"hel\r\n":76 1:0:"AT":13` {
		t.Errorf("length mode: %s", got)
	}
	out = nil
	s.SetDataMode(DataModeCtrlZ)
	s.Chunk(h("a\r\nb\x1aAT\r"))
	s.SetDataMode(DataModeCtrlZ)
	s.Chunk(h("cancel\x1b"))
	if got := show(out); got != `1:2:"a\r\nb":26 1:0:"AT":13 1:2:"cancel":27` {
		t.Errorf("Ctrl-Z mode: %s", got)
	}
	if s.InDataMode() {
		t.Error("still in data mode")
	}
}

func TestSplitterBounds(t *testing.T) {
	var problems []string
	s := &Splitter{Problem: func(p string) { problems = append(problems, p) }}
	big := bytes.Repeat([]byte("A"), 3*MaxLine)
	ls := splitAll(s, record.SerialChunk{Dir: record.DirModuleToHost, Data: append(big, '\n'), Line: 9})
	if len(ls) != 1 || len(ls[0].Text) != MaxLine || len(problems) != 1 || !strings.HasPrefix(problems[0], "line 9: line longer") {
		t.Errorf("%d lines, problems %v", len(ls), problems)
	}
	problems = nil
	s = &Splitter{Problem: func(p string) { problems = append(problems, p) }}
	s.SetDataMode(DataModeCtrlZ)
	ls = splitAll(s, record.SerialChunk{Dir: record.DirHostToModule, Data: big, Line: 1})
	for _, l := range ls {
		if len(l.Text) > MaxLine {
			t.Fatalf("payload of %d bytes", len(l.Text))
		}
	}
	if len(problems) == 0 {
		t.Error("no problem reported for an endless payload")
	}
}

func FuzzSplitLines(f *testing.F) {
	f.Add([]byte("AT\r\r\nOK\r\n"), []byte("\r\n> "), uint8(0))
	f.Add([]byte("AT+QMTPUBEX=0,1,1,0,\"t\",5\r"), []byte("hello"), uint8(5))
	f.Add([]byte("a\x1ab\x1b"), []byte("\x00\xff\r"), uint8(255))
	f.Fuzz(func(t *testing.T, a, b []byte, mode uint8) {
		s := &Splitter{LFIsLine: mode&1 == 1, ChunkEndsHostLine: mode&2 == 2}
		total, lines := 0, 0
		s.Out = func(l Line) {
			lines++
			total += len(l.Text)
			if len(l.Text) > MaxLine {
				t.Fatalf("line of %d bytes", len(l.Text))
			}
			if l.Kind != KindPayload && bytes.ContainsAny(l.Text, "\r\n\x1a") {
				t.Fatalf("text line holds a line end: %q", l.Text)
			}
			if l.Line < 1 {
				t.Fatalf("line number %d", l.Line)
			}
		}
		if mode > 128 {
			s.SetDataMode(int(mode) - 128)
		} else if mode > 64 {
			s.SetDataMode(DataModeCtrlZ)
		}
		s.Chunk(record.SerialChunk{Dir: record.DirHostToModule, Data: a, Line: 1})
		s.Chunk(record.SerialChunk{Dir: record.DirModuleToHost, Data: b, Line: 1})
		s.Chunk(record.SerialChunk{Dir: record.DirUnknown, Data: a, Line: 2})
		s.Flush()
		if total > 2*len(a)+len(b) {
			t.Fatalf("%d bytes out of %d in", total, 2*len(a)+len(b))
		}
		if lf := bytes.Count(a, []byte{'\n'})*2 + bytes.Count(b, []byte{'\n'}); s.LFIsLine && lines > 2*(len(a)*2+len(b))+3 {
			t.Fatalf("%d lines from %d LFs", lines, lf)
		}
	})
}

func TestNoiseOrText(t *testing.T) {
	for in, want := range map[string]bool{
		"+ECMTRECV: 0,0,\"t\",\xc4\xe3\xba\xc3": false, // GBK 你好
		"+ECMTRECV: 0,0,\"t\",你好":               false,
		"\xff\xfe\xfd\xfc\x80":                  true,
		"\x13\x11\x05\x02AT":                    true,
		"OK\x00":                                true,
		"AT+CSQ":                                false,
	} {
		if got := isNoise([]byte(in)); got != want {
			t.Errorf("%q: noise %v, want %v", in, got, want)
		}
	}
}

func TestIsCommand(t *testing.T) {
	for in, want := range map[string]bool{
		"AT": true, "at": true, "ATE0": true, "ATI": true, "AT+CSQ": true, "AT&F": true, "ATD*99#": true,
		"ATTACH OK": false, "ATTACHED": false, "OK": false, "+QMTOPEN: 0,0": false, "A": false,
	} {
		if got := isCommand(in); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}
