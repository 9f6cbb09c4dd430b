package correlate

import (
	"testing"
	"time"
)

// Each phase runs alone on values built by hand: no phase reaches past
// the values it is given.

func TestPhaseIndexAlone(t *testing.T) {
	b := &capBuilder{}
	b.handshake(0, devConn)
	cp := b.pkt(0.1, devConn, true, connectPkt("dev1", "", "", 60, true))
	b.pkt(0.2, devConn, false, connack(0))
	ci := indexCapture(b.recs)
	c := ci.conns[devConn.id]
	if len(ci.connOrder) != 1 || c == nil || len(c.recs) != 4 || c.connect != cp-1 || c.connack != cp {
		t.Fatalf("index %+v conn %+v", ci, c)
	}
	if got := ci.byClient["dev1"]; len(got) != 1 || got[0] != cp-1 {
		t.Errorf("byClient %v", got)
	}
}

func TestPhaseClockAlone(t *testing.T) {
	l := newLog(5 * time.Second)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "u", "p", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "u", "p", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	clk := estimateClock(evidence{newInputs(&l.log, Options{}), indexCapture(b.recs)})
	if !clk.timed || clk.clock.Method != "content" || clk.offset < 4900*time.Millisecond || clk.offset > 5100*time.Millisecond {
		t.Errorf("clock %+v", clk)
	}
}

// The device phase on a clock given by hand (as --clock-offset would):
// only the connection refused with the CONNACK the module reports fits.
func TestPhaseDeviceAlone(t *testing.T) {
	l, b, conns := sharedBroker(t, 7*time.Second, false, []byte{0, 2, 0}, "2")
	clk := &clockEstimate{timed: true, offset: 7 * time.Second}
	dev := selectDevice(evidence{newInputs(&l.log, Options{}), indexCapture(b.recs)}, clk)
	if len(dev.deviceConns) != 1 || dev.deviceConns[0] != conns[1].id || len(dev.devRecs) != 5 {
		t.Errorf("device %+v", dev)
	}
}

// The pairing phase on a device chosen by hand, without a clock: order
// and content decide.
func TestPhasePairsAlone(t *testing.T) {
	l := newLog(0)
	l.untime = true
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	syn, synack := b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "0")
	cp := b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	ca := b.pkt(1.05, devConn, false, connack(0))
	ev := evidence{newInputs(&l.log, Options{}), indexCapture(b.recs)}
	dev := &deviceChoice{device: map[int]bool{devConn.id: true}, deviceConns: []int{devConn.id}, devRecs: []int{0, 1, 2, 3}}
	pr := pairRecords(ev, &clockEstimate{}, dev)
	if !equalInts(ev.frames(pr.txRecs[0]), []int{syn, synack}) || !equalInts(ev.frames(pr.txRecs[1]), []int{cp, ca}) {
		t.Errorf("pairs %v", pr.txRecs)
	}
	// The findings phase on those values: a healthy session.
	fs := diagnose(ev, &clockEstimate{}, dev, pr)
	for _, f := range fs.findings {
		if f.Severity == SeverityError {
			t.Errorf("error finding on a healthy session: %+v", f)
		}
	}
}
