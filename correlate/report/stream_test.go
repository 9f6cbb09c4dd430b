package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/record"
)

// longLog is an ECMT module's serial.atmq: open, connect, then n QoS 1
// publishes, every 37th refused.
func longLog(n int) []byte {
	start := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	buf := []byte("# atmq-serial v1\n")
	emit := func(at time.Duration, dir record.Direction, text string) {
		buf = record.AppendSerialRecord(buf, record.SerialChunk{Dir: dir, Time: start.Add(at), Data: []byte(text)})
	}
	emit(0, record.DirHostToModule, "AT+ECMTOPEN=0,\"10.0.0.1\",1883\r")
	emit(time.Millisecond, record.DirModuleToHost, "\r\nOK\r\n\r\n+ECMTOPEN: 0,0\r\n")
	emit(100*time.Millisecond, record.DirHostToModule, "AT+ECMTCONN=0,\"dev1\",\"user\",\"pass\"\r")
	emit(101*time.Millisecond, record.DirModuleToHost, "\r\nOK\r\n\r\n+ECMTCONN: 0,0,0\r\n")
	for k := 0; k < n; k++ {
		at := time.Second + time.Duration(k)*50*time.Millisecond
		result := 0
		if k%37 == 36 {
			result = 2
		}
		emit(at, record.DirHostToModule, fmt.Sprintf("AT+ECMTPUB=0,%d,1,0,\"dev1/up\",\"<seq-%d>\"\r", k+1, k))
		emit(at+time.Millisecond, record.DirModuleToHost, fmt.Sprintf("\r\nOK\r\n\r\n+ECMTPUB: 0,%d,%d\r\n", k+1, result))
	}
	return buf
}

// A session that settled most of a long log, replayed from its spill,
// prints the JSON document and the table the whole result prints.
func TestStreamMatchesWholeResult(t *testing.T) {
	log := longLog(1200)
	spill, err := correlate.NewSpill()
	if err != nil {
		t.Fatal(err)
	}
	defer spill.Close()
	sess, err := correlate.NewSession(correlate.SessionOptions{MaxItems: 300, KeepSettled: true, OnSettled: spill.Settled})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.ReadSerial(bytes.NewReader(log), at.Options{}); err != nil {
		t.Fatal(err)
	}
	whole := sess.Close()
	if spill.Empty() {
		t.Fatal("nothing was settled")
	}
	final := *whole
	// The session's last window: what Close returns past the kept part.
	n := 0
	spill.Transactions(func(json.RawMessage) error { n++; return nil })
	final.Transactions = whole.Transactions[n:]
	n = 0
	spill.Events(func(json.RawMessage) error { n++; return nil })
	final.Events = whole.Events[n:]
	n = 0
	spill.Rows(func(correlate.Row) error { n++; return nil })
	final.Timeline = whole.Timeline[n:]
	stream := Stream{Final: &final, Transactions: spill.Transactions, Events: spill.Events, Rows: spill.Rows}

	var want, got bytes.Buffer
	if err := JSON(&want, whole); err != nil {
		t.Fatal(err)
	}
	if err := JSONStream(&got, stream); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("JSONStream differs from JSON (%d vs %d bytes)", got.Len(), want.Len())
	}
	want.Reset()
	got.Reset()
	if err := Table(&want, whole); err != nil {
		t.Fatal(err)
	}
	if err := TableStream(&got, stream, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("TableStream differs from Table (%d vs %d bytes)", got.Len(), want.Len())
	}
}
