package at

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// busyLog is hours of a busy module in tio's stamped format: QoS 1
// publishes with their OK and result URC, a received message every tenth.
func busyLog(lines int) []byte {
	var b bytes.Buffer
	n, ms := 0, 0
	line := func(format string, a ...any) {
		fmt.Fprintf(&b, "[2026-11-26 %02d:%02d:%02d.%03d] ", 4+ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
		fmt.Fprintf(&b, format, a...)
		b.WriteString("\r\n")
		ms += 7
		n++
	}
	line(`AT+ECMTOPEN=0,"127.0.0.1",1883`)
	line("OK")
	line("+ECMTOPEN: 0,0")
	line(`AT+ECMTCONN=0,"bench-device-0001","bench","secret"`)
	line("OK")
	line("+ECMTCONN: 0,0,0")
	for seq := 0; n < lines; seq++ {
		id := seq%65535 + 1
		line(`AT+ECMTPUB=0,%d,1,0,"dev1/telemetry","{\"seq\":%d,\"t\":21.5}"`, id, seq%100000)
		line("OK")
		line("+ECMTPUB: 0,%d,0", id)
		if seq%10 == 9 {
			line(`+ECMTRECV: 0,0,"dev/cmd","{\"set\":%d}"`, seq%1000)
		}
	}
	return b.Bytes()
}

// ReadLogEach gives out the same transactions and events as ReadLog, in
// line order, each once.
func TestReadLogEachMatchesReadLog(t *testing.T) {
	logs := map[string][]byte{"busy": busyLog(2000)}
	for _, dir := range []string{"testdata/atlogs", "testdata/seriallogs"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			logs[path] = data
		}
	}
	for name, data := range logs {
		whole, err := ReadLog(bytes.NewReader(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		txns, events := []Transaction{}, []Event{}
		last := 0
		l, err := ReadLogEach(bytes.NewReader(data), Options{}, func(it Item) {
			if it.Line() < last {
				t.Errorf("%s: line %d given out after line %d", name, it.Line(), last)
			}
			last = it.Line()
			if it.Txn != nil {
				txns = append(txns, *it.Txn)
			} else {
				events = append(events, *it.Event)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(txns, whole.Transactions) {
			t.Errorf("%s: transactions differ:\n got %.300v\nwant %.300v", name, txns, whole.Transactions)
		}
		if !reflect.DeepEqual(events, whole.Events) {
			t.Errorf("%s: events differ:\n got %.300v\nwant %.300v", name, events, whole.Events)
		}
		if l.Format != whole.Format || l.Dialect != whole.Dialect || l.TimeSource != whole.TimeSource ||
			strings.Join(l.Problems, "\n") != strings.Join(whole.Problems, "\n") || l.Damaged != whole.Damaged {
			t.Errorf("%s: log differs: %+v vs %+v", name, l, whole)
		}
	}
}

// A command whose result never comes is held back only so long: past
// maxHeld later items it is given out pending and its late result is an
// unsolicited event.
func TestReadLogEachBoundsHeldItems(t *testing.T) {
	var b strings.Builder
	b.WriteString("AT+ECMTPUB=0,7,1,0,\"t\",\"x\"\r\nOK\r\n")
	for i := 0; i < maxHeld+10; i++ {
		b.WriteString("AT\r\nOK\r\n")
	}
	b.WriteString("+ECMTPUB: 0,7,0\r\n")
	held, n := 0, 0
	_, err := ReadLogEach(strings.NewReader(b.String()), Options{}, func(it Item) {
		n++
		if it.Txn != nil && it.Txn.Name == "ECMTPUB" {
			if it.Txn.Outcome != OutcomePending || it.Txn.Result != "" {
				t.Errorf("held publish %+v", it.Txn)
			}
			held = n
		}
		if it.Event != nil && !strings.HasPrefix(it.Event.Meaning, "unsolicited") {
			t.Errorf("late result %+v", it.Event)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if held != 1 || n != maxHeld+12 {
		t.Errorf("publish given out as item %d of %d", held, n)
	}
}

func BenchmarkReadLogEach(b *testing.B) {
	data := busyLog(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if _, err := ReadLogEach(bytes.NewReader(data), Options{}, func(Item) { n++ }); err != nil || n == 0 {
			b.Fatal(err)
		}
	}
}

// FuzzReadLogEach: any input, including very long and binary lines, gives
// out the same transactions and events as ReadLog, in line order, with
// no panic and bounded work.
func FuzzReadLogEach(f *testing.F) {
	f.Add([]byte("AT+ECMTPUB=0,1,1,0,\"t\",\""+strings.Repeat("A", MaxLine+100)+"\"\r\nOK\r\n"), uint8(0))
	f.Add([]byte("+ECMTRECV: 0,0,\"t\","+strings.Repeat("\x00\xff", 40000)+"\r\nAT\r\nOK\r\n"), uint8(1))
	f.Add([]byte("# atmq-serial v1\n2026-11-26T05:13:52.5Z > "+strings.Repeat("\\x00", 70000)+"\n2026-11-26T05:13:52.6Z < OK"), uint8(2))
	f.Add([]byte(strings.Repeat("AT+QMTPUBEX=0,1,1,0,\"t\",5\r\n> ", 50)), uint8(3))
	f.Add([]byte("[10:00:00.000] AT+ECMTCONN=0,\"a\x00b\"\r\n[10:00:00.001] OK\r\n"), uint8(4))
	formats := append([]string{""}, Formats()...)
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		opts := Options{Format: formats[int(pick)%len(formats)]}
		whole, err := ReadLog(bytes.NewReader(data), opts)
		if err != nil {
			return
		}
		n, m, last := 0, 0, 0
		l, err := ReadLogEach(bytes.NewReader(data), opts, func(it Item) {
			if it.Line() < last {
				t.Fatalf("line %d after %d", it.Line(), last)
			}
			last = it.Line()
			if it.Txn != nil {
				n++
			} else {
				m++
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(whole.Transactions) || m != len(whole.Events) || l.Damaged != whole.Damaged {
			t.Fatalf("each: %d txns, %d events, damaged %d; whole: %d, %d, %d", n, m, l.Damaged, len(whole.Transactions), len(whole.Events), whole.Damaged)
		}
	})
}
