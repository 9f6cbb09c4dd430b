package correlate

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// openAndConnect starts a session: the device opens the socket and
// connects as dev1, accepted.
func openAndConnect(l *logBuilder, b *capBuilder) {
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "user", "pass", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "user", "pass", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
}

// bigServerSession is a broker-side capture: 200 other clients publishing
// telemetry beside the device, which publishes n QoS 1 messages; the
// serial clock is 8 h ahead.
func bigServerSession(n int, untimed bool) (*at.Log, []netcap.Record) {
	l := newLog(8 * time.Hour)
	l.untime = untimed
	b := &capBuilder{}
	openAndConnect(l, b)
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

// repeatedContentSession is a device publishing the same payload to one
// topic n times at QoS 1 and receiving the same command n times; the
// serial clock is 8 h ahead. With topicOnWire set to another topic the
// capture never shows the device's publishes (a log and capture that do
// not belong together).
func repeatedContentSession(n int, untimed bool, topicOnWire string) (*at.Log, []netcap.Record) {
	l := newLog(8 * time.Hour)
	l.untime = untimed
	b := &capBuilder{}
	openAndConnect(l, b)
	for k := 0; k < n; k++ {
		s := 2 + float64(k)
		id := fmt.Sprint(k%65535 + 1)
		l.cmd(s, `AT+ECMTPUB=0,`+id+`,1,0,"dev1/up","on"`, at.OpPublish,
			args(at.ArgConn, "0", at.ArgMsgID, id, at.ArgQoS, "1", at.ArgRetain, "0", at.ArgTopic, "dev1/up", at.ArgPayload, "on"),
			"OK", s+0.05, "+ECMTPUB: 0,"+id+",0", args(at.ArgConn, "0", at.ArgMsgID, id, at.ArgResult, "0"))
		b.pkt(s+0.02, devConn, true, publish(topicOnWire, "on", 1, uint16(k%65535+1)))
		b.pkt(s+0.03, devConn, false, ack(mqtt.PUBACK, uint16(k%65535+1)))
		l.event(s+0.5, `+ECMTRECV: 0,0,"dev1/cmd",on`, at.OpReceive, args(at.ArgTopic, "dev1/cmd"), "on")
		b.pkt(s+0.48, devConn, false, publish("dev1/cmd", "on", 0, 0))
	}
	return &l.log, b.recs
}

// Repeated content used to make every command vote with every packet
// (items × repeats clock matches) and an unmatched command walk the rest
// of the device's records (items × records); run with n of 4000 and
// 16000 to see the cost grow linearly.
func BenchmarkAnalyzeRepeatedContent(b *testing.B) {
	for _, n := range []int{4000, 16000} {
		for _, untimed := range []bool{false, true} {
			for _, wire := range []string{"dev1/up", "dev1/elsewhere"} {
				log, recs := repeatedContentSession(n, untimed, wire)
				b.Run(fmt.Sprintf("n=%d/untimed=%v/wire=%s", n, untimed, wire), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						Analyze(log, recs, Options{})
					}
				})
			}
		}
	}
}

// With content that repeats, the clock still comes from what is unique
// (the CONNECT), every publish pairs with its own packet, and publishes
// the capture lacks are reported, not mispaired.
func TestRepeatedContentSession(t *testing.T) {
	log, recs := repeatedContentSession(300, false, "dev1/up")
	res := Analyze(log, recs, Options{})
	if res.Clock.Method != "content" || res.Clock.OffsetSeconds < 8*3600-0.1 || res.Clock.OffsetSeconds > 8*3600+0.1 {
		t.Errorf("clock %+v", res.Clock)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings %v", describeFindings(res))
	}
	for k, tr := range res.Transactions[2:] {
		// Frames: 1-2 handshake, 3-4 CONNECT/CONNACK, then 3 per round.
		if want := []int{5 + 3*k, 6 + 3*k}; !equalInts(tr.Frames, want) {
			t.Fatalf("%s paired with %v, want %v", tr.Command, tr.Frames, want)
		}
	}
	log, recs = repeatedContentSession(300, true, "dev1/elsewhere")
	res = Analyze(log, recs, Options{})
	f := findFinding(res, CodeNotOnWire)
	if f == nil || !strings.Contains(f.Summary, "300 publish operation(s)") {
		t.Errorf("not-on-wire: %v", describeFindings(res))
	}
}
