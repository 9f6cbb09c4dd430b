package netcap

import (
	"fmt"
	"strings"
	"testing"
)

// Edge cases of TCP reassembly found in real captures and in hostile ones:
// sequence wrap-around, repeated handshakes, data on control segments,
// probes, port reuse.

// eventSummary renders events as "frame:TYPE/by".
func eventSummary(rs []Record) string {
	var got []string
	for _, e := range events(rs, "") {
		got = append(got, fmt.Sprintf("%d:%s/%s", e.Frame, e.Event.Type, e.Event.By))
	}
	return strings.Join(got, " ")
}

func TestSequenceWrapAround(t *testing.T) {
	// Both initial sequence numbers sit just below 2^32: the CONNECT and
	// the CONNACK straddle the wrap, and a PUBLISH arrives early across it.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	f.cseq, f.sseq = 0xfffffff0, 0xfffffffe
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("wrap-dev")), f.s2c(connack(0))}
	p1 := f.c2s(publish0("t/1", strings.Repeat("a", 30)))
	p2 := f.c2s(publish0("t/2", "b"))
	frames = append(frames, p2, p1, f.fin(true), f.fin(false))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 5:CONNACK 7:PUBLISH 7:PUBLISH"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	p := packets(rs)
	if p[0].Packet.ClientID != "wrap-dev" || p[2].Packet.Topic != "t/1" || p[3].Packet.Topic != "t/2" {
		t.Errorf("fields %q %q %q", p[0].Packet.ClientID, p[2].Packet.Topic, p[3].Packet.Topic)
	}
	if g := events(rs, EventGap); len(g) != 0 {
		t.Errorf("gaps %+v", g)
	}
	if got, want := eventSummary(rs), "1:TCP-SYN/client 2:TCP-SYN-ACK/server 8:TCP-FIN/client 9:TCP-FIN/server"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
}

func TestSequenceWrapAroundGap(t *testing.T) {
	// A lost segment right at the wrap is reported with its true size.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	f.cseq = 0xffffffe0
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d"))}
	f.c2s(publish0("t/lost", strings.Repeat("x", 40))) // not captured, crosses 2^32
	frames = append(frames, f.c2s(publish0("t/kept", "k")), f.s2c(nil))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	g := events(rs, EventGap)
	if len(g) != 1 || !strings.Contains(g[0].Event.Detail, "50 bytes") {
		t.Fatalf("gaps %+v", g)
	}
	if got, want := summary(rs), "4:CONNECT 6:PUBLISH(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestRetransmittedHandshake(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	syn := f.syn()
	synAck := f.synAck()
	frames := [][]byte{syn, syn, synAck, synAck, f.ack(), f.c2s(connect311("d")), f.s2c(connack(0)), syn}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "6:CONNECT 7:CONNACK"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := eventSummary(rs), "1:TCP-SYN/client 3:TCP-SYN-ACK/server"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	if p := packets(rs); p[0].Conn != p[1].Conn || p[0].Midstream {
		t.Errorf("conns %d/%d midstream %v", p[0].Conn, p[1].Conn, p[0].Midstream)
	}
}

func TestDataInSYN(t *testing.T) {
	// TCP Fast Open: the CONNECT rides on the SYN (and on its
	// retransmission, which must not decode it twice).
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	c := connect311("tfo")
	syn := f.frame(true, fSYN, f.cseq, 0, c)
	f.cseq += 1 + uint32(len(c))
	frames := [][]byte{syn, syn, f.synAck(), f.ack(), f.s2c(connack(0)), f.c2s(pingreq())}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "1:CONNECT 5:CONNACK 6:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs)[0]; p.Packet.ClientID != "tfo" || p.Midstream {
		t.Errorf("CONNECT %+v", p)
	}
	// The SYN-ACK acknowledging the SYN's data answers that SYN: one
	// connection.
	for _, r := range rs {
		if r.Conn != 1 {
			t.Fatalf("record on connection %d: %+v", r.Conn, r)
		}
	}
}

func TestDataInSYNACK(t *testing.T) {
	// A server may send data with its SYN-ACK (TFO): it starts one past
	// the server's initial sequence number.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn()}
	synAck := f.frame(false, fSYN|fACK, f.sseq, f.cseq, connack(0))
	f.sseq += 1 + 4
	frames = append(frames, synAck, f.ack(), f.c2s(pingreq()), f.s2c([]byte{0xd0, 0}))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "2:CONNACK 4:PINGREQ 5:PINGRESP"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestRSTWithDataHeld(t *testing.T) {
	// A segment is lost, the one after it is held, then the server resets
	// the connection: the held packet is still decoded, after a gap.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d"))}
	f.c2s(publish0("t/lost", "x"))
	frames = append(frames, f.c2s(publish0("t/held", "y")), f.frame(false, fRST, f.sseq, 0, nil))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 6:PUBLISH(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := eventSummary(rs), "1:TCP-SYN/client 2:TCP-SYN-ACK/server 6:TCP-RST/server 6:TCP-GAP/client"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
}

func TestFINWithData(t *testing.T) {
	// The last PUBLISH rides on the FIN, and the FIN arrives before the
	// segment in front of it.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	before := f.c2s(publish0("t/before", "1"))
	last := publish0("t/last", "2")
	finData := f.frame(true, fFIN|fACK|fPSH, f.cseq, f.sseq, last)
	f.cseq += uint32(len(last)) + 1
	frames = append(frames, finData, before, f.fin(false), f.ack())
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 5:CONNACK 7:PUBLISH 7:PUBLISH"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs); p[2].Packet.Topic != "t/before" || p[3].Packet.Topic != "t/last" {
		t.Errorf("order %q %q", p[2].Packet.Topic, p[3].Packet.Topic)
	}
	if g := events(rs, EventGap); len(g) != 0 {
		t.Errorf("gaps %+v", g)
	}
	if n := len(events(rs, EventIncomplete)); n != 0 {
		t.Errorf("%d incomplete", n)
	}
}

func TestRetransmissionWithMoreData(t *testing.T) {
	// The sender coalesces on retransmission: the second copy starts at
	// the same byte and carries the rest of the packet too.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d"))}
	pub := publish0("t/coalesced", strings.Repeat("p", 50))
	seq := f.cseq
	frames = append(frames, f.c2s(pub[:20]))
	f.cseq = seq
	frames = append(frames, f.c2s(pub), f.c2s(pingreq()))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 6:PUBLISH 7:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs)[1]; len(p.Packet.Payload) != 50 || len(p.Packet.Violations) != 0 {
		t.Errorf("payload %d violations %v", len(p.Packet.Payload), p.Packet.Violations)
	}
	// The same when the short original was early (held) and the longer
	// retransmission replaces it.
	f = newFlow("10.0.0.2:40001", "10.0.0.1:1883")
	frames = [][]byte{f.syn(), f.synAck(), f.ack()}
	c := connect311("d")
	cseq := f.cseq
	f.cseq += uint32(len(c))
	seq = f.cseq
	short := f.c2s(pub[:20])
	f.cseq = seq
	long := f.c2s(pub)
	f.cseq = cseq
	frames = append(frames, short, long, f.c2s(c))
	rs = decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "6:CONNECT 6:PUBLISH"; got != want {
		t.Fatalf("held: got %q, want %q", got, want)
	}
}

func TestProbesAreNotData(t *testing.T) {
	// Keepalive probes repeat the last byte sent (or carry none); a
	// zero-window probe carries none at snd.una−1. None of them is data
	// and none is a hole.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	c := connect311("d")
	keepalive1 := f.frame(true, fACK, f.cseq-1, f.sseq, c[len(c)-1:])
	keepalive0 := f.frame(true, fACK, f.cseq-1, f.sseq, nil)
	zwp := f.frame(false, fACK, f.sseq-1, f.cseq, nil)
	frames = append(frames, keepalive1, keepalive0, zwp, f.s2c(nil), keepalive1, f.c2s(pingreq()), f.s2c([]byte{0xd0, 0}))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 5:CONNACK 11:PINGREQ 12:PINGRESP"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := eventSummary(rs); strings.Contains(got, "GAP") || strings.Contains(got, "INCOMPLETE") {
		t.Errorf("events %s", got)
	}
}

func TestPortReuseWithoutSYN(t *testing.T) {
	// The first connection ends; the next one on the same port pair is
	// captured from its SYN-ACK (the SYN was lost): it is a new connection,
	// not trailing segments of the old one.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	first := session(f)
	f.cseq += 100000
	f.sseq += 77777
	f.syn() // not captured
	second := [][]byte{f.synAck(), f.ack(), f.c2s(connect311("second")), f.s2c(connack(0))}
	rs := decodeFrames(t, linkEthernet, append(first, second...), Options{})
	p := packets(rs)
	if got, want := summary(rs), "4:CONNECT 5:CONNACK 6:PUBLISH 11:CONNECT 12:CONNACK"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p[3].Conn != 2 || p[3].Packet.ClientID != "second" || p[3].Midstream {
		t.Errorf("second connection %+v", p[3])
	}
}

func TestServerSeenFirst(t *testing.T) {
	// Mid-connection capture on a port not configured for MQTT: the first
	// frames are the server's, then the client sends a CONNECT.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:7777")
	frames := [][]byte{f.s2c(nil), f.s2c(nil), f.c2s(connect311("late")), f.s2c(connack(0)), f.c2s(pingreq()),
		f.s2c([]byte{0xd0, 0}), f.fin(false), f.fin(true)}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	// The capture started inside the connection: each direction's first
	// packet is marked so.
	if got, want := summary(rs), "3:CONNECT(mid) 4:CONNACK(mid) 5:PINGREQ 6:PINGRESP"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	p := packets(rs)
	for i, want := range []bool{true, false, true, false} {
		if p[i].FromClient != want || p[i].Client != f.client {
			t.Errorf("packet %d: fromClient %v client %v", i, p[i].FromClient, p[i].Client)
		}
	}
	if got, want := eventSummary(rs), "7:TCP-FIN/server 8:TCP-FIN/client"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
	// Same on the MQTT port, starting with the SYN-ACK (the SYN was lost).
	f = newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	f.syn()
	frames = [][]byte{f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	rs = decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "3:CONNECT 4:CONNACK"; got != want {
		t.Fatalf("syn-ack first: got %q, want %q", got, want)
	}
	if p := packets(rs); p[0].Client != f.client || p[0].Midstream {
		t.Errorf("client %v midstream %v", p[0].Client, p[0].Midstream)
	}
}

func TestRemainingLengthSplitThreeWaysOutOfOrder(t *testing.T) {
	// A PUBLISH with a 3-byte Remaining Length, cut inside it into three
	// segments captured last-first.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d"))}
	pub := publish0("big", strings.Repeat("v", 20000))
	if pub[1]&0x80 == 0 || pub[2]&0x80 == 0 || pub[3]&0x80 != 0 {
		t.Fatalf("want a 3-byte Remaining Length: % x", pub[:4])
	}
	a, b, c := f.c2s(pub[:2]), f.c2s(pub[2:3]), f.c2s(pub[3:])
	frames = append(frames, c, b, a, f.c2s(pingreq()))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 7:PUBLISH 8:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs)[1]; p.Packet.Topic != "big" || len(p.Packet.Payload) != 20000 {
		t.Errorf("topic %q payload %d", p.Packet.Topic, len(p.Packet.Payload))
	}
}

func TestFrameOfPacketCompletedAfterReordering(t *testing.T) {
	// Packet bytes from frames 4 (head), 6 (tail, early) and 5 (middle):
	// frame 6 arrives before 5, so frame 5 completes the packet. A second
	// packet lies whole in the held frame 6 after the tail: it too is
	// completed by frame 5, which made it deliverable.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack()}
	c := connect311("dev-frames")
	head := f.c2s(c[:5])
	mid := f.c2s(c[5:10])
	tail := f.c2s(append(append([]byte{}, c[10:]...), pingreq()...))
	frames = append(frames, head, tail, mid, f.c2s(pingreq()))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "6:CONNECT 6:PINGREQ 7:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLastPacketAfterGapIsDecoded(t *testing.T) {
	// A segment is lost inside a PUBLISH; the rest of it and a DISCONNECT
	// follow, then the client closes. The DISCONNECT — a 2-byte packet the
	// resynchronising splitter confirms only by what follows — must not
	// be lost because nothing follows.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	pub := publish0("t/x", strings.Repeat("q", 30))
	f.c2s(pub[:10]) // not captured
	frames = append(frames, f.c2s(append(append([]byte{}, pub[10:]...), 0xe0, 0)), f.s2c(nil), f.fin(true), f.fin(false))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 5:CONNACK 7:DISCONNECT(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs)[2]; p.Skipped != len(pub)-10 {
		t.Errorf("skipped %d, want %d", p.Skipped, len(pub)-10)
	}
}

func TestTinyPacketBeforeGapIsDecoded(t *testing.T) {
	// Mid-stream capture: a PUBLISH's tail and a DISCONNECT, then a lost
	// segment. The gap, not a following packet, confirms the DISCONNECT.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	pub := publish0("t/x", strings.Repeat("q", 30))
	first := f.c2s(append(append([]byte{}, pub[10:]...), 0xe0, 0))
	f.c2s(publish0("t/lost", "l")) // not captured
	frames := [][]byte{first, f.c2s(pingreq()), f.s2c(nil)}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "1:DISCONNECT(mid) 3:PINGREQ(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if g := events(rs, EventGap); len(g) != 1 || g[0].Frame != 3 {
		t.Errorf("gaps %+v", g)
	}
}

func TestFrameOfPacketConfirmedLater(t *testing.T) {
	// Resynchronising, the splitter confirms a 4-byte PUBACK only by the
	// PUBLISH after it, which comes in the next frame: the PUBACK is still
	// reported at the frame that carried it.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	pub := publish0("t/x", strings.Repeat("q", 30))
	frames := [][]byte{
		f.c2s(append(append([]byte{}, pub[10:]...), 0x40, 2, 0, 1)),
		f.c2s(publish0("t/next", "n")),
	}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "1:PUBACK(mid) 2:PUBLISH"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestFirstSegmentLostAfterSYNACK(t *testing.T) {
	// The SYN was not captured, but the SYN-ACK acknowledges it: the
	// client's stream starts at that acknowledgement. When the CONNECT's
	// first segment is lost, the next one is not a packet start, and the
	// loss is reported as a gap once the server acknowledges past it.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	f.syn() // not captured
	frames := [][]byte{f.synAck(), f.ack()}
	c := connect311("dev-lost-head")
	f.c2s(c[:8]) // not captured
	frames = append(frames, f.c2s(c[8:]), f.s2c(connack(0)), f.c2s(pingreq()))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if g := events(rs, EventGap); len(g) != 1 || !strings.Contains(g[0].Event.Detail, "8 bytes") || g[0].Frame != 4 {
		t.Fatalf("gaps %+v", g)
	}
	if got, want := summary(rs), "4:CONNACK 5:PINGREQ(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestFirstSegmentLostAfterMissingSYNACK(t *testing.T) {
	// The SYN-ACK was not captured; the client's ACK tells where the
	// server's stream starts, so losing the head of its first packet is a
	// gap.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn()}
	f.synAck() // not captured
	frames = append(frames, f.ack(), f.c2s(connect311("d")))
	pub := publish0("t/down", strings.Repeat("d", 40))
	f.s2c(pub[:8]) // not captured
	frames = append(frames, f.s2c(pub[8:]), f.c2s(pingreq()), f.s2c([]byte{0xd0, 0}))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if g := events(rs, EventGap); len(g) != 1 || !strings.Contains(g[0].Event.Detail, "8 bytes") || g[0].Frame != 5 || g[0].Event.By != "server" {
		t.Fatalf("gaps %+v", g)
	}
	if got, want := summary(rs), "3:CONNECT 5:PINGREQ 6:PINGRESP(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestTwoHolesAcknowledgedAtOnce(t *testing.T) {
	// Two segments lost, each followed by a captured one, then one ACK
	// covering all: both holes are gaps, and both held segments decode —
	// also the second, when the next segment arrives before anything else
	// would have delivered it.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	f.c2s(publish0("t/lost1", "x")) // not captured
	frames = append(frames, f.c2s(publish0("t/a", "a")))
	f.c2s(publish0("t/lost2", "y")) // not captured
	frames = append(frames, f.c2s(publish0("t/b", "b")), f.s2c(nil), f.c2s(publish0("t/c", "c")))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	var topics []string
	for _, p := range packets(rs)[2:] {
		topics = append(topics, p.Packet.Topic)
	}
	if got := strings.Join(topics, " "); got != "t/a t/b t/c" {
		t.Fatalf("topics %q (%s)", got, summary(rs))
	}
	g := events(rs, EventGap)
	if len(g) != 2 || g[0].Frame != 8 || g[1].Frame != 8 || !strings.Contains(g[0].Event.Detail, "12 bytes") || !strings.Contains(g[1].Event.Detail, "12 bytes") {
		t.Errorf("gaps %+v", g)
	}
}

func TestSYNCapturedAfterSYNACK(t *testing.T) {
	// Captures merged from two points can put the SYN after its SYN-ACK,
	// even after the first data: still one connection, no byte twice.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	syn := f.syn()
	frames := [][]byte{f.synAck(), f.ack(), f.c2s(connect311("d")), syn, f.s2c(connack(0)), f.c2s(pingreq())}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "3:CONNECT 5:CONNACK 6:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, r := range rs {
		if r.Conn != 1 || r.Kind == KindEvent && r.Event.Type == EventGap {
			t.Errorf("record %+v", r)
		}
	}
}

func TestLostSegmentBeforeFIN(t *testing.T) {
	// The client's last PUBLISH is lost, then it closes; the server
	// acknowledges everything and closes too. The hole is a gap as soon
	// as it is acknowledged, and the connection ends there, not at the
	// end of the capture.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")), f.s2c(connack(0))}
	f.c2s(publish0("t/lost", "x")) // not captured
	frames = append(frames, f.fin(true), f.fin(false), f.ack())
	other := newFlow("10.0.0.3:40000", "10.0.0.1:1883")
	frames = append(frames, other.syn())
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	var got []string
	for _, e := range events(rs, "") {
		if e.Conn == 1 {
			got = append(got, fmt.Sprintf("%d:%s/%s", e.Frame, e.Event.Type, e.Event.By))
		}
	}
	if want := "1:TCP-SYN/client 2:TCP-SYN-ACK/server 6:TCP-FIN/client 7:TCP-GAP/client 7:TCP-FIN/server"; strings.Join(got, " ") != want {
		t.Errorf("events %v, want %s", got, want)
	}
}

func TestSYNACKNotCapturedIsNotUnanswered(t *testing.T) {
	// The SYN-ACK is missing from the capture, but the client's ACK and the
	// server's CONNACK prove it was sent: the SYN was answered, also after
	// the 20 s a live capture waits before reporting an unanswered SYN.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	var rs []Record
	d := NewDecoder(Options{}, func(r Record) { rs = append(rs, r) })
	frames := [][]byte{f.syn()}
	f.synAck() // not captured
	frames = append(frames, f.ack(), f.c2s(connect311("d")), f.s2c(connack(0)))
	n := 0
	for _, b := range frames {
		n++
		d.Frame(frameAt(n, linkEthernet, b))
	}
	for range 3000 { // 30 s of keepalives
		n++
		d.Frame(frameAt(n, linkEthernet, f.ack()))
	}
	d.Flush()
	if un := events(rs, EventSYNUnanswered); len(un) != 0 {
		t.Fatalf("reported %+v", un[0].Event)
	}
	if got, want := summary(rs), "3:CONNECT 4:CONNACK"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
