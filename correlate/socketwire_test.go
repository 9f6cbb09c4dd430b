package correlate

import (
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// wireRecord is a capture record of one packet on connection 1.
func wireRecord(t *testing.T, frame int, at time.Time, fromClient bool, raw []byte) netcap.Record {
	t.Helper()
	p, err := mqtt.Decode(raw, 4)
	if err != nil {
		t.Fatal(err)
	}
	return netcap.Record{Kind: netcap.KindPacket, Frame: frame, Time: at, Conn: 1, FromClient: fromClient, Packet: p}
}

func socketLog(t *testing.T, u *uart) *at.Log {
	t.Helper()
	l, err := at.ReadChunks(u.chunks, at.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSocketPacketsMatchTheWire(t *testing.T) {
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(0), []byte("\r\n"))
	l := socketLog(t, u)
	// The capture's clock is 2 s behind the log's.
	t0 := u.chunks[0].Time.Add(-2 * time.Second)
	recs := []netcap.Record{
		wireRecord(t, 4, t0.Add(50*time.Millisecond), true, sockConnect),
		wireRecord(t, 6, t0.Add(60*time.Millisecond), false, sockConnack(0)),
	}
	r := Analyze(l, recs, Options{})
	if r.Clock.Method != "content" || r.Clock.Matches != 2 || r.Clock.OffsetSeconds < 1.9 || r.Clock.OffsetSeconds > 2.1 {
		t.Errorf("clock %+v", r.Clock)
	}
	for _, f := range r.Findings {
		if f.Severity != SeverityInfo {
			t.Errorf("finding %+v", f)
		}
	}
}

func TestSocketPacketChangedOrLostOnTheWay(t *testing.T) {
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(0), []byte("\r\n"))
	u.host([]byte("AT+CIPSEND=0,2\r\n")).mod([]byte("\r\n> ")).host([]byte{0xc0, 0}).mod([]byte("\r\n0, SEND OK\r\n"))
	l := socketLog(t, u)
	t0 := u.chunks[0].Time
	changed := append([]byte(nil), sockConnect...)
	changed[len(changed)-1] = '2' // the module replaced the last byte of the client id
	recs := []netcap.Record{
		wireRecord(t, 4, t0, true, changed),
		wireRecord(t, 6, t0, false, sockConnack(0)),
		// no PINGREQ on the wire
	}
	fs := socketFindings(Analyze(l, recs, Options{}))
	if f, ok := fs[CodeWireMismatch]; !ok || f.Severity != SeverityError || len(f.Frames) != 1 || f.Frames[0] != 4 {
		t.Errorf("findings %+v", fs)
	}
	if _, ok := fs[CodeNotOnWire]; !ok {
		t.Errorf("the PINGREQ that never reached the wire is not reported: %+v", fs)
	}
}
