package mqtt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// emitted is one packet handed out by a splitter, copied.
type emitted struct {
	raw  []byte
	note SplitNote
}

func (e emitted) String() string { return fmt.Sprintf("%x %+v", e.raw, e.note) }

func collect(out *[]emitted) func([]byte, SplitNote) {
	return func(raw []byte, n SplitNote) {
		*out = append(*out, emitted{append([]byte(nil), raw...), n})
	}
}

// splitChunks feeds data to a new splitter in the given chunk sizes, then
// flushes, and returns everything emitted.
func splitChunks(midstream bool, maxPacket int, data []byte, sizes []int) ([]emitted, *StreamSplitter) {
	out, s, _ := splitChunksFlushed(midstream, maxPacket, data, sizes)
	return out, s
}

// splitChunksFlushed is splitChunks also returning what Flush discarded.
func splitChunksFlushed(midstream bool, maxPacket int, data []byte, sizes []int) ([]emitted, *StreamSplitter, int) {
	s := NewStreamSplitter(midstream)
	if maxPacket > 0 {
		s.MaxPacket = maxPacket
	}
	var out []emitted
	for _, n := range sizes {
		n = min(n, len(data))
		s.Feed(data[:n], collect(&out))
		data = data[n:]
	}
	s.Feed(data, collect(&out))
	discarded := s.Flush(collect(&out))
	return out, s, discarded
}

func sameEmitted(a, b []emitted) bool {
	return slices.EqualFunc(a, b, func(x, y emitted) bool { return bytes.Equal(x.raw, y.raw) && x.note == y.note })
}

// testStream holds packets whose Remaining Length takes 1, 2 and 3 bytes.
func testStream() (stream []byte, packets [][]byte) {
	big := bytes.Repeat([]byte("0123456789"), 2000) // 20000 bytes: 3-byte varint
	packets = [][]byte{
		pkt(0x10, s16("MQTT"), raw(4, 2), u16(60), s16("dev1")),
		raw(0x20, 2, 0, 0),
		pkt(0x32, s16("a/b"), u16(1), bytes.Repeat([]byte{'x'}, 200)), // 2-byte varint
		raw(0x40, 2, 0, 1),
		pkt(0x30, s16("big"), big),
		raw(0xC0, 0),
		raw(0xD0, 0),
		pkt(0x82, u16(2), s16("a/#"), raw(1)),
		raw(0xE0, 0),
	}
	for _, p := range packets {
		stream = append(stream, p...)
	}
	return stream, packets
}

func TestSplitterEverySplitPoint(t *testing.T) {
	stream, packets := testStream()
	for _, midstream := range []bool{false, true} {
		want, _ := splitChunks(midstream, 0, stream, nil)
		if len(want) != len(packets) {
			t.Fatalf("midstream=%v: one-shot gave %d packets, want %d", midstream, len(want), len(packets))
		}
		for i, p := range packets {
			if !bytes.Equal(want[i].raw, p) || want[i].note.Length != len(p) || want[i].note.Resynced != (midstream && i == 0) {
				t.Fatalf("midstream=%v packet %d = %v", midstream, i, want[i])
			}
		}
		for cut := 0; cut <= len(stream); cut++ {
			got, s := splitChunks(midstream, 0, stream, []int{cut})
			if !sameEmitted(got, want) || s.Pending() != 0 {
				t.Fatalf("midstream=%v cut at %d: got %v", midstream, cut, got)
			}
		}
	}
	// Byte at a time, through every fixed header and varint byte.
	ones := make([]int, len(stream))
	for i := range ones {
		ones[i] = 1
	}
	got, _ := splitChunks(false, 0, stream, ones)
	want, _ := splitChunks(false, 0, stream, nil)
	if !sameEmitted(got, want) {
		t.Fatal("byte-at-a-time feed differs from one-shot")
	}
}

func TestSplitterPacketsWithinSegmentAreNotCopied(t *testing.T) {
	stream, _ := testStream()
	s := NewStreamSplitter(false)
	off := 0
	s.Feed(stream, func(raw []byte, _ SplitNote) {
		// Writing through raw must show in the segment if it aliases it.
		raw[0] ^= 0xFF
		aliased := stream[off] == raw[0]
		raw[0] ^= 0xFF
		if !aliased {
			t.Fatalf("packet at offset %d whole inside the segment was copied", off)
		}
		off += len(raw)
	})
}

func TestSplitterMidstream(t *testing.T) {
	stream, packets := testStream()
	// Start inside the 200-byte PUBLISH's payload: the rest of it is
	// skipped and the PUBACK after it is the first packet.
	start := len(packets[0]) + len(packets[1]) + 50
	data := stream[start:]
	got, _ := splitChunks(true, 0, data, nil)
	wantSkip := len(packets[2]) - 50
	if len(got) != len(packets)-3 {
		t.Fatalf("got %d packets: %v", len(got), got)
	}
	if !bytes.Equal(got[0].raw, packets[3]) || !got[0].note.Resynced || got[0].note.Skipped != wantSkip {
		t.Fatalf("first packet after resync = %v, want PUBACK skipped %d", got[0], wantSkip)
	}
	for i, e := range got[1:] {
		if !bytes.Equal(e.raw, packets[4+i]) || e.note.Resynced || e.note.Skipped != 0 {
			t.Fatalf("packet %d = %v", i+1, e)
		}
	}
	// Same answer whatever the chunking.
	for cut := 0; cut <= len(data); cut += 7 {
		g, _ := splitChunks(true, 0, data, []int{cut, 13})
		if !sameEmitted(g, got) {
			t.Fatalf("cut %d: %v", cut, g)
		}
	}
}

func TestSplitterMidstreamRejectsPayloadLookalikes(t *testing.T) {
	// A payload full of bytes that look like tiny packets (PINGRESP
	// "D0 00", PUBACK "40 02 00 01") must not be taken for packets: the
	// resync waits for a plausible header after each tiny candidate.
	payload := bytes.Repeat([]byte{0xD0, 0x00, 0x40, 0x02, 0x00, 0x01, 0xFF}, 20)
	pub := pkt(0x30, s16("t"), payload)
	next := pkt(0x30, s16("next"), []byte("ok"))
	data := cat(pub[40:], next)
	got, _ := splitChunks(true, 0, data, nil)
	if len(got) == 0 || !bytes.Equal(got[len(got)-1].raw, next) {
		t.Fatalf("got %v", got)
	}
	if len(got) != 1 {
		t.Errorf("look-alikes accepted as packets: %v", got[:len(got)-1])
	}
}

func TestSplitterGap(t *testing.T) {
	a := pkt(0x30, s16("t"), []byte("hello world"))
	b := raw(0x40, 2, 0, 5)
	c := raw(0xC0, 0)
	s := NewStreamSplitter(false)
	var out []emitted
	s.Feed(a[:6], collect(&out))
	if s.Pending() != 6 {
		t.Fatalf("Pending = %d", s.Pending())
	}
	s.Gap()
	if s.Pending() != 0 {
		t.Fatalf("Pending after Gap = %d", s.Pending())
	}
	// After the gap the stream resumes at a packet boundary.
	s.Feed(cat(b, c), collect(&out))
	if len(out) != 2 || !bytes.Equal(out[0].raw, b) || !out[0].note.Resynced || out[0].note.Skipped != 6 ||
		!bytes.Equal(out[1].raw, c) || out[1].note.Resynced {
		t.Fatalf("got %v", out)
	}
}

func TestSplitterOversize(t *testing.T) {
	big := pkt(0x30, s16("huge/topic"), bytes.Repeat([]byte{'z'}, 5000))
	after := raw(0xC0, 0)
	data := cat(big, after)
	for _, sizes := range [][]int{nil, {1, 1, 1, 300}, {100, 100, 100, 100}} {
		got, s := splitChunks(false, 1000, data, sizes)
		if len(got) != 2 {
			t.Fatalf("sizes %v: got %v", sizes, got)
		}
		n := got[0].note
		if !n.Oversize || n.Length != len(big) || !bytes.Equal(got[0].raw, big[:oversizePrefix]) {
			t.Fatalf("sizes %v: oversize packet %x %+v", sizes, got[0].raw[:8], n)
		}
		if !bytes.Equal(got[1].raw, after) || got[1].note.Oversize {
			t.Fatalf("sizes %v: next packet %v", sizes, got[1])
		}
		if cap(s.buf) > 2*oversizePrefix {
			t.Errorf("sizes %v: buffer grew to %d", sizes, cap(s.buf))
		}
		// The prefix decodes far enough to name the topic.
		p, err := Decode(got[0].raw, Version311)
		if err == nil || p == nil || p.Type != PUBLISH {
			t.Errorf("prefix decode: %v %v", p, err)
		}
	}
}

func TestSplitterHostileLengthBuffersOnlyWhatArrives(t *testing.T) {
	s := NewStreamSplitter(false)
	s.MaxPacket = maxVarint + 5 // allow the largest MQTT packet
	hdr := raw(0x30, 0xFF, 0xFF, 0xFF, 0x7F)
	s.Feed(hdr, func([]byte, SplitNote) { t.Fatal("emitted") })
	chunk := make([]byte, 1000)
	for i := 0; i < 100; i++ {
		s.Feed(chunk, func([]byte, SplitNote) { t.Fatal("emitted") })
	}
	if s.Pending() != len(hdr)+100*1000 {
		t.Fatalf("Pending = %d", s.Pending())
	}
	if cap(s.buf) > 4*s.Pending() {
		t.Fatalf("buffer capacity %d for %d bytes", cap(s.buf), s.Pending())
	}
}

func TestSplitterDefaultMaxSkipsHugeClaim(t *testing.T) {
	var s StreamSplitter // zero value: MaxPacket 0 means the default
	var out []emitted
	s.Feed(cat(raw(0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0, 1, 't'), make([]byte, 300)), collect(&out))
	if len(out) != 1 || !out[0].note.Oversize || out[0].note.Length != maxVarint+5 {
		t.Fatalf("got %v", out)
	}
}

func TestSplitterMalformedVarintResyncs(t *testing.T) {
	good := raw(0x40, 2, 0, 1)
	data := cat(raw(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F), good)
	for cut := 0; cut <= len(data); cut++ {
		got, _ := splitChunks(false, 0, data, []int{cut})
		if len(got) != 1 || !bytes.Equal(got[0].raw, good) || !got[0].note.Resynced || got[0].note.Skipped != 6 {
			t.Fatalf("cut %d: got %v", cut, got)
		}
	}
}

func TestSplitterFlush(t *testing.T) {
	// Mid-stream, a candidate that claims more bytes than the stream has
	// holds back the packets after it until Flush.
	tail := raw(0xC0, 0)
	data := cat(raw(0xFF, 0x10, 0x7F, 0, 4), tail) // "CONNECT" of 127 bytes that never completes
	s := NewStreamSplitter(true)
	var out []emitted
	s.Feed(data, collect(&out))
	if len(out) != 0 || s.Unsynced() != len(data)-1 {
		t.Fatalf("before Flush: %v, unsynced %d", out, s.Unsynced())
	}
	if n := s.Flush(collect(&out)); n != 0 {
		t.Fatalf("Flush discarded %d", n)
	}
	if len(out) != 1 || !bytes.Equal(out[0].raw, tail) || out[0].note.Skipped != 5 {
		t.Fatalf("after Flush: %v", out)
	}
	// Mid-stream, a plausible packet at the very start that never
	// completes is a truncated packet, not garbage.
	s = NewStreamSplitter(true)
	s.Feed(pkt(0x30, s16("t"), make([]byte, 100))[:50], func([]byte, SplitNote) { t.Fatal("emitted") })
	if n := s.Flush(func([]byte, SplitNote) { t.Fatal("emitted") }); n != 0 || s.Pending() != 50 {
		t.Fatalf("Flush = %d, Pending = %d", n, s.Pending())
	}
	// A truncated packet in a synced stream stays pending.
	s = NewStreamSplitter(false)
	s.Feed(raw(0x30, 10, 0, 1), func([]byte, SplitNote) {})
	if n := s.Flush(func([]byte, SplitNote) {}); n != 0 || s.Pending() != 4 {
		t.Fatalf("Flush = %d, Pending = %d", n, s.Pending())
	}
}

func TestSplitterRandomChunking(t *testing.T) {
	stream, _ := testStream()
	r := rand.New(rand.NewPCG(1, 2))
	for _, midstream := range []bool{false, true} {
		want, _ := splitChunks(midstream, 0, stream, nil)
		for iter := 0; iter < 200; iter++ {
			var sizes []int
			for left := len(stream); left > 0; {
				n := 1 + r.IntN(3000)
				sizes = append(sizes, n)
				left -= n
			}
			got, _ := splitChunks(midstream, 0, stream, sizes)
			if !sameEmitted(got, want) {
				t.Fatalf("midstream=%v sizes %v differ", midstream, sizes)
			}
		}
	}
}

func TestSplitterMidstreamLargePublish(t *testing.T) {
	// After garbage, a PUBLISH longer than the resync window is taken on
	// the strength of its topic, without waiting for all of it.
	big := pkt(0x30, s16("bulk/data"), bytes.Repeat([]byte{0xAB}, 3*resyncWindow))
	data := cat(raw(0xFF, 0xFF, 0xFF), big, raw(0xC0, 0))
	got, _ := splitChunks(true, 0, data, []int{20})
	if len(got) != 2 || !bytes.Equal(got[0].raw, big) || got[0].note.Skipped != 3 || !got[0].note.Resynced {
		t.Fatalf("got %d packets: %v", len(got), got[0].note)
	}
	// A long candidate whose "topic" has a wildcard is not a PUBLISH.
	bad := pkt(0x30, s16("a/#"), bytes.Repeat([]byte{0xAB}, 3*resyncWindow))
	got, _ = splitChunks(true, 0, cat(raw(0xFF), bad), nil)
	for _, e := range got {
		if bytes.Equal(e.raw, bad) {
			t.Fatal("wildcard topic accepted as a large PUBLISH")
		}
	}
}

func TestSplitterEndRunBeforeGap(t *testing.T) {
	// Resynchronising after a mid-stream start, the splitter confirms a
	// 2-byte packet by what follows it. When a gap follows instead, the
	// run's end decides: the DISCONNECT is emitted, not dropped with the
	// lost bytes.
	pub := pkt(0x30, s16("t/x"), bytes.Repeat([]byte{'q'}, 30))
	disconnect := raw(0xE0, 0)
	ping := raw(0xC0, 0)
	s := NewStreamSplitter(true)
	var out []emitted
	s.Feed(cat(pub[10:], disconnect), collect(&out))
	if len(out) != 0 {
		t.Fatalf("emitted before confirmation: %v", out)
	}
	s.EndRun(collect(&out))
	s.Feed(ping, collect(&out))
	if len(out) != 2 || !bytes.Equal(out[0].raw, disconnect) || !out[0].note.Resynced || out[0].note.Skipped != len(pub)-10 ||
		!bytes.Equal(out[1].raw, ping) || !out[1].note.Resynced || out[1].note.Skipped != 0 {
		t.Fatalf("got %v", out)
	}

	// An unfinished candidate before the gap is discarded, and its bytes
	// are counted in the next packet's Skipped.
	s = NewStreamSplitter(true)
	out = nil
	partial := pub[:12]
	s.Feed(cat(pub[10:], partial), collect(&out))
	s.EndRun(collect(&out))
	s.Feed(ping, collect(&out))
	if len(out) != 1 || !bytes.Equal(out[0].raw, ping) || out[0].note.Skipped != len(pub)-10+len(partial) {
		t.Fatalf("got %v", out)
	}
}
