package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// sharedBroker builds a QMT session whose connect command gives no client
// id (AT+QMTCONN=0) while other clients connect to the same broker around
// the same time; the module's +QMTCONN: 0,0,<rc> is the only clue which
// connection is the device's. rcs are the CONNACK codes of the
// connections in the order they open; dev is the device's index in it.
func sharedBroker(t *testing.T, offset time.Duration, untimed bool, rcs []byte, moduleRC string) (*logBuilder, *capBuilder, []tconn) {
	t.Helper()
	l := newLog(offset)
	l.untime = untimed
	l.log.Dialect = "qmt"
	l.cmd(0, `AT+QMTOPEN=0,"10.0.0.1",1883`, at.OpOpen, args(at.ArgConn, "0", at.ArgHost, "10.0.0.1", at.ArgPort, "1883"),
		"OK", 0.2, "+QMTOPEN: 0,0", args(at.ArgConn, "0", at.ArgResult, "0"))
	l.cmd(0.5, `AT+QMTCONN=0`, at.OpConnect, args(at.ArgConn, "0"),
		"OK", 0.7, "+QMTCONN: 0,0,"+moduleRC, args(at.ArgConn, "0", at.ArgResult, "0", at.ArgReturnCode, moduleRC))
	b := &capBuilder{}
	var conns []tconn
	for i, rc := range rcs {
		c := mkConn(20+i, "10.0.0."+string(rune('5'+i))+":4000"+string(rune('1'+i)), "10.0.0.1:1883")
		conns = append(conns, c)
		b.handshake(0.05+0.01*float64(i), c)
		b.pkt(0.51+0.01*float64(i), c, true, connectPkt("client-"+string(rune('a'+i)), "", "", 60, true))
		b.pkt(0.55+0.01*float64(i), c, false, connack(rc))
		if rc != 0 {
			b.ev(0.56+0.01*float64(i), c, netcap.EventFIN, "server", "")
		}
	}
	return l, b, conns
}

// issue 10: several clients to the same broker, AT+QMTCONN=0 answered
// +QMTCONN: 0,0,2 — the device is the connection refused with CONNACK 2,
// not the first one accepted, timed log or not.
func TestDeviceChoiceUsesTheConnectResult(t *testing.T) {
	for _, untimed := range []bool{false, true} {
		l, b, conns := sharedBroker(t, 7*time.Second, untimed, []byte{0, 2, 0}, "2")
		res := Analyze(&l.log, b.recs, Options{})
		if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != conns[1].id {
			t.Fatalf("untimed=%v: device %+v (%s)", untimed, res.Device.Connections, res.Device.Reason)
		}
		if !strings.Contains(res.Device.Reason, "CONNACK 2") {
			t.Errorf("untimed=%v: reason does not name the CONNACK clue: %s", untimed, res.Device.Reason)
		}
		f := findFinding(res, CodeConnackRefused)
		if f == nil || f.ConnackCode == nil || *f.ConnackCode != 2 || len(f.Frames) == 0 {
			t.Fatalf("untimed=%v: connack-refused %+v; %v", untimed, f, describeFindings(res))
		}
		for _, fr := range f.Frames {
			if b.recs[fr-1].Conn != conns[1].id {
				t.Errorf("untimed=%v: finding cites frame %d of another client", untimed, fr)
			}
		}
		// The CONNACK clue leaves one SYN for the open command: the clock
		// is placed by content, not left to order among three SYNs.
		if !untimed && (res.Clock.Method != "content" || res.Clock.OffsetSeconds < 6.9 || res.Clock.OffsetSeconds > 7.1) {
			t.Errorf("clock %+v", res.Clock)
		}
	}
}

// Two connections fit the module's answer equally: atmq says so (in
// device.reason and an info finding) instead of choosing one.
func TestDeviceChoiceAmbiguous(t *testing.T) {
	l, b, _ := sharedBroker(t, 0, true, []byte{0, 5, 5}, "5")
	res := Analyze(&l.log, b.recs, Options{})
	if len(res.Device.Connections) != 0 {
		t.Errorf("chose %+v although two connections fit", res.Device.Connections)
	}
	if !strings.Contains(res.Device.Reason, "ambiguous") {
		t.Errorf("reason does not say the choice is ambiguous: %s", res.Device.Reason)
	}
	f := findFinding(res, CodeDeviceAmbiguous)
	if f == nil || f.Severity != SeverityInfo {
		t.Fatalf("no info finding for the ambiguity: %v", describeFindings(res))
	}
	if findFinding(res, CodeConnackRefused) == nil {
		t.Errorf("the module's refusal must still be reported from the log: %v", describeFindings(res))
	}
}
