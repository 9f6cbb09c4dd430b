package correlate

import (
	"strconv"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// fuzzSession turns bytes into a capture and a log: every 6 bytes make
// one record or serial item, with types, connections, directions, ids,
// topics and times taken from the bytes, so Analyze meets orderings and
// combinations (acks without requests, closes before SYNs, records
// without packets, URCs without commands) no recorded session has.
func fuzzSession(data []byte) (*at.Log, []netcap.Record) {
	b := &capBuilder{}
	l := newLog(time.Duration(int8(firstByte(data))) * time.Second)
	conns := []tconn{devConn, mkConn(2, "10.0.0.7:50007", "10.0.0.1:1883"), mkConn(3, "10.0.0.5:40002", "10.0.0.1:1884")}
	topics := []string{"a/b", "a/#/c", "", "dev1/up"}
	ids := []string{"dev1", "", "other"}
	tm := 0.0
	for len(data) >= 6 {
		c := data[:6]
		data = data[6:]
		tm += float64(c[5]) / 16
		conn := conns[int(c[1])%len(conns)]
		from := c[2]&1 == 0
		id := uint16(c[3] % 4)
		topic := topics[int(c[4])%len(topics)]
		switch c[0] % 20 {
		case 0:
			b.ev(tm, conn, netcap.EventSYN, "client", "")
		case 1:
			b.ev(tm, conn, netcap.EventSYNACK, "server", "")
		case 2:
			b.ev(tm, conn, netcap.EventRST, []string{"client", "server"}[c[2]%2], "")
		case 3:
			b.ev(tm, conn, netcap.EventFIN, []string{"client", "server"}[c[2]%2], "")
		case 4:
			b.ev(tm, conn, netcap.EventSYNUnanswered, "client", "")
		case 5:
			b.dns(tm, "broker.example", c[2]&2 == 0, int(c[3]%4), "10.0.0.1")
		case 6:
			b.pkt(tm, conn, true, connectPkt(ids[int(c[3])%len(ids)], "u", string(c[4:5]), uint16(c[4]%8), c[2]&2 == 0))
		case 7:
			p := connack(c[3] % 6)
			if c[2]&2 != 0 {
				p.Version, p.ReasonCode = mqtt.Version5, c[3]|0x80
			}
			b.pkt(tm, conn, false, p)
		case 8:
			b.pkt(tm, conn, from, publish(topic, string(c[4:6]), c[3]%3, id))
		case 9:
			b.pkt(tm, conn, from, ack(mqtt.Type(4+c[3]%4), id))
		case 10:
			b.pkt(tm, conn, true, subscribe(id, topic, c[4]%3))
		case 11:
			b.pkt(tm, conn, false, &mqtt.Packet{Type: mqtt.SUBACK, PacketID: id, Granted: []byte{c[4]}})
		case 12:
			b.pkt(tm, conn, from, &mqtt.Packet{Type: mqtt.Type(12 + c[3]%3)})
		case 13:
			// A record with neither packet nor event.
			b.add(netcap.Record{Kind: netcap.Kind(c[3] % 3), Time: capAt(tm), Conn: conn.id, Client: conn.client, Server: conn.server})
		case 14:
			l.open(tm, tm+0.1, []string{"0", "-1", "4"}[c[3]%3])
		case 15:
			l.connect(tm, tm+0.1, ids[int(c[3])%len(ids)], "", "", strconv.Itoa(int(c[4]%6)))
		case 16:
			tx := l.cmd(tm, "AT+ECMTSUB", at.OpSubscribe, args(at.ArgMsgID, strconv.Itoa(int(id)), at.ArgTopic, topic), []string{"OK", "ERROR"}[c[2]%2], tm+0.1, "+ECMTSUB: 0,1,0,128", args(at.ArgResult, "0", at.ArgValue, "128"))
			if c[4]&1 == 1 {
				tx.Warnings = []at.Warning{{Code: "x", Message: "m"}}
			}
		case 17:
			tx := l.cmd(tm, "AT+ECMTPUB", at.OpPublish, args(at.ArgMsgID, strconv.Itoa(int(id)), at.ArgTopic, topic, at.ArgQoS, strconv.Itoa(int(c[4]%3)), at.ArgPayload, string(c[4:6])), "OK", tm+0.1, "+ECMTPUB: 0,1,0", args(at.ArgResult, "0"))
			// The dialect's verdict, which may contradict the numbers.
			tx.Outcome = []at.Outcome{at.OutcomePending, at.OutcomeOK, at.OutcomeFailed}[c[2]%3]
		case 18:
			l.event(tm, "+ECMTRECV", at.OpReceive, args(at.ArgTopic, topic, at.ArgMsgID, strconv.Itoa(int(id))), string(c[4:6]))
		case 19:
			l.event(tm, "+ECMTSTAT: 0,1", []at.Op{at.OpStatus, at.OpConnect}[c[2]%2], args("err_code", "1"), "")
		}
	}
	return &l.log, b.recs
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func FuzzAnalyze(f *testing.F) {
	f.Add([]byte{14, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 15, 0, 0, 0, 5, 8, 6, 0, 0, 0, 0, 1, 7, 0, 0, 5, 0, 1, 3, 0, 1, 0, 0, 1})
	f.Add([]byte{16, 0, 1, 1, 1, 16, 10, 0, 0, 1, 1, 1, 3, 0, 1, 0, 0, 1, 19, 0, 0, 0, 0, 1})
	f.Add([]byte{4, 0, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 2, 2, 1, 0, 0, 0, 13, 1, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 6*400 {
			return
		}
		log, recs := fuzzSession(data)
		for _, opts := range []Options{{}, {Redact: true, ClientID: "dev1"}, {Device: "10.0.0.5"}} {
			res := Analyze(log, recs, opts)
			checkResult(t, res, recs)
		}
		checkResult(t, Analyze(nil, recs, Options{}), recs)
		checkResult(t, Analyze(log, nil, Options{}), nil)
	})
}

// checkResult asserts what every result must satisfy.
func checkResult(t *testing.T, res *Result, recs []netcap.Record) {
	t.Helper()
	frames := map[int]bool{}
	for _, r := range recs {
		frames[r.Frame] = true
	}
	for _, tr := range res.Transactions {
		for i, f := range tr.Frames {
			if !frames[f] || (i > 0 && tr.Frames[i-1] >= f) {
				t.Fatalf("transaction %q: frames %v not ascending capture frames", tr.Command, tr.Frames)
			}
		}
	}
	for _, f := range res.Findings {
		if f.Code == "" || f.Summary == "" || f.Fix == "" || f.Frames == nil {
			t.Fatalf("incomplete finding %+v", f)
		}
		switch f.Severity {
		case SeverityError, SeverityWarning, SeverityInfo:
		default:
			t.Fatalf("severity %q", f.Severity)
		}
		for _, fr := range f.Frames {
			if !frames[fr] {
				t.Fatalf("finding %s names frame %d not in the capture", f.Code, fr)
			}
		}
	}
}
