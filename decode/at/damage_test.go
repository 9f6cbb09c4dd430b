package at

import (
	"io"
	"strings"
	"testing"
)

// Lost text is damage (Log.Damaged, Log.Skipped with the line), garbage
// of a wrong baud rate is not.
func TestDamageIsCounted(t *testing.T) {
	long := strings.Repeat("A", MaxLine+10)
	for _, c := range []struct {
		name, log string
		damaged   int
		line      int
	}{
		{"cut line", "AT\r\nOK\r\n+ECMTRECV: 0,0,\"t\"," + long + "\r\nAT\r\nOK\r\n", 1, 3},
		{"NUL in text", "AT\r\nOK\r\nAT+ECMTCONN=0,\"dev\x00ice\"\r\nOK\r\n", 1, 3},
		{"wrong-baud garbage", "\x00\x13\xfe\xff\x80\x81\r\nAT\r\nOK\r\n", 0, 0},
		{"clean", "AT\r\nOK\r\n", 0, 0},
	} {
		l, err := ReadLog(strings.NewReader(c.log), Options{Format: "raw"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Damaged != c.damaged || len(l.Skipped) != c.damaged {
			t.Errorf("%s: damaged %d, skipped %+v; want %d", c.name, l.Damaged, l.Skipped, c.damaged)
			continue
		}
		if c.damaged > 0 && (l.Skipped[0].Line != c.line || l.Skipped[0].What == "") {
			t.Errorf("%s: skipped %+v, want line %d", c.name, l.Skipped, c.line)
		}
	}
}

// A malformed atmq-serial record is skipped with its line and byte offset.
func TestDamageOffset(t *testing.T) {
	log := "# atmq-serial v1\n2026-11-26T05:13:52.5Z > AT\\r\nnot a record at all\n2026-11-26T05:13:52.6Z < OK\\r\\n\n"
	l, err := ReadLog(strings.NewReader(log), Options{Format: "atmq"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Damaged != 1 || l.Skipped[0].Line != 3 || l.Skipped[0].Offset != int64(strings.Index(log, "not a")) {
		t.Errorf("damaged %d, skipped %+v", l.Damaged, l.Skipped)
	}
}

type zeros struct{ n int64 }

func (z *zeros) Read(b []byte) (int, error) {
	clear(b)
	z.n += int64(len(b))
	return len(b), nil
}

// Input that never ends a line (/dev/zero) stops at maxLineRun with a
// message: it never hangs.
func TestEndlessInputStops(t *testing.T) {
	for _, read := range []func(io.Reader) (*Log, error){
		func(r io.Reader) (*Log, error) { return ReadLog(r, Options{}) },
		func(r io.Reader) (*Log, error) { return ReadLogEach(r, Options{}, func(Item) {}) },
	} {
		z := &zeros{}
		l, err := read(z)
		if err != nil {
			t.Fatal(err)
		}
		if z.n > 2*maxLineRun || l.Damaged == 0 || !strings.Contains(strings.Join(l.Problems, "\n"), "stopped reading") {
			t.Errorf("read %d bytes; damaged %d; problems %q", z.n, l.Damaged, l.Problems)
		}
	}
}

// A recording killed while writing its last record ends without LF: that
// record is skipped and reported, the rest read.
func TestAtmqCutLastRecord(t *testing.T) {
	log := "# atmq-serial v1\n2026-11-26T05:13:52.5Z > AT\\r\n2026-11-26T05:13:52.6Z < \\r\\nOK\\r\\n\n2026-11-26T05:13:52.7Z > AT+ECMTCO"
	l, err := ReadLog(strings.NewReader(log), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Transactions) != 1 || l.Transactions[0].Final != "OK" || l.Damaged != 1 || l.Skipped[0].Line != 4 ||
		l.Skipped[0].Offset != int64(strings.LastIndex(log, "\n")+1) {
		t.Errorf("transactions %+v, damaged %d, skipped %+v", l.Transactions, l.Damaged, l.Skipped)
	}
}
