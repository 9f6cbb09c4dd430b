package netcap

import (
	"encoding/binary"
	"testing"
)

var fuzzLinkTypes = []int{linkEthernet, linkSLL, linkSLL2, linkRaw, linkNull, linkLoop, linkIPv4, linkIPv6}

// splitFuzzFrames cuts fuzz input into frames: [link selector][len16][bytes]…
func splitFuzzFrames(b []byte) (lts []int, frames [][]byte) {
	for len(b) >= 3 {
		lt := fuzzLinkTypes[int(b[0])%len(fuzzLinkTypes)]
		n := int(binary.BigEndian.Uint16(b[1:3]))
		b = b[3:]
		n = min(n, len(b))
		lts = append(lts, lt)
		frames = append(frames, b[:n])
		b = b[n:]
	}
	return
}

func joinFuzzFrames(lt int, frames [][]byte) []byte {
	var out []byte
	sel := 0
	for i, l := range fuzzLinkTypes {
		if l == lt {
			sel = i
		}
	}
	for _, f := range frames {
		out = append(out, byte(sel))
		out = binary.BigEndian.AppendUint16(out, uint16(len(f)))
		out = append(out, f...)
	}
	return out
}

// FuzzFrame feeds arbitrary frames of every link type to a Decoder: it must
// neither panic nor keep state after Flush.
func FuzzFrame(f *testing.F) {
	fl := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	f.Add(joinFuzzFrames(linkEthernet, session(fl)))
	v6 := newFlow("[::1]:40000", "[::1]:1883")
	v6.lt = linkSLL2
	f.Add(joinFuzzFrames(linkSLL2, session(v6)))
	tls := newFlow("10.0.0.2:40001", "10.0.0.1:8883")
	f.Add(joinFuzzFrames(linkEthernet, [][]byte{tls.syn(), tls.c2s(tlsRecord(22, clientHello("x.example")))}))
	plain := newFlow("10.0.0.2:40003", "10.0.0.1:8883")
	f.Add(joinFuzzFrames(linkEthernet, [][]byte{plain.syn(), plain.synAck(), plain.c2s(connect311("p")),
		plain.s2c(tlsRecord(21, []byte{2, 10})), plain.s2c(connack(0))}))
	other := newFlow("10.0.0.2:40002", "10.0.0.1:7000")
	f.Add(joinFuzzFrames(linkEthernet, [][]byte{other.c2s(connect311("p")), other.s2c(connack(0))}))
	f.Add(joinFuzzFrames(linkEthernet, [][]byte{udpFrame("10.0.0.2:5353", "8.8.8.8:53", dnsMessage(1, true, 0, "a.b", 1))}))
	f.Add([]byte{0, 0, 4, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		lts, frames := splitFuzzFrames(b)
		d := NewDecoder(Options{Ports: []uint16{1883}}, func(r Record) {
			if r.Kind == KindPacket && r.Packet == nil || r.Kind == KindEvent && r.Event == nil {
				t.Fatalf("record without content: %+v", r)
			}
		})
		for i, fr := range frames {
			d.Frame(frameAt(i+1, lts[i], fr))
		}
		d.Flush()
		if len(d.conns) != 0 || d.held != 0 {
			t.Fatalf("%d connections, %d held bytes after Flush", len(d.conns), d.held)
		}
	})
}

// FuzzTCPSegments drives one connection's reassembly with arbitrary
// segments (direction, flags, sequence offsets, payloads): no panic, and
// held data stays within its bound.
func FuzzTCPSegments(f *testing.F) {
	f.Add([]byte{0, 0x02, 0, 0, 0, 1, 0x18, 0, 1, 4, 0x10, 0x02, 0, 0, 0, 0x18, 0, 1, 2, 0x20, 0x02, 0, 0})
	f.Add([]byte{0, 0x18, 0, 5, 4, 0x30, 0x02, 0, 0, 0, 0x18, 0, 0, 5, 0x30, 3, 0, 1, 'a', 1, 0x04, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fl := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
		var frames [][]byte
		// Segment: dir(1) flags(1) seqOffset(2, signed) len(1) payload.
		for len(b) >= 5 {
			fromClient := b[0]&1 == 0
			flags := b[1] & (fFIN | fSYN | fRST | fPSH | fACK)
			off := int16(binary.BigEndian.Uint16(b[2:4]))
			n := min(int(b[4]), len(b)-5)
			payload := b[5 : 5+n]
			b = b[5+n:]
			seq, ack := fl.cseq+uint32(int32(off)), fl.sseq
			if !fromClient {
				seq, ack = fl.sseq+uint32(int32(off)), fl.cseq
			}
			frames = append(frames, fl.frame(fromClient, flags, seq, ack, payload))
		}
		d := NewDecoder(Options{}, func(Record) {})
		for i, fr := range frames {
			d.Frame(frameAt(i+1, linkEthernet, fr))
			sum := 0
			for _, c := range d.conns {
				for _, dr := range c.dirs {
					if dr != nil && (dr.hs.held > maxPendingBytes+65535 || len(dr.hs.pending) > maxPendingSegs+1) {
						t.Fatalf("holding %d bytes in %d segments", dr.hs.held, len(dr.hs.pending))
					}
					if dr != nil {
						sum += dr.hs.held + len(dr.hs.pending)*heldSegmentCost
					}
				}
			}
			if sum != d.held {
				t.Fatalf("decoder counts %d held, streams hold %d", d.held, sum)
			}
		}
		d.Flush()
		if d.held != 0 {
			t.Fatalf("%d held bytes after Flush", d.held)
		}
	})
}

// collectSink records what a halfStream delivers.
type collectSink struct {
	got  []byte
	gaps int
}

func (c *collectSink) data(b []byte, _ stamp)         { c.got = append(c.got, b...) }
func (c *collectSink) gap(n int, _ stamp, _ gapCause) { c.gaps += n }

// FuzzHalfStream checks reassembly against the obvious model: cut a byte
// stream into segments, deliver them in any order with duplicates and
// overlaps, and the stream must come out exactly once, in order, no gaps.
func FuzzHalfStream(f *testing.F) {
	f.Add([]byte("hello, world: some MQTT bytes"), []byte{3, 1, 2, 0, 5, 4}, uint32(0xfffffff0))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, []byte{0, 0, 1, 1}, uint32(7))
	f.Fuzz(func(t *testing.T, stream, order []byte, isn uint32) {
		if len(stream) == 0 || len(order) == 0 {
			return
		}
		// Segment i covers stream[starts[i]:starts[i]+lens[i]]; lengths come
		// from order, so segments overlap when a length exceeds the stride.
		type seg struct{ off, n int }
		var segs []seg
		for off, i := 0, 0; off < len(stream) && len(segs) < 200; i++ {
			stride := 1 + int(order[i%len(order)])%7
			n := min(stride+int(order[(i+1)%len(order)])%3, len(stream)-off)
			segs = append(segs, seg{off, n})
			off += stride
		}
		end := 0
		for _, s := range segs {
			end = max(end, s.off+s.n)
		}
		stream = stream[:end] // what the segments cover
		// Delivery order: a permutation driven by order, then everything
		// again (retransmissions) so every byte is covered.
		perm := make([]int, len(segs))
		for i := range perm {
			perm[i] = i
		}
		for i := range perm {
			j := int(order[i%len(order)]) % len(perm)
			perm[i], perm[j] = perm[j], perm[i]
		}
		var h halfStream
		h.start(isn)
		sink := &collectSink{}
		for _, i := range append(perm, perm...) {
			s := segs[i]
			h.add(isn+uint32(s.off), stream[s.off:s.off+s.n], s.n, stamp{frame: i + 1}, sink)
		}
		h.flush(stamp{}, sink)
		if sink.gaps != 0 || string(sink.got) != string(stream) {
			t.Fatalf("delivered %q (gaps %d), want %q", sink.got, sink.gaps, stream)
		}
	})
}

// positionSink checks each delivered byte against the stream it came from.
type positionSink struct {
	t      *testing.T
	stream []byte
	pos    int    // stream offset of the next byte
	isData []bool // isData[i]: byte i was delivered as data
}

func (p *positionSink) data(b []byte, _ stamp) {
	if p.pos+len(b) > len(p.stream) || string(b) != string(p.stream[p.pos:p.pos+len(b)]) {
		p.t.Fatalf("delivered %q at %d, stream has %q", b, p.pos, p.stream[p.pos:min(len(p.stream), p.pos+len(b))])
	}
	for i := range b {
		p.isData[p.pos+i] = true
	}
	p.pos += len(b)
}

func (p *positionSink) gap(n int, _ stamp, _ gapCause) {
	if n <= 0 || p.pos+n > len(p.stream) {
		p.t.Fatalf("gap of %d at %d in a %d-byte stream", n, p.pos, len(p.stream))
	}
	p.pos += n
}

// FuzzHalfStreamLoss extends FuzzHalfStream with capture loss and the
// receiver's cumulative acknowledgements: every byte comes out at its
// place, and a byte of a segment captured before the receiver acknowledged
// its start must come out as data (later ones are retransmissions as far
// as the capture can tell). Nothing stays held.
func FuzzHalfStreamLoss(f *testing.F) {
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), []byte{3, 1, 2, 0, 5, 4}, []byte{0x11, 0x02, 0x40}, uint32(0xfffffff0))
	f.Add([]byte("hello, hole-y world"), []byte{0, 1, 2, 3}, []byte{0x01, 0x01, 0x01}, uint32(7))
	f.Fuzz(func(t *testing.T, stream, order, loss []byte, isn uint32) {
		if len(stream) == 0 || len(order) == 0 || len(loss) == 0 {
			return
		}
		type seg struct{ off, n int }
		var segs []seg
		for off, i := 0, 0; off < len(stream) && len(segs) < 200; i++ {
			stride := 1 + int(order[i%len(order)])%7
			n := min(stride+int(order[(i+1)%len(order)])%3, len(stream)-off)
			segs = append(segs, seg{off, n})
			off += stride
		}
		perm := make([]int, len(segs))
		for i := range perm {
			perm[i] = i
		}
		for i := range perm {
			j := int(order[i%len(order)]) % len(perm)
			perm[i], perm[j] = perm[j], perm[i]
		}
		// bit 0 of loss[k]: segment sent k-th is not captured; bit 1: the
		// receiver's ACK after it is captured.
		var h halfStream
		h.start(isn)
		sink := &positionSink{t: t, stream: stream, isData: make([]bool, len(stream))}
		received := make([]bool, len(stream))
		mustData := make([]bool, len(stream))
		last, acked := 0, 0
		for k, i := range perm {
			s := segs[i]
			for j := s.off; j < s.off+s.n; j++ {
				received[j] = true
			}
			bits := loss[k%len(loss)]
			if bits&1 == 0 {
				h.add(isn+uint32(s.off), stream[s.off:s.off+s.n], s.n, stamp{frame: k + 1}, sink)
				for j := s.off; j < s.off+s.n && acked <= s.off; j++ {
					mustData[j] = true
				}
				last = max(last, s.off+s.n)
			}
			if bits&2 != 0 {
				ack := 0
				for ack < len(received) && received[ack] {
					ack++
				}
				h.noteAck(isn+uint32(ack), stamp{frame: k + 1}, sink)
				acked = ack
			}
		}
		h.flush(stamp{}, sink)
		if sink.pos < last {
			t.Fatalf("delivered up to %d, captured data up to %d", sink.pos, last)
		}
		for j := range last {
			if mustData[j] && !sink.isData[j] {
				t.Fatalf("byte %d was captured before it was acknowledged, but delivered as a gap", j)
			}
		}
		if h.held != 0 || len(h.pending) != 0 {
			t.Fatalf("%d bytes still held after flush", h.held)
		}
	})
}
