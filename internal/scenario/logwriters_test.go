package scenario

import (
	"bytes"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

func TestWriteSSCOMAndRaw(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 1, 2, 3, 4_000_000, time.UTC)
	chunks := []record.SerialChunk{
		{Time: t0, Dir: record.DirHostToModule, Data: []byte("AT+ECMTOPEN=0,\"127.0.0.1\",1883\r")},
		{Time: t0.Add(time.Millisecond), Dir: record.DirModuleToHost, Data: []byte("AT+ECMTOPEN=0,\"127.0.0.1\",1883\r\r\nOK\r\n")},
	}
	var b bytes.Buffer
	if err := WriteSSCOM(&b, chunks, time.FixedZone("UTC+8", 8*3600)); err != nil {
		t.Fatal(err)
	}
	want := "[09:02:03.004]发→◇AT+ECMTOPEN=0,\"127.0.0.1\",1883\n□\n[09:02:03.005]收←◆AT+ECMTOPEN=0,\"127.0.0.1\",1883\n\nOK\n"
	if b.String() != want {
		t.Errorf("SSCOM:\n got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	if err := WriteRaw(&b, chunks); err != nil {
		t.Fatal(err)
	}
	if b.String() != "AT+ECMTOPEN=0,\"127.0.0.1\",1883\r\r\nOK\r\n" {
		t.Errorf("raw: got %q", b.String())
	}
}
