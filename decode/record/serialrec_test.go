package record

import (
	"bytes"
	"testing"
	"time"
)

func TestSerialRecordRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 26, 4, 55, 40, 123456789, time.UTC)
	cases := []SerialChunk{
		{Time: ts, Dir: DirHostToModule, Data: []byte("AT+ECMTOPEN=0,\"127.0.0.1\",1883\r\n")},
		{Time: ts, Dir: DirModuleToHost, Data: []byte("\r\nOK\r\n")},
		{Dir: DirUnknown, Data: []byte{0x00, 0xff, 0x1a, 0x1b, '\\', 'x'}},
		{Time: ts, Dir: DirHostToModule, Data: []byte("AT+ECMTCONN=0,”test”\t中文")},
		{Time: ts, Dir: DirModuleToHost, Data: nil},
		{Time: ts, Dir: DirModuleToHost, Data: []byte{0xe4, 0xb8}}, // cut UTF-8
	}
	for i, c := range cases {
		line := AppendSerialRecord(nil, c)
		if bytes.Count(line, []byte{'\n'}) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("case %d: record %q is not one line", i, line)
		}
		got, err := ParseSerialRecord(line[:len(line)-1], 7)
		if err != nil {
			t.Fatalf("case %d: %q: %v", i, line, err)
		}
		if !got.Time.Equal(c.Time) || got.Dir != c.Dir || !bytes.Equal(got.Data, c.Data) || got.Line != 7 {
			t.Errorf("case %d: round trip of %q gave %+v", i, line, got)
		}
	}
}

func TestParseSerialRecordErrors(t *testing.T) {
	for _, in := range []string{"2026-11-26T04:55:40Z", "bad > x", "- * x", "- >x", `- > \q`, `- > \x4`, `- > \`} {
		if _, err := ParseSerialRecord([]byte(in), 3); err == nil {
			t.Errorf("%q: want error", in)
		}
	}
	if _, err := ParseSerialRecord([]byte("# atmq-serial v1"), 1); err != ErrNotRecord {
		t.Errorf("comment: got %v", err)
	}
}

func FuzzParseSerialRecord(f *testing.F) {
	f.Add([]byte(`2026-11-26T04:55:40.1Z < \r\nOK\r\n`))
	f.Add([]byte(`- ? \xff\x00`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseSerialRecord(b, 1)
		if err != nil {
			return
		}
		line := AppendSerialRecord(nil, c)
		c2, err := ParseSerialRecord(line[:len(line)-1], 1)
		if err != nil || !bytes.Equal(c2.Data, c.Data) || c2.Dir != c.Dir {
			t.Fatalf("re-encoding %q → %q: %v", b, line, err)
		}
	})
}
