package netcap

import (
	"strings"
	"testing"
)

// reorderedFlow is a connection whose client sends a PUBLISH, then n
// PINGREQs that all arrive before it (the PUBLISH's segment comes last).
func reorderedFlow(n int) [][]byte {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	late := f.c2s(publish0("t/late", "x"))
	for i := 0; i < n; i++ {
		frames = append(frames, f.c2s(pingreq()))
	}
	return append(frames, late)
}

// Reordering past the limit becomes a TCP-GAP that says it was the limit,
// not the wire; the limit is an option, and within it nothing is lost.
func TestReorderLimitGap(t *testing.T) {
	for _, c := range []struct {
		limit, segs int
		gap         bool
	}{
		{0, 100, false}, {0, maxPendingSegs + 10, true}, {20, 30, true}, {2000, maxPendingSegs + 10, false},
	} {
		rs := decodeFrames(t, linkEthernet, reorderedFlow(c.segs), Options{ReorderLimit: c.limit})
		gaps := events(rs, EventGap)
		if !c.gap {
			if len(gaps) != 0 || !strings.Contains(summary(rs), "PUBLISH") {
				t.Errorf("limit %d, %d segments: gaps %+v, %s", c.limit, c.segs, gaps, summary(rs))
			}
			continue
		}
		if len(gaps) != 1 || !strings.Contains(gaps[0].Event.Detail, "reorder limit") || !strings.Contains(gaps[0].Event.Detail, "not a loss on the wire") {
			t.Errorf("limit %d, %d segments: gaps %+v", c.limit, c.segs, gaps)
		}
	}
	// A hole the peer acknowledged is a loss on the wire.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d"))}
	f.c2s(publish0("t/lost", "l")) // not captured
	frames = append(frames, f.c2s(pingreq()), f.s2c(nil))
	gaps := events(decodeFrames(t, linkEthernet, frames, Options{ReorderLimit: 5}), EventGap)
	if len(gaps) != 1 || !strings.Contains(gaps[0].Event.Detail, "not captured") || strings.Contains(gaps[0].Event.Detail, "limit") {
		t.Errorf("lost segment: %+v", gaps)
	}
}
