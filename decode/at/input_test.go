package at

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// Terminal noise is decoded: the same real log saved the ways users save
// logs reads to the same transactions.

// summary lists what decides a log's reading: each transaction's line,
// command, final and result, and the events.
func summary(l *Log) string {
	var b strings.Builder
	for _, t := range l.Transactions {
		fmt.Fprintf(&b, "%d %s | %s@%d | %s@%d | %s\n", t.Line, t.Command, t.Final, t.FinalLine, t.Result, t.ResultLine, t.Outcome)
	}
	for _, e := range l.Events {
		fmt.Fprintf(&b, "event %d %s\n", e.Line, e.Text)
	}
	return b.String()
}

func utf16(t *testing.T, b []byte, order unicode.Endianness, bom unicode.BOMPolicy) []byte {
	t.Helper()
	out, err := unicode.UTF16(order, bom).NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// colour wraps each line's text in SGR sequences as a colouring console
// (or a module's debug port) saves them, and adds a cursor move and a
// window-title OSC at the start.
func colour(b []byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x1b]0;COM7 - Tera Term VT\x07\x1b[2J\x1b[H")
	for i, l := range bytes.SplitAfter(b, []byte{'\n'}) {
		body := bytes.TrimRight(l, "\r\n")
		if len(body) == 0 || body[0] == '#' {
			out.Write(l)
			continue
		}
		fmt.Fprintf(&out, "\x1b[%d;1m", 31+i%6)
		out.Write(body)
		out.WriteString("\x1b[0m")
		out.Write(l[len(body):])
	}
	return out.Bytes()
}

func TestTerminalNoiseDecoded(t *testing.T) {
	for _, name := range []string{"10_quectel", "08_ec626", "05_sim7600"} {
		m, _ := filepath.Glob(filepath.Join("testdata", "atlogs", name+"*.txt"))
		if len(m) != 1 {
			t.Fatalf("%s: %v", name, m)
		}
		plain, err := os.ReadFile(m[0])
		if err != nil {
			t.Fatal(err)
		}
		want := readBytes(t, plain, Options{})
		if !want.Understood() {
			t.Fatalf("%s: nothing read from the plain log", name)
		}
		nulPadded := append(bytes.ReplaceAll(plain, []byte("\n"), []byte("\n\x00\x00")), make([]byte, 512)...)
		variants := []struct {
			name, enc string
			data      []byte
		}{
			{"ansi", EncodingUTF8, colour(plain)},
			{"utf16le-bom", EncodingUTF16LE, utf16(t, plain, unicode.LittleEndian, unicode.UseBOM)},
			{"utf16le", EncodingUTF16LE, utf16(t, plain, unicode.LittleEndian, unicode.IgnoreBOM)},
			{"utf16be-bom", EncodingUTF16BE, utf16(t, plain, unicode.BigEndian, unicode.UseBOM)},
			{"utf16be", EncodingUTF16BE, utf16(t, plain, unicode.BigEndian, unicode.IgnoreBOM)},
			{"utf16le-ansi", EncodingUTF16LE, utf16(t, colour(plain), unicode.LittleEndian, unicode.UseBOM)},
			{"nul-padded", EncodingUTF8, nulPadded},
		}
		if !utf8Only(plain) {
			variants = append(variants, struct {
				name, enc string
				data      []byte
			}{"gbk", EncodingGBK, toGBK(t, plain)})
		}
		for _, v := range variants {
			got := readBytes(t, v.data, Options{})
			if got.Input.Encoding != v.enc {
				t.Errorf("%s %s: encoding %q, want %q", name, v.name, got.Input.Encoding, v.enc)
			}
			if s, w := summary(got), summary(want); s != w {
				t.Errorf("%s %s: read differently:\n%s\nwant\n%s", name, v.name, s, w)
			}
			if got.Verdict("--format") != "" {
				t.Errorf("%s %s: verdict %q on a log that was read", name, v.name, got.Verdict("--format"))
			}
			for _, p := range got.Problems {
				if strings.Contains(p, "noise") {
					t.Errorf("%s %s: %s", name, v.name, p)
				}
			}
		}
	}
}

func utf8Only(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// The issue's own example: a raw log with ANSI colours around the URC.
func TestANSIColouredURC(t *testing.T) {
	log := readBytes(t, []byte("AT+ECMTCONN=0,\"dev1\"\r\n\x1b[32mOK\x1b[0m\r\n\x1b[31m+ECMTCONN: 0,0,5\x1b[0m\r\n"), Options{})
	c := txn(t, log, "ECMTCONN", 0)
	if c.Final != "OK" || c.Result != "+ECMTCONN: 0,0,5" || c.Outcome != OutcomeFailed {
		t.Fatalf("ANSI log read as %s", dump(log))
	}
	if log.Input.Removed != 4 {
		t.Errorf("removed %d escape sequences, want 4", log.Input.Removed)
	}
}

// A lone ESC (the data-mode cancel key) is not an escape sequence.
func TestEscapeLen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"\x1b[0m", 4}, {"\x1b[38;5;196mX", 11}, {"\x1b[", -1}, {"\x1b", -1}, {"\x1b\r\n", 0},
		{"\x1bOK", 0}, {"\x1b]0;title\x07x", 10}, {"\x1b]0;t\x1b\\", 7}, {"\x1b(B", 3}, {"\x1b[1\n", 0},
	} {
		if got := escapeLen([]byte(c.in)); got != c.want {
			t.Errorf("escapeLen(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestVerdictOnUnreadableInput(t *testing.T) {
	pcapng, err := os.ReadFile(filepath.Join("..", "..", "pcaps", "ecmt-no-credentials", "capture.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	picocom, err := os.ReadFile(filepath.Join("testdata", "seriallogs", "06_picocom.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		format string
		want   []string
	}{
		{"pcapng as serial", pcapng, "", []string{"a pcapng capture", "--pcap"}},
		{"empty", nil, "", []string{"empty"}},
		{"only blank lines", []byte("\r\n\r\n\n"), "", []string{"empty"}},
		{"only NULs", make([]byte, 300), "", []string{"empty"}},
		{"format that does not fit", picocom, "sscom", []string{"format sscom (given; the content looks like raw)", "try --format raw"}},
		{"no AT at all", []byte("U-Boot 2020.01\r\nBooting kernel\r\nlogin: \r\n"), "", []string{"encoding utf-8", "format raw (guessed)", "3 lines read"}},
		{"wrong baud", []byte("\x03\x91\xfe\x00\x13\x88\x07\x19\n\x84\x02\x11\xe3\x10\x05\x81\x0f\n"), "", []string{"lines of binary noise skipped"}},
	} {
		log := readBytes(t, c.data, Options{Format: c.format})
		v := log.Verdict("--format")
		if v == "" {
			t.Errorf("%s: no verdict; read as %s", c.name, dump(log))
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(v, w) {
				t.Errorf("%s: verdict %q lacks %q", c.name, v, w)
			}
		}
	}
	// A log with only unsolicited URCs is understood (a status report).
	if v := readBytes(t, []byte("+QMTSTAT: 0,1\r\n"), Options{}).Verdict("--format"); v != "" {
		t.Errorf("URC-only log: %q", v)
	}
}
