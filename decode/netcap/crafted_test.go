package netcap

import (
	"net/netip"
	"os"
	"strings"
	"testing"
)

// craftedCaptures are edge cases written as pcap files so tshark can be
// asked about them too (testdata/make_golden.py): their *.tshark.tsv
// golden files record where tshark 4.0 goes wrong, and goldenDiffs
// explains each difference.
func craftedCaptures() map[string][][]byte {
	out := map[string][][]byte{}

	// A PUBLISH whose 2-byte Remaining Length is cut between its bytes,
	// then ordinary packets.
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	pub := publish0("sensors/split", strings.Repeat("v", 150))
	out["crafted_split_varint"] = [][]byte{f.syn(), f.synAck(), f.ack(),
		f.c2s(connect311("split-dev")), f.s2c(connack(0)),
		f.c2s(pub[:2]), f.c2s(pub[2:]),
		f.c2s(publish0("sensors/next", "after")), f.c2s(pingreq()), f.s2c([]byte{0xd0, 0}),
		f.fin(true), f.fin(false)}

	// Client segments captured out of order: PUBLISH 2 before PUBLISH 1.
	f = newFlow("10.0.0.3:40001", "10.0.0.1:1883")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("ooo-dev")), f.s2c(connack(0))}
	p1, p2 := f.c2s(publish0("ooo/1", "first")), f.c2s(publish0("ooo/2", "second"))
	out["crafted_out_of_order"] = append(frames, p2, p1, f.s2c(nil), f.c2s(pingreq()), f.fin(true), f.fin(false))

	// A retransmitted PUBLISH (same bytes twice) and a retransmission that
	// overlaps the end of one packet and the start of the next.
	f = newFlow("10.0.0.4:40002", "10.0.0.1:1883")
	frames = [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("retx-dev")), f.s2c(connack(0))}
	seq := f.cseq
	a := publish0("retx/a", "aaaa")
	segA := f.c2s(a)
	b := publish0("retx/b", "bbbb")
	segB := f.c2s(b)
	overlap := f.frame(true, fACK|fPSH, seq+uint32(len(a)-3), f.sseq, append(append([]byte{}, a[len(a)-3:]...), b[:4]...))
	out["crafted_retransmission"] = append(frames, segA, segA, segB, overlap, f.c2s(pingreq()), f.fin(true), f.fin(false))

	// A lost client segment that the server acknowledges: the PUBLISH it
	// carried the start of is gone; the stream resynchronises after it.
	f = newFlow("10.0.0.5:40003", "10.0.0.1:1883")
	frames = [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("gap-dev")), f.s2c(connack(0))}
	lost := publish0("gap/lost", strings.Repeat("L", 40))
	f.c2s(lost[:20]) // not captured
	out["crafted_gap"] = append(frames, f.c2s(lost[20:]), f.s2c(nil), f.c2s(publish0("gap/after", "ok")),
		f.c2s(pingreq()), f.fin(true), f.fin(false))
	// A module resolves its broker, is refused (RST to its SYN), retries
	// and gets no answer at all; a second name does not exist.
	f = newFlow("10.0.0.6:40004", "192.0.2.10:1883")
	refused := [][]byte{f.syn(), f.frame(false, fRST|fACK, 0, f.cseq, nil)}
	g := newFlow("10.0.0.6:40005", "192.0.2.10:1883")
	syn := g.syn()
	out["crafted_dns_refused"] = append([][]byte{
		udpFrame("10.0.0.6:5353", "10.0.0.53:53", dnsMessage(0x1234, false, 0, "broker.example.com", 1)),
		udpFrame("10.0.0.53:53", "10.0.0.6:5353", dnsMessage(0x1234, true, 0, "broker.example.com", 1,
			netip.MustParseAddr("192.0.2.10"))),
	}, append(refused, syn, syn,
		udpFrame("10.0.0.6:5354", "10.0.0.53:53", dnsMessage(0x1235, false, 0, "typo.example.com", 1)),
		udpFrame("10.0.0.53:53", "10.0.0.6:5354", dnsMessage(0x1235, true, 3, "typo.example.com", 1)))...)
	return out
}

// TestWriteCraftedCaptures regenerates testdata/crafted_*.pcap when
// ATMQ_WRITE_CRAFTED=1 (then run testdata/make_golden.py).
func TestWriteCraftedCaptures(t *testing.T) {
	if os.Getenv("ATMQ_WRITE_CRAFTED") != "1" {
		t.Skip("set ATMQ_WRITE_CRAFTED=1 to rewrite testdata/crafted_*.pcap")
	}
	for name, frames := range craftedCaptures() {
		if err := os.WriteFile("testdata/"+name+".pcap", pcapBytes(t, linkEthernet, frames, false), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCraftedCapturesCurrent checks the committed crafted captures are what
// craftedCaptures builds, so the golden files describe this code's inputs.
func TestCraftedCapturesCurrent(t *testing.T) {
	for name, frames := range craftedCaptures() {
		got, err := os.ReadFile("testdata/" + name + ".pcap")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(pcapBytes(t, linkEthernet, frames, false)) {
			t.Errorf("testdata/%s.pcap is stale: run ATMQ_WRITE_CRAFTED=1 go test -run WriteCrafted", name)
		}
	}
}
