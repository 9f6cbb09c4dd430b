package netcap

import (
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Hostile or corrupt streams: lengths the bytes do not back.

func TestHugeRemainingLengthThenClose(t *testing.T) {
	// A PUBLISH claims the largest Remaining Length MQTT allows (256 MiB),
	// then the connection ends after a few hundred bytes. Nothing may be
	// allocated from the claim, and the stream's end inside the packet is
	// reported whether or not its first bytes were decoded.
	for _, tc := range []struct {
		name     string
		sent     int
		packets  string
		incompl  string
		closeRST bool
	}{
		{"header only", 100, "4:CONNECT", "stream ended 105 bytes into an unfinished MQTT packet", false},
		{"oversize prefix decoded", 1000, "4:CONNECT 5:PUBLISH", "stream ended 268434455 bytes before the end of an oversize MQTT packet", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
			frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d"))}
			claim := append([]byte{0x30, 0xff, 0xff, 0xff, 0x7f}, mqttString("t/huge")...)
			claim = append(claim, strings.Repeat("h", tc.sent-len(claim)+5)...)
			frames = append(frames, f.c2s(claim))
			if tc.closeRST {
				frames = append(frames, f.frame(true, fRST|fACK, f.cseq, f.sseq, nil))
			} else {
				frames = append(frames, f.fin(true), f.fin(false))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rs := decodeFrames(t, linkEthernet, frames, Options{})
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
				t.Errorf("decoding allocated %d bytes", got)
			}
			if got := summary(rs); got != tc.packets {
				t.Fatalf("packets %q, want %q", got, tc.packets)
			}
			inc := events(rs, EventIncomplete)
			if len(inc) != 1 || !strings.Contains(inc[0].Event.Detail, tc.incompl) || inc[0].Frame != 6 {
				t.Fatalf("incomplete %+v", inc)
			}
		})
	}
}

func TestConnectionsNeverClosed(t *testing.T) {
	// 100000 connections, none ever closed, 20 ms apart: half a SYN and
	// a CONNECT, half a SYN retransmitted without an answer. The idle sweep
	// keeps only those of the last idle timeout (5 minutes) and reports
	// each unanswered SYN exactly once.
	const n = 100000
	unanswered := 0
	d := NewDecoder(Options{}, func(r Record) {
		if r.Kind == KindEvent && r.Event.Type == EventSYNUnanswered {
			unanswered++
		}
	})
	peak := 0
	for i := range n {
		f := newFlow(fmt.Sprintf("10.%d.%d.%d:40000", i>>16, i>>8&255, i&255), "10.0.0.1:1883")
		syn := f.syn()
		d.Frame(frameAt(2*i+1, linkEthernet, syn))
		if i%2 == 0 {
			d.Frame(frameAt(2*i+2, linkEthernet, syn))
		} else {
			d.Frame(frameAt(2*i+2, linkEthernet, f.c2s(connect311("d"))))
		}
		peak = max(peak, len(d.conns))
	}
	if limit := int(defaultIdleTimeout/(20*time.Millisecond)) + int(sweepInterval/(20*time.Millisecond)) + 1; peak > limit {
		t.Errorf("%d connections held at once, want at most %d", peak, limit)
	}
	d.Flush()
	if len(d.conns) != 0 || unanswered != n/2 {
		t.Errorf("%d connections after Flush, %d unanswered SYNs reported", len(d.conns), unanswered)
	}
}

func TestConnectionTableBounded(t *testing.T) {
	// A SYN flood faster than the idle timeout: the table stays within its
	// bound by ending the connections silent for longest, each reported
	// once, the newest kept.
	d := NewDecoder(Options{}, func(r Record) {})
	d.maxConns = 1000
	var got []int
	d.emit = func(r Record) {
		if r.Kind == KindEvent && r.Event.Type == EventSYNUnanswered {
			got = append(got, r.Conn)
		}
	}
	const n = 5000
	for i := range n {
		f := newFlow(fmt.Sprintf("10.0.%d.%d:40000", i>>8, i&255), "10.0.0.1:1883")
		d.Frame(frameAt(i+1, linkEthernet, f.syn()))
		if len(d.conns) > d.maxConns {
			t.Fatalf("%d connections held, bound %d", len(d.conns), d.maxConns)
		}
	}
	if c := d.conns[keyOf(netip.MustParseAddrPort("10.0.19.135:40000"), netip.MustParseAddrPort("10.0.0.1:1883"))]; c == nil || c.id != n {
		t.Errorf("the newest connection was evicted")
	}
	d.Flush()
	slices.Sort(got)
	if len(got) != n || len(slices.Compact(got)) != n {
		t.Errorf("%d unanswered SYNs reported for %d connections (each once)", len(got), n)
	}
}
