package mqtt

// DefaultMaxPacket is the StreamSplitter's default cap on one packet's
// length. MQTT allows 256 MiB; no IoT session needs more than this, and a
// corrupt length must not make the splitter buffer that much.
const DefaultMaxPacket = 64 << 20

const (
	// oversizePrefix is how many leading bytes of an oversize packet are
	// handed to emit (enough for the fixed header and a PUBLISH topic).
	oversizePrefix = 256
	// resyncWindow is the longest packet a resynchronising splitter waits
	// for in order to decode it whole before trusting its fixed header.
	// Every offset of hostile data may be such a candidate, so it bounds
	// the work per byte; longer candidates get the cheaper PUBLISH check.
	resyncWindow = 4 << 10
	// maxResyncTopic is the longest topic plausibleLargePublish accepts.
	maxResyncTopic = 1024
	// releaseCap: buffers that grew beyond this are dropped after use
	// rather than kept for the next packet. Only packets split across
	// segments are buffered, so keeping small buffers saves little, while
	// a broker capture has thousands of idle connections each holding two.
	releaseCap = 512
)

// SplitNote describes how a packet came out of the stream.
type SplitNote struct {
	// Resynced marks the first packet after the splitter lost or never had
	// the packet boundaries: a mid-stream start, a Gap, or bytes that could
	// not be a fixed header.
	Resynced bool
	// Skipped counts bytes discarded before this packet while
	// resynchronising (including a partial packet dropped by Gap).
	Skipped int
	// Oversize marks a packet longer than MaxPacket: raw holds only its
	// first bytes (at most 256) and the rest is skipped unbuffered.
	Oversize bool
	// Length is the full length (fixed header included) the packet
	// announced; equal to len(raw) unless Oversize.
	Length int
	// End is the stream offset just past raw's last byte: how many bytes
	// had been fed, over all Feed calls, when raw was complete. A packet
	// confirmed only by bytes after it (while resynchronising) is emitted
	// by a later Feed; End still says which Feed completed it.
	End int64
}

// StreamSplitter cuts one direction's reassembled TCP byte stream into
// whole MQTT packets. It buffers only bytes that have arrived (never what a
// Remaining Length merely claims), hands out packets that lie whole inside a
// segment without copying, and resynchronises on a plausible fixed header
// after a mid-stream start or a Gap.
//
// The packets and notes it emits depend only on the bytes fed and on Gap
// calls, never on how the bytes were cut into Feed calls.
type StreamSplitter struct {
	// MaxPacket caps one packet's length; 0 means DefaultMaxPacket.
	MaxPacket int

	buf     []byte // incomplete packet (synced) or unverified bytes (syncing)
	fed     int64  // bytes passed to Feed so far
	syncing bool
	skip    int // bytes of an oversize packet still to discard

	pendingResync bool // the next packet emitted is the first after a resync
	skipped       int  // bytes discarded since sync was lost
	final         bool // Flush: no more bytes will come, stop waiting
	// atStart: the unsynced bytes begin where the stream began or resumed
	// after a Gap, a likely packet boundary.
	atStart bool
}

// NewStreamSplitter returns a splitter for a stream that starts at a packet
// boundary (midstream false: the capture saw the connection open) or
// somewhere unknown (midstream true: resynchronise first).
func NewStreamSplitter(midstream bool) *StreamSplitter {
	return &StreamSplitter{MaxPacket: DefaultMaxPacket, syncing: midstream, pendingResync: midstream, atStart: midstream}
}

func (s *StreamSplitter) maxPacket() int {
	if s.MaxPacket <= 0 {
		return DefaultMaxPacket
	}
	return s.MaxPacket
}

// Pending returns the number of buffered bytes of an incomplete packet: at
// the end of the stream they are a truncated packet.
func (s *StreamSplitter) Pending() int {
	if s.syncing {
		return 0
	}
	return len(s.buf)
}

// OversizeRemaining returns how many bytes of an oversize packet (emitted
// from its first bytes) are still to come and be skipped: at the end of
// the stream the packet was cut short.
func (s *StreamSplitter) OversizeRemaining() int { return s.skip }

// Unsynced returns the number of buffered bytes not yet recognised as the
// start of a packet while resynchronising.
func (s *StreamSplitter) Unsynced() int {
	if !s.syncing {
		return 0
	}
	return len(s.buf)
}

// Gap tells the splitter bytes were lost: the partial packet is dropped
// (counted in the next note's Skipped) and it resynchronises.
func (s *StreamSplitter) Gap() {
	s.skipped += len(s.buf)
	s.resetBuf()
	s.skip = 0
	s.syncing = true
	s.pendingResync = true
	s.atStart = true
}

// EndRun says the bytes fed so far end a contiguous run: a Gap follows.
// Like Flush, a resynchronisation waiting for bytes after the run decides
// on what the run holds (a DISCONNECT just before lost bytes is still
// emitted); unlike Flush, the bytes it discards stay counted in the next
// packet's Skipped. Then it does what Gap does.
func (s *StreamSplitter) EndRun(emit func(raw []byte, note SplitNote)) {
	if s.syncing {
		s.final = true
		data := s.buf
		s.buf = nil
		s.feed(data, emit)
		s.final = false
	}
	s.Gap()
}

// Flush ends the stream: a resynchronisation still waiting for more bytes
// to confirm a candidate packet decides without them, so every packet the
// stream holds is emitted. Call it at the end of a stream before Pending.
// It returns how many unsynchronised bytes were discarded. A packet whose
// start was found but whose end never came stays buffered: Pending reports
// its length (a truncated packet).
func (s *StreamSplitter) Flush(emit func(raw []byte, note SplitNote)) (discarded int) {
	if !s.syncing {
		return 0
	}
	s.final = true
	defer func() { s.final = false }()
	data := s.buf
	s.buf = nil
	s.feed(data, emit)
	if s.syncing {
		discarded = s.skipped + len(s.buf)
		s.skipped = 0
		s.resetBuf()
	}
	return discarded
}

// Feed processes one TCP segment's payload. emit is called for every packet
// the segment completes, in order; raw is valid only during the call.
func (s *StreamSplitter) Feed(b []byte, emit func(raw []byte, note SplitNote)) {
	s.fed += int64(len(b))
	s.feed(b, emit)
}

// feed splits b, the last len(b) bytes fed: the bytes after a packet
// emitted while splitting b are those left of b (see emitPacket).
func (s *StreamSplitter) feed(b []byte, emit func(raw []byte, note SplitNote)) {
	for len(b) > 0 {
		switch {
		case s.skip > 0:
			n := min(s.skip, len(b))
			s.skip -= n
			b = b[n:]
		case s.syncing:
			b = s.resync(b, emit)
		case len(s.buf) == 0:
			b = s.direct(b, emit)
		default:
			b = s.fill(b, emit)
		}
	}
}

// frame reads the fixed header at the start of c. want is how many bytes to
// hand to emit (the whole packet, or the prefix of an oversize one) and full
// the packet's announced length; want == 0 means the header is incomplete.
// err is non-nil when c cannot start a packet (Remaining Length > 268435455).
func (s *StreamSplitter) frame(c []byte) (want, full int, err error) {
	rem, hdrLen, err := parseFixedHeader(c)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Err == ErrTruncated {
			return 0, 0, nil
		}
		return 0, 0, err
	}
	full = hdrLen + rem
	if full > s.maxPacket() {
		return min(full, max(oversizePrefix, hdrLen)), full, nil
	}
	return full, full, nil
}

// direct frames packets straight out of b while they lie whole inside it.
func (s *StreamSplitter) direct(b []byte, emit func([]byte, SplitNote)) []byte {
	want, full, err := s.frame(b)
	if err != nil {
		return s.lostSync(b)
	}
	if want == 0 || len(b) < want {
		s.buf = append(s.buf, b...)
		return nil
	}
	s.emitPacket(b[:want], full, len(b)-want, emit)
	return b[want:]
}

// fill adds bytes to a buffered incomplete packet and emits it once whole.
func (s *StreamSplitter) fill(b []byte, emit func([]byte, SplitNote)) []byte {
	want, full, err := s.frame(s.buf)
	for want == 0 && err == nil && len(b) > 0 {
		// Complete the fixed header a byte at a time (at most 10 bytes).
		s.buf = append(s.buf, b[0])
		b = b[1:]
		want, full, err = s.frame(s.buf)
	}
	if err != nil {
		data := append(s.buf, b...)
		s.buf = nil
		return s.lostSync(data)
	}
	if want == 0 {
		return b
	}
	n := min(want-len(s.buf), len(b))
	s.buf = append(s.buf, b[:n]...)
	b = b[n:]
	if len(s.buf) == want {
		s.emitPacket(s.buf, full, len(b), emit)
		s.resetBuf()
	}
	return b
}

// lostSync drops the first byte of data (it cannot start a packet) and
// switches to resynchronising on the rest.
func (s *StreamSplitter) lostSync(data []byte) []byte {
	s.syncing = true
	s.pendingResync = true
	s.skipped++
	return data[1:]
}

// emitPacket hands raw to emit; after is how many bytes already fed follow
// raw in the stream.
func (s *StreamSplitter) emitPacket(raw []byte, full, after int, emit func([]byte, SplitNote)) {
	note := SplitNote{Resynced: s.pendingResync, Skipped: s.skipped, Length: full, End: s.fed - int64(after)}
	s.pendingResync, s.skipped = false, 0
	if full > s.maxPacket() {
		note.Oversize = true
		s.skip = full - len(raw)
	}
	emit(raw, note)
}

func (s *StreamSplitter) resetBuf() {
	if cap(s.buf) > releaseCap {
		s.buf = nil
	} else {
		s.buf = s.buf[:0]
	}
}

// candidate verdicts while resynchronising.
const (
	reject = iota
	wait
	accept
)

// resync looks for the first offset in the unsynced bytes where a packet
// plausibly starts. It returns the bytes from that packet on, to be framed
// normally, or nil when it needs more data.
func (s *StreamSplitter) resync(b []byte, emit func([]byte, SplitNote)) []byte {
	s.buf = append(s.buf, b...)
	for i := 0; i < len(s.buf); i++ {
		v := s.candidate(s.buf[i:], s.atStart && i == 0)
		if v == wait && s.final {
			// No more bytes will come. At the stream's start a plausible
			// but unfinished packet is a truncated packet (Pending reports
			// it); elsewhere the candidate was never confirmed.
			if s.atStart && i == 0 {
				v = accept
			} else {
				v = reject
			}
		}
		switch v {
		case reject:
			continue
		case wait:
			if i > 0 {
				s.atStart = false
			}
			s.skipped += i
			n := copy(s.buf, s.buf[i:])
			s.buf = s.buf[:n]
			return nil
		case accept:
			s.atStart = false
			s.skipped += i
			rest := append([]byte(nil), s.buf[i:]...)
			s.resetBuf()
			s.syncing = false
			return rest
		}
	}
	s.atStart = false
	s.skipped += len(s.buf)
	s.resetBuf()
	return nil
}

// candidate judges whether a packet starts at c[0]. atStart says c is the
// very first unsynced byte (a segment or stream start, where a packet
// boundary is likely), which lets tiny packets and packets breaking a rule
// be accepted on their own.
func (s *StreamSplitter) candidate(c []byte, atStart bool) int {
	return s.verify(c, atStart, 0)
}

// maxChain is how many tiny packets in a row a resync checks before
// trusting them.
const maxChain = 3

func (s *StreamSplitter) verify(c []byte, atStart bool, depth int) int {
	v, hdrLen, rem := plausibleHeader(c)
	if v != accept {
		return v
	}
	full := hdrLen + rem
	if full > s.maxPacket() {
		return reject
	}
	if full > resyncWindow {
		return plausibleLargePublish(c, hdrLen, full)
	}
	if len(c) < full {
		return wait
	}
	p, _, err := decode(c[:full], VersionUnknown, false)
	if err != nil || len(p.Violations) != 0 && !atStart {
		// Where a packet boundary is likely, a packet breaking a rule
		// (a client sending Payload Format Indicator 144) is still one.
		return reject
	}
	if rem > 2 || atStart || depth == maxChain {
		return accept
	}
	// A 2-4 byte packet ("D0 00", "40 02 00 01") is too easily matched by
	// chance inside a payload: the packets after it must check out too,
	// up to a longer one, maxChain tiny ones, or the end of the stream.
	rest := c[full:]
	if len(rest) == 0 && s.final {
		return accept
	}
	return s.verify(rest, false, depth+1)
}

// plausibleHeader checks that c starts with a fixed header a conforming
// sender could have written: a defined type, the flags that type requires,
// a minimally encoded Remaining Length at least as long as the type's
// smallest body.
func plausibleHeader(c []byte) (verdict, hdrLen, rem int) {
	if len(c) < 2 {
		return wait, 0, 0
	}
	t, flags := Type(c[0]>>4), c[0]&0x0f
	switch t {
	case Reserved:
		return reject, 0, 0
	case PUBLISH:
		if flags>>1&3 == 3 {
			return reject, 0, 0
		}
	case PUBREL, SUBSCRIBE, UNSUBSCRIBE:
		if flags&^0x08 != 0x02 {
			return reject, 0, 0
		}
	default:
		if flags != 0 {
			return reject, 0, 0
		}
	}
	rem, next, err := readVarint(c, 1)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Err == ErrTruncated {
			return wait, 0, 0
		}
		return reject, 0, 0
	}
	if next-1 != varintLen(rem) {
		return reject, 0, 0
	}
	if rem < minBody[t] || (t == PINGREQ || t == PINGRESP) && rem != 0 {
		return reject, 0, 0
	}
	return accept, next, rem
}

// minBody is the smallest Remaining Length of each type in any version.
var minBody = [16]int{CONNECT: 10, CONNACK: 2, PUBLISH: 2, PUBACK: 2, PUBREC: 2, PUBREL: 2, PUBCOMP: 2,
	SUBSCRIBE: 5, SUBACK: 3, UNSUBSCRIBE: 4, UNSUBACK: 2}

// plausibleLargePublish judges a candidate too large to wait for: only a
// PUBLISH whose topic is a non-empty, valid, wildcard-free string is taken.
func plausibleLargePublish(c []byte, hdrLen, full int) int {
	if Type(c[0]>>4) != PUBLISH {
		return reject
	}
	n, _, err := readUint16(c, hdrLen)
	if err == nil && int(n) > maxResyncTopic {
		return reject
	}
	topic, _, err := readString(c[:min(len(c), full)], hdrLen)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Err == ErrTruncated && len(c) < full {
			return wait
		}
		return reject
	}
	if len(topic) == 0 {
		return reject
	}
	if problem, _ := stringProblem(topic); problem != "" {
		return reject
	}
	for _, ch := range topic {
		if ch == '+' || ch == '#' || ch < 0x20 {
			return reject
		}
	}
	return accept
}
