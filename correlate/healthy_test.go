package correlate

import (
	"math"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// healthySession is an ECMT session: open, connect, subscribe, publish at
// QoS 0, 1 (with a DUP retransmission) and 2, one received message, and a
// clean disconnect. want maps each transaction (by index) to its frames.
type healthySession struct {
	log     *at.Log
	recs    []netcap.Record
	want    map[int][]int // transaction index → frames
	wantRcv []int         // frames of the receive event
}

func buildHealthy(offset time.Duration, untimed, noise bool) healthySession {
	l := newLog(offset)
	l.untime = untimed
	b := &capBuilder{}
	want := map[int][]int{}
	c := devConn
	other := mkConn(2, "10.0.0.7:50007", "10.0.0.1:1883")
	listener := mkConn(3, "10.0.0.8:50008", "10.0.0.1:1883")

	if noise {
		// Other clients, connected before the device, publish the same
		// topic and payload as the device does, but at other times: these
		// content matches must be rejected as outliers.
		b.handshake(-60, other)
		b.pkt(-59.9, other, true, connectPkt("sensor-7", "sensor", "pw7", 60, true))
		b.pkt(-59.8, other, false, connack(0))
		b.pkt(-40, other, true, publish("dev1/up", "hello", 0, 0))
		b.handshake(-50, listener)
		b.pkt(-49.9, listener, true, connectPkt("listener-8", "sensor", "pw8", 60, true))
		b.pkt(-49.8, listener, false, connack(0))
		b.pkt(-30, listener, false, publish("dev1/cmd", "on", 0, 0))
	}

	l.open(0, 0.1, "0")
	syn, synack := b.handshake(0.05, c)
	want[0] = []int{syn, synack}

	l.connect(1, 1.08, "dev1", "user", "pass", "0")
	want[1] = []int{b.pkt(1.03, c, true, connectPkt("dev1", "user", "pass", 120, true)), b.pkt(1.05, c, false, connack(0))}

	l.cmd(2, `AT+ECMTSUB=0,1,"dev1/cmd",1`, at.OpSubscribe, args(at.ArgConn, "0", at.ArgMsgID, "1", at.ArgTopic, "dev1/cmd", at.ArgQoS, "1"),
		"OK", 2.06, "+ECMTSUB: 0,1,0,1", args(at.ArgConn, "0", at.ArgMsgID, "1", at.ArgResult, "0", at.ArgValue, "1"))
	want[2] = []int{b.pkt(2.02, c, true, subscribe(1, "dev1/cmd", 1)), b.pkt(2.04, c, false, &mqtt.Packet{Type: mqtt.SUBACK, PacketID: 1, Granted: []byte{1}})}

	if noise {
		b.pkt(2.5, other, true, publish("dev1/up", "q1", 1, 2)) // same id, topic and payload as the device's next
		b.pkt(2.51, other, false, ack(mqtt.PUBACK, 2))
	}

	pub := func(s float64, id, qos, payload string) {
		l.cmd(s, `AT+ECMTPUB=0,`+id+`,`+qos+`,0,"dev1/up","`+payload+`"`, at.OpPublish,
			args(at.ArgConn, "0", at.ArgMsgID, id, at.ArgQoS, qos, at.ArgRetain, "0", at.ArgTopic, "dev1/up", at.ArgPayload, payload),
			"OK", s+0.09, "+ECMTPUB: 0,"+id+",0", args(at.ArgConn, "0", at.ArgMsgID, id, at.ArgResult, "0"))
	}
	pub(3, "0", "0", "hello")
	want[3] = []int{b.pkt(3.02, c, true, publish("dev1/up", "hello", 0, 0))}

	pub(4, "2", "1", "q1")
	p1 := b.pkt(4.02, c, true, publish("dev1/up", "q1", 1, 2))
	dup := publish("dev1/up", "q1", 1, 2)
	dup.Dup = true
	p1d := b.pkt(4.05, c, true, dup)
	want[4] = []int{p1, p1d, b.pkt(4.07, c, false, ack(mqtt.PUBACK, 2))}

	pub(5, "3", "2", "q2")
	want[5] = []int{b.pkt(5.02, c, true, publish("dev1/up", "q2", 2, 3)), b.pkt(5.04, c, false, ack(mqtt.PUBREC, 3)),
		b.pkt(5.05, c, true, ack(mqtt.PUBREL, 3)), b.pkt(5.07, c, false, ack(mqtt.PUBCOMP, 3))}

	if noise {
		b.pkt(5.9, listener, false, publish("dev1/cmd", "on", 1, 7))
		b.pkt(5.91, listener, true, ack(mqtt.PUBACK, 7))
	}
	in := b.pkt(6.0, c, false, publish("dev1/cmd", "on", 1, 7))
	inAck := b.pkt(6.01, c, true, ack(mqtt.PUBACK, 7))
	l.event(6.03, `+ECMTRECV: 0,7,"dev1/cmd",on`, at.OpReceive, args(at.ArgConn, "0", at.ArgMsgID, "7", at.ArgTopic, "dev1/cmd"), "on")

	l.cmd(7, "AT+ECMTDISC=0", at.OpDisconnect, args(at.ArgConn, "0"), "OK", 7.06, "+ECMTDISC: 0,0", args(at.ArgConn, "0", at.ArgResult, "0"))
	want[6] = []int{b.pkt(7.02, c, true, &mqtt.Packet{Type: mqtt.DISCONNECT}), b.ev(7.03, c, netcap.EventFIN, "client", ""), b.ev(7.04, c, netcap.EventFIN, "server", "")}

	if noise {
		b.pkt(100, other, true, publish("dev1/up", "hello", 0, 0)) // the same payload again, much later
	}
	return healthySession{log: &l.log, recs: b.recs, want: want, wantRcv: []int{in, inAck}}
}

func checkHealthy(t *testing.T, s healthySession, res *Result) {
	t.Helper()
	if errs := findingCodes(res, SeverityError); len(errs) > 0 {
		t.Errorf("healthy session has error findings: %v", describeFindings(res))
	}
	if w := findingCodes(res, SeverityWarning); len(w) > 0 {
		t.Errorf("healthy session has warnings: %v", describeFindings(res))
	}
	for ti, frames := range s.want {
		if got := res.Transactions[ti].Frames; !equalInts(got, frames) {
			t.Errorf("transaction %d (%s): frames %v, want %v", ti, res.Transactions[ti].Command, got, frames)
		}
	}
	if got := res.Events[0].Frames; !equalInts(got, s.wantRcv) {
		t.Errorf("receive event: frames %v, want %v", got, s.wantRcv)
	}
	checkCausalTimeline(t, res)
	if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != devConn.id {
		t.Errorf("device connections %+v, want only conn %d; reason: %s", res.Device.Connections, devConn.id, res.Device.Reason)
	}
}

func TestHealthySession(t *testing.T) {
	s := buildHealthy(0, false, false)
	res := Analyze(s.log, s.recs, Options{})
	checkHealthy(t, s, res)
	if res.Clock.Method != "content" || math.Abs(res.Clock.OffsetSeconds) > 0.1 {
		t.Errorf("clock %+v, want content offset ≈ 0", res.Clock)
	}
	if res.Transactions[1].Latency == nil || res.Transactions[1].Latency.CommandToWire == nil {
		t.Fatalf("connect latency not measured: %+v", res.Transactions[1].Latency)
	}
}

// TestClockOffsetRecovered shifts the serial clock by seconds and by hours
// (SSCOM writes local time, the capture UTC) with other clients sending
// the same content at other times.
func TestClockOffsetRecovered(t *testing.T) {
	for _, off := range []time.Duration{3 * time.Second, -3 * time.Second, 8 * time.Hour, -5*time.Hour - 30*time.Minute, 37*time.Minute + 1500*time.Millisecond} {
		for _, noise := range []bool{false, true} {
			s := buildHealthy(off, false, noise)
			res := Analyze(s.log, s.recs, Options{})
			if res.Clock.Method != "content" {
				t.Fatalf("offset %v noise %v: method %q", off, noise, res.Clock.Method)
			}
			// The module's latency (20-60 ms) biases single matches; the
			// estimate must land within it.
			if d := math.Abs(res.Clock.OffsetSeconds - off.Seconds()); d > 0.1 {
				t.Errorf("offset %v noise %v: estimated %.3f s (off by %.3f s)", off, noise, res.Clock.OffsetSeconds, d)
			}
			if noise && res.Clock.Outliers == 0 && res.Clock.Matches < 8 {
				t.Errorf("offset %v: noise not reported: %+v", off, res.Clock)
			}
			checkHealthy(t, s, res)
		}
	}
}

func TestClockOffsetOverride(t *testing.T) {
	s := buildHealthy(8*time.Hour, false, true)
	off := 8 * time.Hour
	res := Analyze(s.log, s.recs, Options{ClockOffset: &off})
	if res.Clock.Method != "override" || res.Clock.OffsetSeconds != off.Seconds() {
		t.Errorf("clock %+v", res.Clock)
	}
	checkHealthy(t, s, res)
}

// TestLogWithoutTimestamps pairs by order and content alone.
func TestLogWithoutTimestamps(t *testing.T) {
	for _, noise := range []bool{false, true} {
		s := buildHealthy(0, true, noise)
		res := Analyze(s.log, s.recs, Options{})
		if res.Clock.Method != "order" {
			t.Errorf("method %q, want order", res.Clock.Method)
		}
		checkHealthy(t, s, res)
		// The timeline keeps each command before its first frame.
		pos := map[int]int{}
		for i, r := range res.Timeline {
			if r.Lane == LaneHostToModule {
				pos[r.Tx] = i
			}
		}
		for i, r := range res.Timeline {
			if r.Lane == LaneNetwork && r.Tx > 0 && i < pos[r.Tx] {
				t.Errorf("frame %d of transaction %d placed before its command", r.Frame, r.Tx)
			}
		}
	}
}

// TestCaptureOnly diagnoses every connection when there is no log.
func TestCaptureOnly(t *testing.T) {
	s := buildHealthy(0, false, true)
	res := Analyze(nil, s.recs, Options{})
	if len(res.Device.Connections) != 3 {
		t.Errorf("capture-only: %d connections diagnosed, want 3", len(res.Device.Connections))
	}
	if res.HasErrors() {
		t.Errorf("capture-only healthy: %v", describeFindings(res))
	}
	res = Analyze(nil, s.recs, Options{ClientID: "dev1"})
	if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != 1 {
		t.Errorf("--client-id dev1: %+v", res.Device.Connections)
	}
	res = Analyze(nil, s.recs, Options{Device: "10.0.0.7"})
	if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != 2 {
		t.Errorf("--device 10.0.0.7: %+v", res.Device.Connections)
	}
}

// checkCausalTimeline asserts each command row comes before its frames,
// and its result row after them.
func checkCausalTimeline(t *testing.T, res *Result) {
	t.Helper()
	cmdRow, resultRow := map[int]int{}, map[int]int{}
	for i, r := range res.Timeline {
		if r.Tx == 0 {
			continue
		}
		switch {
		case r.Lane == LaneHostToModule:
			cmdRow[r.Tx] = i
		case r.Lane == LaneModuleToHost && r.Line == res.Transactions[r.Tx-1].ResultLine:
			resultRow[r.Tx] = i
		}
	}
	for i, r := range res.Timeline {
		if r.Lane != LaneNetwork || r.Tx == 0 {
			continue
		}
		if i < cmdRow[r.Tx] {
			t.Errorf("frame %d placed before the command of transaction %d", r.Frame, r.Tx)
		}
		if rr, ok := resultRow[r.Tx]; ok && i > rr && res.Transactions[r.Tx-1].Op != string(at.OpDisconnect) {
			t.Errorf("frame %d placed after the result of transaction %d", r.Frame, r.Tx)
		}
	}
}

// Terminal programs that stamp whole seconds put results "before" the
// packets they report; pairing and the timeline must still hold.
func TestSecondResolutionLog(t *testing.T) {
	s := buildHealthy(-2*time.Hour, false, true)
	for i := range s.log.Transactions {
		tx := &s.log.Transactions[i]
		tx.Time, tx.FinalTime, tx.ResultTime = tx.Time.Truncate(time.Second), tx.FinalTime.Truncate(time.Second), tx.ResultTime.Truncate(time.Second)
	}
	for i := range s.log.Events {
		s.log.Events[i].Time = s.log.Events[i].Time.Truncate(time.Second)
	}
	res := Analyze(s.log, s.recs, Options{})
	if d := math.Abs(res.Clock.OffsetSeconds + 7200); d > 1 {
		t.Errorf("offset %v", res.Clock.OffsetSeconds)
	}
	checkHealthy(t, s, res)
}
