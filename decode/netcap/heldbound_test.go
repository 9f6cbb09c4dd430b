package netcap

import (
	"fmt"
	"testing"
	"unsafe"
)

func TestHeldMemoryBoundWithTinySegments(t *testing.T) {
	// Many connections each send hundreds of 1-byte segments ahead of a
	// hole. The payload is tiny, but each held segment costs its record
	// and slice slot: the Decoder's bound must count what it really holds.
	d := NewDecoder(Options{}, func(Record) {})
	d.maxHeld = 1 << 20
	const conns, segs = 60, 400
	n := 0
	heldCost := func() (cost, count int) {
		for _, c := range d.conns {
			for _, dr := range c.dirs {
				if dr != nil {
					cost += dr.hs.held + len(dr.hs.pending)*int(unsafe.Sizeof(heldSegment{}))
					count += len(dr.hs.pending)
				}
			}
		}
		return
	}
	peak := 0
	for i := range conns {
		f := newFlow(fmt.Sprintf("10.0.%d.%d:40000", i/250, i%250+1), "10.0.0.1:1883")
		for _, b := range [][]byte{f.syn(), f.synAck(), f.ack()} {
			n++
			d.Frame(frameAt(n, linkEthernet, b))
		}
		f.c2s([]byte{0x10}) // the hole: never captured
		for range segs {
			n++
			d.Frame(frameAt(n, linkEthernet, f.c2s([]byte{0})))
		}
		cost, _ := heldCost()
		peak = max(peak, cost)
	}
	if _, count := heldCost(); count == 0 {
		t.Fatal("nothing held: the test does not exercise the bound")
	}
	if limit := d.maxHeld + 2*maxPendingSegs*int(unsafe.Sizeof(heldSegment{})); peak > limit {
		t.Errorf("held segments cost %d bytes at peak, bound %d", peak, d.maxHeld)
	}
	d.Flush()
	if d.held != 0 {
		t.Errorf("%d held after Flush", d.held)
	}
}
