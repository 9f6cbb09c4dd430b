package netcap

import (
	"fmt"
	"sort"
	"time"
	"unsafe"
)

// stamp says which frame delivered bytes to a stream, so whatever those
// bytes complete is attributed to that frame.
type stamp struct {
	frame int
	time  time.Time
}

// byteSink consumes one direction's reassembled byte stream.
type byteSink interface {
	// data delivers the next in-order bytes; b is only valid during the call.
	data(b []byte, st stamp)
	// gap says n bytes (n > 0) are missing before the next data, and why.
	gap(n int, st stamp, why gapCause)
}

// gapCause says why bytes are missing from a stream.
type gapCause uint8

const (
	// gapLost: the peer acknowledged the bytes, or the connection ended,
	// and they never came: the capture lost them.
	gapLost gapCause = iota
	// gapReorderLimit: more segments (or bytes) arrived out of order
	// before the bytes than the connection may hold (Options.ReorderLimit):
	// they were given up on, not necessarily lost on the wire.
	gapReorderLimit
	// gapHeldTotal: out-of-order data over all connections reached its
	// bound (maxHeldTotal).
	gapHeldTotal
)

// Limits on out-of-order data held per direction. Past them the missing
// bytes are declared lost (a gap) and the held data delivered, so a capture
// that dropped a segment costs bounded memory.
const (
	maxPendingBytes = 1 << 20
	maxPendingSegs  = 512
	// maxHeldTotal bounds out-of-order data over all connections of a
	// Decoder, so thousands of connections with holes cannot add up.
	maxHeldTotal = 32 << 20
	// heldSegmentCost is what holding a segment costs beyond its bytes:
	// its heldSegment in a slice up to twice as long, and the size-class
	// rounding of its copy. Counted in the Decoder's total, so a flood of
	// 1-byte segments is bounded by memory, not by payload.
	heldSegmentCost = 2*int(unsafe.Sizeof(heldSegment{})) + 16
)

// halfStream reassembles one direction of a TCP connection: it drops
// retransmitted bytes, reorders segments that arrive early and reports
// bytes that never arrive as gaps. It keys everything on sequence numbers,
// with 32-bit wrap-around.
type halfStream struct {
	started bool
	next    uint32 // sequence number of the next byte to deliver
	pending []heldSegment
	held    int  // bytes in pending
	total   *int // the Decoder's count of held cost over all streams (may be nil)
	limit   int  // segments held at most (Options.ReorderLimit); 0: maxPendingSegs

	finSeen bool
	finSeq  uint32 // sequence number of the FIN (one past the last byte)

	// peerAck is the highest acknowledgement the other side sent for this
	// direction's bytes: bytes below it were received by the peer, so a
	// hole below it was lost by the capture and will not be filled.
	peerAck    uint32
	peerAckSet bool
}

// heldSegment is an early segment waiting for the bytes before it.
type heldSegment struct {
	seq     uint32
	data    []byte // a copy: frame buffers are reused
	wireLen int
	st      stamp
}

// seqDiff returns a − b in sequence space.
func seqDiff(a, b uint32) int32 { return int32(a - b) }

// start anchors the stream at the first byte after a SYN.
func (h *halfStream) start(next uint32) {
	h.started = true
	h.next = next
}

// add takes one segment's payload. wireLen ≥ len(payload) is its length on
// the wire; the difference (cut by the snap length) becomes a gap.
func (h *halfStream) add(seq uint32, payload []byte, wireLen int, st stamp, sink byteSink) {
	if wireLen == 0 {
		return
	}
	if !h.started {
		h.start(seq)
	}
	if seqDiff(seq, h.next) > 0 {
		h.hold(seq, payload, wireLen, st)
		// Held in order even when the peer already acknowledged the
		// missing bytes: segments held before it, behind other holes, go
		// out first.
		h.skipAcked(st, sink)
		if h.held > maxPendingBytes || len(h.pending) > h.segmentLimit() {
			h.skipToHeld(st, sink, gapReorderLimit)
		}
		return
	}
	h.deliver(seq, payload, wireLen, st, sink)
	h.drain(st, sink)
}

// segmentLimit is the number of segments held before the bytes missing
// before them are given up on.
func (h *halfStream) segmentLimit() int {
	if h.limit > 0 {
		return h.limit
	}
	return maxPendingSegs
}

// deliver passes on the part of a segment (starting at or before next)
// that has not been delivered yet.
func (h *halfStream) deliver(seq uint32, payload []byte, wireLen int, st stamp, sink byteSink) {
	end := seq + uint32(wireLen)
	if seqDiff(end, h.next) <= 0 {
		return // a retransmission of bytes already delivered
	}
	capturedEnd := seq + uint32(len(payload))
	if off := seqDiff(h.next, seq); seqDiff(capturedEnd, h.next) > 0 {
		sink.data(payload[off:], st)
		h.next = capturedEnd
	}
	if missing := seqDiff(end, h.next); missing > 0 {
		sink.gap(int(missing), st, gapLost)
		h.next = end
	}
}

// hold keeps an early segment. Of two held segments starting at the same
// byte the longer one wins.
func (h *halfStream) hold(seq uint32, payload []byte, wireLen int, st stamp) {
	i := sort.Search(len(h.pending), func(i int) bool { return seqDiff(h.pending[i].seq, seq) >= 0 })
	if i < len(h.pending) && h.pending[i].seq == seq {
		if h.pending[i].wireLen >= wireLen {
			return
		}
		h.account(len(payload)-len(h.pending[i].data), 0)
		h.pending[i] = heldSegment{seq: seq, data: append([]byte(nil), payload...), wireLen: wireLen, st: st}
		return
	}
	h.pending = append(h.pending, heldSegment{})
	copy(h.pending[i+1:], h.pending[i:])
	h.pending[i] = heldSegment{seq: seq, data: append([]byte(nil), payload...), wireLen: wireLen, st: st}
	h.account(len(payload), 1)
}

// account changes the held byte count here, and the held cost (bytes and
// segments) in the Decoder's total.
func (h *halfStream) account(bytes, segments int) {
	h.held += bytes
	if h.total != nil {
		*h.total += bytes + segments*heldSegmentCost
	}
}

// release forgets held data without delivering it (the stream is dropped).
func (h *halfStream) release() {
	h.account(-h.held, -len(h.pending))
	h.pending = nil
}

// drain delivers held segments that have become contiguous.
func (h *halfStream) drain(st stamp, sink byteSink) {
	n := 0
	for n < len(h.pending) && seqDiff(h.pending[n].seq, h.next) <= 0 {
		p := h.pending[n]
		h.deliver(p.seq, p.data, p.wireLen, h.later(st, p.st), sink)
		h.account(-len(p.data), -1)
		n++
	}
	if n == 0 {
		return
	}
	rest := copy(h.pending, h.pending[n:])
	clear(h.pending[rest:])
	h.pending = h.pending[:rest]
	if rest == 0 && cap(h.pending) > 16 {
		h.pending = nil // give back what a burst of reordering grew
	}
}

// later picks the stamp of whichever frame came last: bytes held from an
// early frame are completed by the frame that filled the hole before them.
func (h *halfStream) later(a, b stamp) stamp {
	if b.frame > a.frame {
		return b
	}
	return a
}

// skipToHeld declares the bytes before the first held segment lost and
// delivers what can then be delivered.
func (h *halfStream) skipToHeld(st stamp, sink byteSink, why gapCause) {
	if len(h.pending) == 0 {
		return
	}
	if missing := seqDiff(h.pending[0].seq, h.next); missing > 0 {
		sink.gap(int(missing), h.later(st, h.pending[0].st), why)
		h.next = h.pending[0].seq
	}
	h.drain(st, sink)
}

// skipAll delivers everything held, reporting each hole as a gap.
func (h *halfStream) skipAll(st stamp, sink byteSink, why gapCause) {
	for len(h.pending) > 0 {
		h.skipToHeld(st, sink, why)
	}
}

// flush delivers everything held, reporting each hole as a gap, then any
// bytes missing before a FIN that was seen.
func (h *halfStream) flush(st stamp, sink byteSink) {
	h.skipAll(st, sink, gapLost)
	if h.finSeen && h.started {
		if missing := seqDiff(h.finSeq, h.next); missing > 0 {
			sink.gap(int(missing), st, gapLost)
			h.next = h.finSeq
		}
	}
}

// noteAck records an acknowledgement from the peer. If it covers bytes
// before a held segment, the hole before that segment was lost.
func (h *halfStream) noteAck(ack uint32, st stamp, sink byteSink) {
	if !h.peerAckSet || seqDiff(ack, h.peerAck) > 0 {
		h.peerAck, h.peerAckSet = ack, true
	}
	h.skipAcked(st, sink)
	if h.finSeen && len(h.pending) == 0 && seqDiff(h.peerAck, h.finSeq) >= 0 {
		// Every byte before the FIN was received: what is still missing
		// was lost by the capture, and the stream can end.
		if missing := seqDiff(h.finSeq, h.next); missing > 0 {
			sink.gap(int(missing), st, gapLost)
			h.next = h.finSeq
		}
	}
}

// skipAcked declares lost every hole the peer acknowledged: each held
// segment starting at or below the acknowledgement is delivered, after a
// gap for the bytes before it.
func (h *halfStream) skipAcked(st stamp, sink byteSink) {
	for h.peerAckSet && len(h.pending) > 0 && seqDiff(h.peerAck, h.pending[0].seq) >= 0 {
		h.skipToHeld(st, sink, gapLost)
	}
}

// gapDetail says in a TCP-GAP event's words how many bytes are missing in
// which direction, and whether the capture lost them or a bound on what
// is held out of order gave up on them.
func gapDetail(n int, arrow string, why gapCause, d *Decoder) string {
	switch why {
	case gapReorderLimit:
		limit := d.opts.ReorderLimit
		if limit <= 0 {
			limit = maxPendingSegs
		}
		return fmt.Sprintf("%d bytes skipped %s: the reorder limit was reached (more than %d segments or %d KiB held out of order before them; --reorder-limit); not a loss on the wire", n, arrow, limit, maxPendingBytes>>10)
	case gapHeldTotal:
		return fmt.Sprintf("%d bytes skipped %s: out-of-order data held over all connections reached %d MiB before they arrived; not a loss on the wire", n, arrow, maxHeldTotal>>20)
	}
	return fmt.Sprintf("%d bytes not captured %s", n, arrow)
}
