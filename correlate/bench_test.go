package correlate

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// bigServerSession is a broker-side capture: 200 other clients publishing
// telemetry beside the device, which publishes n QoS 1 messages; the
// serial clock is 8 h ahead.
func bigServerSession(n int, untimed bool) (*at.Log, []netcap.Record) {
	l := newLog(8 * time.Hour)
	l.untime = untimed
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "user", "pass", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "user", "pass", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	others := make([]tconn, 200)
	for i := range others {
		others[i] = tconn{id: 10 + i, client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000), server: devConn.server}
		b.handshake(0.5, others[i])
		b.pkt(0.6, others[i], true, connectPkt(fmt.Sprintf("sensor-%d", i), "s", "p", 60, true))
		b.pkt(0.7, others[i], false, connack(0))
	}
	for k := 0; k < n; k++ {
		s := 2 + float64(k)
		payload := fmt.Sprintf(`{"seq":%d}`, k)
		id := fmt.Sprint(k%65535 + 1)
		l.cmd(s, `AT+ECMTPUB=0,`+id+`,1,0,"dev1/up","`+payload+`"`, at.OpPublish,
			args(at.ArgConn, "0", at.ArgMsgID, id, at.ArgQoS, "1", at.ArgRetain, "0", at.ArgTopic, "dev1/up", at.ArgPayload, payload),
			"OK", s+0.05, "+ECMTPUB: 0,"+id+",0", args(at.ArgConn, "0", at.ArgMsgID, id, at.ArgResult, "0"))
		b.pkt(s+0.02, devConn, true, publish("dev1/up", payload, 1, uint16(k%65535+1)))
		b.pkt(s+0.03, devConn, false, ack(mqtt.PUBACK, uint16(k%65535+1)))
		for j := 0; j < 20; j++ {
			o := others[(k*20+j)%len(others)]
			b.pkt(s+0.001*float64(j), o, true, publish("fleet/telemetry", payload, 0, 0))
		}
	}
	return &l.log, b.recs
}

func BenchmarkAnalyzeServerCapture(b *testing.B) {
	for _, untimed := range []bool{false, true} {
		log, recs := bigServerSession(2000, untimed)
		b.Run(fmt.Sprintf("records=%d/untimed=%v", len(recs), untimed), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res := Analyze(log, recs, Options{})
				if res.HasErrors() {
					b.Fatal(describeFindings(res))
				}
			}
		})
	}
}

func TestBigServerSessionPairs(t *testing.T) {
	for _, untimed := range []bool{false, true} {
		log, recs := bigServerSession(300, untimed)
		res := Analyze(log, recs, Options{})
		if len(findingCodes(res, "")) > 0 {
			t.Errorf("untimed=%v: %v", untimed, describeFindings(res))
		}
		for _, tr := range res.Transactions[2:] {
			if len(tr.Frames) != 2 {
				t.Fatalf("untimed=%v: %s paired with %v", untimed, tr.Command, tr.Frames)
			}
		}
		if !untimed && (res.Clock.OffsetSeconds < 8*3600-0.1 || res.Clock.OffsetSeconds > 8*3600+0.1) {
			t.Errorf("offset %v", res.Clock.OffsetSeconds)
		}
	}
}
