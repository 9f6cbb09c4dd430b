package at

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// Live capture feeds chunks one by one: items come out as lines complete,
// byte-by-byte feeding gives the same answer as whole chunks.
func TestParserIncremental(t *testing.T) {
	chunks := qmtSession()
	p, err := NewParser(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	p.OnTransaction = func(t *Transaction) { seen = append(seen, t.Name+"/"+t.Final+"/"+t.Result) }
	p.OnEvent = func(e *Event) { seen = append(seen, "event "+e.Name) }
	for i, c := range chunks {
		for j := range c.Data {
			p.Chunk(record.SerialChunk{Time: c.Time, Dir: c.Dir, Data: c.Data[j : j+1]})
		}
		if i == 7 { // after "+QMTCONN: 0,0,5\r\n"
			if got := strings.Join(seen, " "); !strings.Contains(got, "QMTCONN/OK/+QMTCONN: 0,0,5") {
				t.Fatalf("QMTCONN result not out yet: %s", got)
			}
		}
	}
	l := p.Close()
	whole, err := ReadChunks(chunks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dump(l) != dump(whole) {
		t.Errorf("byte by byte:\n%s\nwhole chunks:\n%s", dump(l), dump(whole))
	}
	if whole.TimeSource != "log" || len(whole.Transactions) != 7 {
		t.Errorf("ReadChunks: %s", dump(whole))
	}
	if !strings.Contains(strings.Join(seen, " "), "event QMTRECV") {
		t.Errorf("callbacks: %v", seen)
	}
}

func TestNoiseAndPartialLines(t *testing.T) {
	in := "QMTOPEN: 0,0\r\n" + // partial line at the start
		"\x00\x13\xfe\xff\x80\x81\r\n" + // wrong-baud garbage
		"\xff\xfeAT+QMTCONN=0,\"d\"\r\r\nOK\r\n" + // garbage glued to an echo
		"\r\n+QMTCONN: 0,0,0\r\n" +
		"AT+QMTDISC=0\r\r\nO" // cut at the end
	l := readBytes(t, []byte(in), Options{})
	c := txn(t, l, "QMTCONN", 0)
	if c.Line != 3 || c.Result != "+QMTCONN: 0,0,0" {
		t.Errorf("QMTCONN %+v", c)
	}
	d := txn(t, l, "QMTDISC", 0)
	if d.Final != "" || d.Meaning != "no final result and no result URC in the log" {
		t.Errorf("QMTDISC %+v", d)
	}
	joined := strings.Join(l.Problems, "\n")
	if !strings.Contains(joined, "line 2: binary noise") || !strings.Contains(joined, "line 3: 2 bytes of binary noise before") {
		t.Errorf("problems: %v", l.Problems)
	}
	if l.Damaged != 0 {
		t.Errorf("garbled lines are no damage: %d", l.Damaged)
	}
}

// A URC that lands between a command's echo and its final result is an
// event; information responses stay with the command.
func TestURCInsideResponse(t *testing.T) {
	in := "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\n+ECMTSTAT: 0,1\r\n\r\nOK\r\n"
	l := readBytes(t, []byte(in), Options{})
	c := txn(t, l, "CSQ", 0)
	if len(c.Responses) != 1 || c.Responses[0] != "+CSQ: 20,99" || c.Final != "OK" || c.FinalLine != 6 {
		t.Errorf("CSQ %+v", c)
	}
	if ev := events(l, "ECMTSTAT"); len(ev) != 1 || ev[0].Line != 4 {
		t.Errorf("events %+v", l.Events)
	}
}

// A file as large as a day of logging streams in bounded memory.
func BenchmarkReadLog(b *testing.B) {
	var one bytes.Buffer
	one.Write(writeRaw(qmtSession()))
	one.Write(writeRaw(session(ecmtSession()...)))
	n := (8 << 20) / one.Len()
	big := bytes.Repeat(one.Bytes(), n)
	b.SetBytes(int64(len(big)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := ReadLog(bytes.NewReader(big), Options{})
		if err != nil || len(l.Transactions) == 0 {
			b.Fatal(err)
		}
	}
}

func FuzzReadLog(f *testing.F) {
	for _, dir := range []string{"testdata/atlogs", "testdata/seriallogs"} {
		ms, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, m := range ms {
			b, err := os.ReadFile(m)
			if err == nil {
				f.Add(b, "")
			}
		}
	}
	chunks := qmtSession()
	f.Add(writeAtmq(chunks), "")
	f.Add(writeSocat(chunks), "socat")
	f.Add(writeJpnevulator(chunks), "")
	f.Add(toGBK(f, writeSSCOM(chunks)), "")
	f.Add(writeAtmq(session(ecmtSession()...)), "")
	for _, name := range Formats() {
		f.Add([]byte("AT+ECMTPUB=0,5,1,0,\"t\"\r\r\n> \x1a"), name)
	}
	// Terminal noise and wrapped lines (decoded by encoding.go, unwrap.go).
	f.Add(colour(writeRaw(chunks)), "")
	f.Add(append([]byte{0xff, 0xfe}, []byte("A\x00T\x00\r\x00\n\x00\x1b\x00[\x00")...), "")
	f.Add([]byte("06:37:04.740 > bgxx: >> AT+QMTOPEN=0,\"h\",8883\n06:37:04.752 > bgxx: << OK // x\n> **+QMTOPEN: 0,-1**\n```\n"), "")
	f.Add([]byte("SEND:AT\nSEND:+CIPSTART=\"TCP\",\"h\",\"1883\"\nSEND OKAT+QIRD=0\n\x1b]0;t\x07\x00\x00"), "")
	f.Fuzz(func(t *testing.T, b []byte, format string) {
		if len(format) > 20 {
			return
		}
		l, err := ReadLog(bytes.NewReader(b), Options{Format: format, Location: time.UTC})
		if err != nil {
			if format == "" {
				t.Fatalf("detected format failed: %v", err)
			}
			return
		}
		lines := bytes.Count(b, []byte{'\n'}) + 1
		for _, x := range l.Transactions {
			if x.Line < 0 || x.Line > lines || x.FinalLine > lines || x.ResultLine > lines {
				t.Fatalf("line numbers beyond the input: %+v", x)
			}
			if len(x.Payload) > MaxLine+1 {
				t.Fatalf("payload of %d bytes", len(x.Payload))
			}
		}
		if len(l.Transactions)+len(l.Events) > len(b) {
			t.Fatalf("%d items from %d bytes", len(l.Transactions)+len(l.Events), len(b))
		}
		_ = fmt.Sprint(l)
	})
}

// Host bytes without a line end (a payload whose prompt is not in the log)
// do not swallow the next command.
func TestHostBytesRunIntoCommand(t *testing.T) {
	l := readBytes(t, writeAtmq(session("H:hello", "H:AT+QMTDISC=0\r", "M:\r\nOK\r\n")), Options{})
	d := txn(t, l, "QMTDISC", 0)
	if d.Final != "OK" || len(l.Problems) != 1 || !strings.Contains(l.Problems[0], `host sent "hello"`) {
		t.Errorf("%s", dump(l))
	}
}

// In a log of both directions a garbled echo is still the echo.
func TestGarbledEcho(t *testing.T) {
	l := readBytes(t, writeAtmq(session(`H:AT+QMTCONN=0,"d"`+"\r", `M:AT+QMTCONN=0,"e"`+"\r\r\nOK\r\n", "M:\r\n+QMTCONN: 0,0,0\r\n")), Options{})
	if len(l.Transactions) != 1 || l.Transactions[0].Result != "+QMTCONN: 0,0,0" || len(l.Problems) != 1 {
		t.Errorf("%s", dump(l))
	}
}

// Over-long lines are cut (raw) or skipped as damage (atmq-serial), never
// held whole.
func TestOverlongLines(t *testing.T) {
	long := strings.Repeat("x", 5*MaxLine)
	l := readBytes(t, []byte("AT+CSQ\r\r\n+CSQ: "+long+"\r\nOK\r\n"), Options{})
	c := txn(t, l, "CSQ", 0)
	if c.Final != "OK" || len(c.Responses) != 1 || len(c.Responses[0]) > MaxLine || len(l.Problems) == 0 {
		t.Errorf("raw: final %q, %d responses, problems %v", c.Final, len(c.Responses), l.Problems)
	}
	rec := "# atmq-serial v1\n- < " + long + "\n- > AT\\r\n- < AT\\r\\r\\nOK\\r\\n\n"
	l = readBytes(t, []byte(rec), Options{})
	if l.Damaged != 1 || len(l.Transactions) != 1 || l.Transactions[0].Line != 3 {
		t.Errorf("atmq: damaged %d\n%s", l.Damaged, dump(l))
	}
}

// PuTTY repeats its header for each appended session.
func TestPuTTYSessions(t *testing.T) {
	h := "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2026.11.26 04:00:00 =~=~=~=~=~=~=~=~=~=~=~=\r\n"
	l := readBytes(t, []byte(h+"AT\r\r\nOK\r\n"+h+"ATI\r\r\nQuectel\r\nOK\r\n"), Options{})
	if l.Format != "putty" || len(l.Transactions) != 2 || l.Transactions[1].Line != 5 || l.Transactions[1].Responses[0] != "Quectel" {
		t.Errorf("%s", dump(l))
	}
}
