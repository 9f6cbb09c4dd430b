package netcap

import (
	"fmt"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/mqtt"
)

// summary renders packet records as "frame:TYPE" for compact assertions.
func summary(rs []Record) string {
	var s []string
	for _, r := range packets(rs) {
		item := fmt.Sprintf("%d:%s", r.Frame, r.Packet.Type)
		if r.Midstream {
			item += "(mid)"
		}
		s = append(s, item)
	}
	return strings.Join(s, " ")
}

func TestLinkTypes(t *testing.T) {
	cases := []struct {
		name           string
		lt             int
		client, server string
		vlans          []uint16
	}{
		{"ethernet", linkEthernet, "10.0.0.2:40000", "10.0.0.1:1883", nil},
		{"vlan", linkEthernet, "10.0.0.2:40000", "10.0.0.1:1883", []uint16{100}},
		{"qinq", linkEthernet, "10.0.0.2:40000", "10.0.0.1:1883", []uint16{10, 200}},
		{"ethernet-ipv6", linkEthernet, "[2001:db8::2]:40000", "[2001:db8::1]:1883", nil},
		{"vlan-ipv6", linkEthernet, "[2001:db8::2]:40000", "[2001:db8::1]:1883", []uint16{7}},
		{"sll", linkSLL, "10.0.0.2:40000", "10.0.0.1:1883", nil},
		{"sll-ipv6", linkSLL, "[::1]:40000", "[::1]:1883", nil},
		{"sll2", linkSLL2, "10.0.0.2:40000", "10.0.0.1:1883", nil},
		{"sll2-ipv6", linkSLL2, "[fe80::1]:40000", "[fe80::2]:1883", nil},
		{"raw-101-v4", linkRaw, "10.0.0.2:40000", "10.0.0.1:1883", nil},
		{"raw-101-v6", linkRaw, "[2001:db8::2]:40000", "[2001:db8::1]:1883", nil},
		{"ipv4-228", linkIPv4, "10.0.0.2:40000", "10.0.0.1:1883", nil},
		{"ipv6-229", linkIPv6, "[2001:db8::2]:40000", "[2001:db8::1]:1883", nil},
		{"null-v4", linkNull, "127.0.0.1:40000", "127.0.0.1:1883", nil},
		{"null-v6-darwin", linkNull, "[::1]:40000", "[::1]:1883", nil},
		{"loop-108", linkLoop, "127.0.0.1:40000", "127.0.0.1:1883", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFlow(c.client, c.server)
			f.lt, f.vlans = c.lt, c.vlans
			rs := decodeFrames(t, c.lt, session(f), Options{})
			if got, want := summary(rs), "4:CONNECT 5:CONNACK 6:PUBLISH"; got != want {
				t.Fatalf("packets %q, want %q", got, want)
			}
			p := packets(rs)
			if p[0].Packet.ClientID != "dev-1" || p[2].Packet.Topic != "a/b" || string(p[2].Packet.Payload) != "hello" {
				t.Errorf("fields: client %q topic %q payload %q", p[0].Packet.ClientID, p[2].Packet.Topic, p[2].Packet.Payload)
			}
			if p[0].Client != f.client || p[0].Server != f.server || !p[0].FromClient || p[1].FromClient {
				t.Errorf("endpoints %v→%v fromClient %v/%v", p[0].Client, p[0].Server, p[0].FromClient, p[1].FromClient)
			}
			var evs []string
			for _, e := range events(rs, "") {
				evs = append(evs, e.Event.Type+"/"+e.Event.By)
			}
			if got := strings.Join(evs, " "); got != "TCP-SYN/client TCP-SYN-ACK/server TCP-FIN/client TCP-FIN/server" {
				t.Errorf("events %s", got)
			}
		})
	}
}

func TestUnsupportedLinkType(t *testing.T) {
	d := NewDecoder(Options{}, func(Record) {})
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	err := d.Frame(frameAt(1, 147, f.syn()))
	if err == nil || !strings.Contains(err.Error(), "147") {
		t.Fatalf("err %v", err)
	}
	if d.Stats().UnsupportedLink[147] != 1 {
		t.Errorf("stats %+v", d.Stats())
	}
}

func TestOutOfOrderSegments(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	hs := [][]byte{f.syn(), f.synAck(), f.ack()}
	c := connect311("dev-1")
	p1 := publish0("t/1", "one")
	p2 := publish0("t/2", "two")
	segC := f.c2s(c)
	segP1 := f.c2s(p1)
	segP2 := f.c2s(p2)
	// Capture order: P2, P1, CONNECT — all early until the CONNECT arrives.
	frames := append(hs, segP2, segP1, segC)
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	// The frame that fills the hole completes everything held behind it.
	if got, want := summary(rs), "6:CONNECT 6:PUBLISH 6:PUBLISH"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	p := packets(rs)
	if p[1].Packet.Topic != "t/1" || p[2].Packet.Topic != "t/2" {
		t.Errorf("order: %q %q", p[1].Packet.Topic, p[2].Packet.Topic)
	}
	if len(events(rs, EventGap)) != 0 {
		t.Errorf("unexpected gap")
	}
}

func TestRetransmissionsRemoved(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	hs := [][]byte{f.syn(), f.synAck(), f.ack()}
	c := connect311("dev-1")
	seqC := f.cseq
	segC := f.c2s(c)
	pub := publish0("t/1", "payload-one")
	seqP := f.cseq
	segP := f.c2s(pub)
	// A retransmission that overlaps the CONNECT's tail and the PUBLISH's
	// head, then an exact retransmission of the PUBLISH.
	overlap := append(append([]byte{}, c[len(c)-4:]...), pub[:5]...)
	segOverlap := f.frame(true, fACK|fPSH, seqC+uint32(len(c)-4), f.sseq, overlap)
	segP2 := f.frame(true, fACK|fPSH, seqP, f.sseq, pub)
	frames := append(hs, segC, segOverlap, segP, segP2, segC)
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 6:PUBLISH"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := string(packets(rs)[1].Packet.Payload); got != "payload-one" {
		t.Errorf("payload %q", got)
	}
}

func TestRetransmissionAfterFIN(t *testing.T) {
	// The client's last PUBLISH is retransmitted after its FIN was
	// processed: it must not be decoded a second time.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("dev-1"))}
	seq := f.cseq
	pub := publish0("t/last", "bye")
	last := f.c2s(pub)
	frames = append(frames, last, f.fin(true), f.frame(true, fACK|fPSH, seq, f.sseq, pub), f.s2c(connack(0)), f.fin(false))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 5:PUBLISH 8:CONNACK"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSplitRemainingLength(t *testing.T) {
	// A 200-byte PUBLISH has a 2-byte Remaining Length; cut the segment
	// between its two bytes (tshark 4.0 reports Malformed here).
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("dev-1"))}
	pub := publish0("split/topic", strings.Repeat("x", 190))
	if pub[1]&0x80 == 0 {
		t.Fatal("test PUBLISH needs a multi-byte Remaining Length")
	}
	frames = append(frames, f.c2s(pub[:2]), f.c2s(pub[2:]))
	// And one split after the type byte alone.
	frames = append(frames, f.c2s(pub[:1]), f.c2s(pub[1:]))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 6:PUBLISH 8:PUBLISH"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, p := range packets(rs)[1:] {
		if p.Packet.Topic != "split/topic" || len(p.Packet.Payload) != 190 || len(p.Packet.Violations) != 0 {
			t.Errorf("frame %d: topic %q payload %d violations %v", p.Frame, p.Packet.Topic, len(p.Packet.Payload), p.Packet.Violations)
		}
	}
}

func TestCoalescedPackets(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack()}
	var burst []byte
	burst = append(burst, connect311("dev-1")...)
	for i := range 5 {
		burst = append(burst, publish0(fmt.Sprintf("t/%d", i), "x")...)
	}
	burst = append(burst, pingreq()...)
	// The last packet of the burst spills into the next segment.
	tail := publish0("t/tail", "abcdef")
	burst = append(burst, tail[:4]...)
	frames = append(frames, f.c2s(burst), f.c2s(tail[4:]))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	want := "4:CONNECT 4:PUBLISH 4:PUBLISH 4:PUBLISH 4:PUBLISH 4:PUBLISH 4:PINGREQ 5:PUBLISH"
	if got := summary(rs); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMidstreamStart(t *testing.T) {
	// No handshake; the capture starts inside a PUBLISH's payload.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	f.c2s(connect311("dev-1"))
	pub := publish0("t/long", strings.Repeat("z", 40))
	frames := [][]byte{
		f.c2s(pub[20:]), // tail of a packet whose start was not captured
		f.c2s(publish0("t/next", "ok")),
		f.s2c(pingreq()[:0]), // a bare ACK from the server
		f.c2s(pingreq()),
	}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	p := packets(rs)
	if len(p) != 2 || p[0].Packet.Topic != "t/next" || !p[0].Midstream || p[0].Skipped == 0 || p[1].Midstream {
		t.Fatalf("got %s (skipped %v)", summary(rs), p)
	}
	if p[0].Client != f.client {
		t.Errorf("client %v: the side talking to 1883 is the client", p[0].Client)
	}
	if len(events(rs, EventSYN)) != 0 {
		t.Errorf("no SYN was captured")
	}
}

func TestGapResync(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("dev-1")), f.s2c(connack(0))}
	lost := publish0("t/lost", strings.Repeat("L", 30))
	f.c2s(lost[:10]) // never captured
	frames = append(frames,
		f.c2s(lost[10:]),                // early: held
		f.c2s(publish0("t/after", "a")), // early: held
		f.s2c(nil),                      // server ACKs everything: the hole is lost
		f.c2s(pingreq()),
	)
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	gaps := events(rs, EventGap)
	if len(gaps) != 1 || gaps[0].Frame != 8 || !strings.Contains(gaps[0].Event.Detail, "10 bytes") || gaps[0].Event.By != "client" {
		t.Fatalf("gaps %+v", gaps)
	}
	if got, want := summary(rs), "4:CONNECT 5:CONNACK 8:PUBLISH(mid) 9:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs)[2]; p.Packet.Topic != "t/after" || p.Skipped != 30 {
		t.Errorf("after the gap: topic %q skipped %d", p.Packet.Topic, p.Skipped)
	}
}

func TestGapAtFlush(t *testing.T) {
	// The hole is never acknowledged (the capture just ends): Flush
	// reports it and decodes what was held.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("dev-1"))}
	f.c2s(publish0("t/lost", "x"))
	frames = append(frames, f.c2s(publish0("t/held", "y")))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT 5:PUBLISH(mid)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if g := events(rs, EventGap); len(g) != 1 || g[0].Frame != 5 {
		t.Errorf("gap %+v", g)
	}
}

func TestRSTAnsweringSYN(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.frame(false, fRST|fACK, 0, f.cseq, nil)}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	var got []string
	for _, e := range events(rs, "") {
		got = append(got, fmt.Sprintf("%d:%s/%s", e.Frame, e.Event.Type, e.Event.By))
	}
	if strings.Join(got, " ") != "1:TCP-SYN/client 2:TCP-RST/server" {
		t.Fatalf("events %v", got)
	}
	if d := events(rs, EventRST)[0].Event.Detail; !strings.Contains(d, "refused") {
		t.Errorf("detail %q", d)
	}
}

func TestSYNUnanswered(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	syn := f.syn()
	frames := [][]byte{syn, syn, syn}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	un := events(rs, EventSYNUnanswered)
	if len(un) != 1 || un[0].Frame != 3 || !strings.HasPrefix(un[0].Event.Detail, "3 SYN(s)") || un[0].Conn != 1 {
		t.Fatalf("unanswered %+v", un)
	}
	if n := len(events(rs, EventSYN)); n != 1 {
		t.Errorf("%d SYN events for one connection attempt", n)
	}
}

func TestSYNUnansweredBeforeCaptureEnds(t *testing.T) {
	// Live capture never flushes: an attempt is reported once the SYN has
	// gone unanswered for synTimeout of capture time.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	other := newFlow("10.0.0.3:40000", "10.0.0.1:1883")
	var rs []Record
	d := NewDecoder(Options{}, func(r Record) { rs = append(rs, r) })
	syn := f.syn()
	d.Frame(frameAt(1, linkEthernet, syn))
	d.Frame(frameAt(101, linkEthernet, syn)) // retransmitted after 1 s
	n := 102
	for ; n < 102+3500; n++ { // 35 s of unrelated traffic
		d.Frame(frameAt(n, linkEthernet, other.c2s(pingreq())))
	}
	un := events(rs, EventSYNUnanswered)
	if len(un) != 1 || un[0].Frame != 101 || !strings.HasPrefix(un[0].Event.Detail, "2 SYN(s) over 1s") {
		t.Fatalf("unanswered %+v", un)
	}
	d.Flush()
	if len(events(rs, EventSYNUnanswered)) != 1 {
		t.Errorf("reported twice")
	}
}

func TestRSTMidSession(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("dev-1"))}
	pub := publish0("t/x", "abc")
	frames = append(frames, f.c2s(pub[:3]), f.frame(false, fRST, f.sseq, 0, nil))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	var got []string
	for _, e := range events(rs, "") {
		got = append(got, fmt.Sprintf("%d:%s/%s", e.Frame, e.Event.Type, e.Event.By))
	}
	want := "1:TCP-SYN/client 2:TCP-SYN-ACK/server 6:TCP-RST/server 6:MQTT-INCOMPLETE/client"
	if strings.Join(got, " ") != want {
		t.Fatalf("events %v, want %s", got, want)
	}
}

func TestPortReuseNewConnection(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	first := session(f)
	f.cseq += 100000
	second := session(f)
	rs := decodeFrames(t, linkEthernet, append(first, second...), Options{})
	p := packets(rs)
	if len(p) != 6 || p[0].Conn != 1 || p[3].Conn != 2 {
		t.Fatalf("conns %s", summary(rs))
	}
}

func TestSYNAfterMidstreamIsNewConnection(t *testing.T) {
	// A connection seen mid-stream, then a SYN on the same port pair: the
	// port was reused, and the new connection gets its own number. A SYN
	// retransmitted after its SYN-ACK stays in its connection.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	old := f.c2s(publish0("t/old", "x"))
	f.cseq += 5000
	syn := f.syn()
	frames := [][]byte{old, syn, f.synAck(), syn, f.ack(), f.c2s(connect311("new")), f.s2c(connack(0))}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	p := packets(rs)
	if len(p) != 3 || p[0].Conn != 1 || p[1].Conn != 2 || p[2].Conn != 2 || p[1].Packet.ClientID != "new" || p[1].Midstream {
		t.Fatalf("%s %+v", summary(rs), p)
	}
	if n := len(events(rs, EventSYN)); n != 1 {
		t.Errorf("%d SYN events", n)
	}
}

func TestMQTTOnOtherPort(t *testing.T) {
	mq := newFlow("10.0.0.2:40000", "10.0.0.1:5555")
	other := newFlow("10.0.0.2:40001", "10.0.0.1:8080")
	frames := [][]byte{mq.syn(), mq.synAck(), other.syn(), other.synAck(), mq.ack(),
		other.c2s([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
		mq.c2s(connect311("dev-9")), mq.s2c(connack(0)),
		other.s2c([]byte{0x30, 5, 0, 1, 'a', 'b', 'c'}), // MQTT-looking bytes on a non-MQTT connection
		mq.fin(true), mq.fin(false)}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "7:CONNECT 8:CONNACK"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs); p[0].Conn != 1 || p[0].Server.Port() != 5555 {
		t.Errorf("conn %d server %v", p[0].Conn, p[0].Server)
	}
	// Its SYN/SYN-ACK are reported once it turned out to be MQTT.
	var got []string
	for _, e := range events(rs, "") {
		got = append(got, fmt.Sprintf("%d:%s", e.Frame, e.Event.Type))
	}
	if strings.Join(got, " ") != "1:TCP-SYN 2:TCP-SYN-ACK 10:TCP-FIN 11:TCP-FIN" {
		t.Errorf("events %v", got)
	}
	// Without the handshake, the CONNECT still identifies the client, even
	// when the first frame seen is the server's.
	mid := newFlow("10.0.0.3:40000", "10.0.0.1:6666")
	connectAndFin := mid.frame(true, fACK|fPSH|fFIN, mid.cseq, mid.sseq, connect311("dev-late"))
	frames = [][]byte{mid.s2c(nil), connectAndFin, mid.s2c(connack(0))}
	rs = decodeFrames(t, linkEthernet, frames, Options{})
	p := packets(rs)
	if len(p) != 2 || p[0].Client != mid.client || !p[0].FromClient || p[1].FromClient {
		t.Fatalf("midstream heuristic: %s %+v", summary(rs), p)
	}
	// The FIN riding on the CONNECT is the client's, though the first
	// frame seen made the other side look like the client.
	if fin := events(rs, EventFIN); len(fin) != 1 || fin[0].Event.By != "client" || fin[0].Frame != 2 {
		t.Errorf("FIN %+v", fin)
	}
}

func TestSnapLengthCut(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("dev-1"))}
	full := f.c2s(publish0("t/big", strings.Repeat("B", 100)))
	frames = append(frames, full[:len(full)-60]) // captured with a small snap length
	frames = append(frames, f.c2s(publish0("t/small", "s")), f.c2s(pingreq()))
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if g := events(rs, EventGap); len(g) != 1 || g[0].Frame != 5 || !strings.Contains(g[0].Event.Detail, "60 bytes") {
		t.Fatalf("gaps %+v", g)
	}
	if got, want := summary(rs), "4:CONNECT 6:PUBLISH(mid) 7:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestForceVersion(t *testing.T) {
	// Without a CONNECT a CONNACK is ambiguous; --mqtt-version decides.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := [][]byte{f.s2c([]byte{0x20, 3, 0, 0x87, 0})}
	rs := decodeFrames(t, linkEthernet, frames, Options{ForceVersion: mqtt.Version5})
	p := packets(rs)
	if len(p) != 1 || p[0].Packet.Version != mqtt.Version5 || p[0].Packet.ReasonCode != 0x87 {
		t.Fatalf("%+v", p)
	}
}

func TestIdleConnectionsFreed(t *testing.T) {
	// Connections that never close must not accumulate.
	var frames [][]byte
	for i := range 3000 {
		f := newFlow(fmt.Sprintf("10.1.%d.%d:40000", i/250, i%250+1), "10.0.0.1:1883")
		frames = append(frames, f.syn(), f.synAck(), f.ack(), f.c2s(connect311("d")))
	}
	var n int
	d := NewDecoder(Options{IdleTimeout: 1e9}, func(r Record) { n++ })
	peak := 0
	for i, b := range frames {
		// One frame per 10 ms: each connection is idle after its 4 frames.
		d.Frame(frameAt(i+1, linkEthernet, b))
		peak = max(peak, len(d.conns))
	}
	if peak > 400 {
		t.Errorf("%d connections held at once; idle ones should have been freed", peak)
	}
	d.Flush()
	if len(d.conns) != 0 {
		t.Errorf("%d connections left after Flush", len(d.conns))
	}
}
