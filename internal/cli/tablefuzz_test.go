package cli

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/internal/term"
)

// FuzzAtTable renders `atmq at`'s table for a log whose command, answers
// and URCs are very long or binary: bounded output, no control byte, no
// line wider than the terminal. Crashers: testdata/fuzz/FuzzAtTable.
func FuzzAtTable(f *testing.F) {
	f.Add(`AT+ECMTPUB=0,1,1,0,"t","x"`, "+ECMTRECV: 0,0,\"t\",\"y\"", "published", uint8(80))
	f.Add(strings.Repeat("A", 70000), strings.Repeat("中", 5000), strings.Repeat("w ", 4000), uint8(120))
	f.Add("\x1b[2J\x00\xff", "\r\n\t\x7f", "\u0301\u200b", uint8(20))
	f.Fuzz(func(t *testing.T, cmd, urc, meaning string, width uint8) {
		log := &at.Log{Format: cmd, Dialect: "ecmt", TimeSource: "log",
			Transactions: []at.Transaction{{Line: 1, Time: time.Unix(1, 0), Command: cmd, Final: urc, FinalLine: 2, Result: urc, ResultLine: 3,
				Meaning: meaning, Outcome: at.OutcomeFailed, Warnings: []at.Warning{{Code: meaning, Fix: cmd}}}},
			Events: []at.Event{{Line: 4, Text: urc, Meaning: meaning}}}
		for _, w := range []int{0, int(width)} {
			var buf bytes.Buffer
			if err := writeAtTable(&buf, log, term.Output{Width: w, Color: true}); err != nil {
				t.Fatal(err)
			}
			checkFuzzedTable(t, buf.String(), w, 256<<10)
		}
	})
}

// FuzzPacketsTable streams packets whose topic, payload, client id and
// spec notes are very long or binary through the packets table.
// Crashers: testdata/fuzz/FuzzPacketsTable.
func FuzzPacketsTable(f *testing.F) {
	f.Add("a/b", []byte("payload"), "dev1", "note", uint8(80))
	f.Add(strings.Repeat("t", 70000), bytes.Repeat([]byte{0xff, 0}, 40000), strings.Repeat("中", 3000), strings.Repeat("n ", 5000), uint8(100))
	f.Fuzz(func(t *testing.T, topic string, payload []byte, id, note string, width uint8) {
		c, s := netip.MustParseAddrPort("10.0.0.5:40001"), netip.MustParseAddrPort("[2001:db8::1]:1883")
		recs := []netcap.Record{
			{Kind: netcap.KindPacket, Frame: 1, Time: time.Unix(1, 0), Conn: 1, Client: c, Server: s, FromClient: true,
				Packet: &mqtt.Packet{Type: mqtt.CONNECT, Version: mqtt.Version311, ClientID: id, ProtocolName: id}},
			{Kind: netcap.KindPacket, Frame: 2, Time: time.Unix(2, 0), Conn: 1, Client: c, Server: s, FromClient: true,
				Packet: &mqtt.Packet{Type: mqtt.PUBLISH, Version: mqtt.Version5, Topic: topic, Payload: payload,
					Violations: []mqtt.Violation{{Rule: id, Message: note}}}},
			{Kind: netcap.KindEvent, Frame: 3, Time: time.Unix(3, 0), Conn: 1, Client: c, Server: s,
				Event: &netcap.Event{Type: netcap.EventTLSHello, By: "client", Detail: note, SNI: id}},
		}
		for _, w := range []int{0, int(width)} {
			var buf bytes.Buffer
			p := newTablePrinter(&buf, packetsOptions{Term: term.Output{Width: w, Color: true}})
			for _, r := range recs {
				if err := p.record(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.finish(); err != nil {
				t.Fatal(err)
			}
			checkFuzzedTable(t, buf.String(), w, 256<<10)
		}
	})
}

// checkFuzzedTable: output bounded, no control byte but colour escapes,
// and no line wider than a terminal of width ≥ 25 columns.
func checkFuzzedTable(t *testing.T, out string, width, limit int) {
	t.Helper()
	if len(out) > limit {
		t.Fatalf("width %d: %d bytes out", width, len(out))
	}
	plain := stripANSI(out)
	for _, l := range strings.Split(plain, "\n") {
		for i := 0; i < len(l); i++ {
			if l[i] < 0x20 || l[i] == 0x7f {
				t.Fatalf("control byte %#x printed: %q", l[i], l)
			}
		}
		if width >= 25 && term.Width(l) > width {
			t.Fatalf("width %d: line of %d columns: %q", width, term.Width(l), l)
		}
	}
}
