package correlate

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// The packets a socket-style log carries are the bytes on the wire: each
// one is matched to the capture's packet byte for byte, which gives an
// exact clock, and any difference is a finding.

// Code for a packet whose bytes differ between the log and the wire.
const CodeWireMismatch = "wire-mismatch"

// socketMatch is one log packet with the capture record it was matched to.
type socketMatch struct {
	stream *at.SocketStream
	packet at.SocketPacket
	rec    int // record index; -1 when not on the wire
	// differs is the record at the same place in the stream whose bytes
	// differ (-1 when none).
	differs int
}

// matchSocketPackets matches every decoded, sent packet of the log's
// socket streams to the capture, in order, per direction: the same bytes,
// the next record of the same connection.
func matchSocketPackets(log *at.Log, recs []netcap.Record) []socketMatch {
	if log == nil || len(recs) == 0 {
		return nil
	}
	var out []socketMatch
	used := make([]bool, len(recs))
	for _, s := range at.SocketStreams(log) {
		conn := -1 // the connection the stream's first match chose
		next := [2]int{}
		for _, p := range s.Packets() {
			if p.Packet == nil || p.Failed != "" || p.Mangled {
				continue
			}
			dir := 0
			if p.FromHost {
				dir = 1
			}
			m := socketMatch{stream: s, packet: p, rec: -1, differs: -1}
			for i := next[dir]; i < len(recs); i++ {
				r := &recs[i]
				if used[i] || r.Kind != netcap.KindPacket || r.Packet == nil || r.FromClient != p.FromHost || (conn >= 0 && r.Conn != conn) {
					continue
				}
				if bytes.Equal(r.Packet.Raw, p.Raw) {
					m.rec, m.differs = i, -1
					break
				}
				if m.differs < 0 && r.Packet.Type == p.Packet.Type {
					m.differs = i // the wire's packet at this place, changed
				}
			}
			switch {
			case m.rec >= 0:
				used[m.rec] = true
				next[dir] = m.rec + 1
				if conn < 0 {
					conn = recs[m.rec].Conn
				}
			case m.differs >= 0:
				used[m.differs] = true
				next[dir] = m.differs + 1
				if conn < 0 {
					conn = recs[m.differs].Conn
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// socketClock is the exact clock the matched packets give: serial minus
// capture time of each match (the log's time of the send or read), the
// median taken, the spread the largest deviation from it.
func socketClock(ms []socketMatch, recs []netcap.Record) (offset, spread time.Duration, n int) {
	var ds []time.Duration
	for _, m := range ms {
		if m.rec < 0 || m.packet.Time.IsZero() || recs[m.rec].Time.IsZero() {
			continue
		}
		ds = append(ds, m.packet.Time.Sub(recs[m.rec].Time))
	}
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	offset = ds[len(ds)/2]
	for _, d := range ds {
		spread = max(spread, (d - offset).Abs())
	}
	return offset, spread, len(ds)
}

// diagnoseSocketWire reports log packets missing from the wire or changed
// on the way.
func (a *logCheck) diagnoseSocketWire() {
	if len(a.recs) == 0 {
		return
	}
	for _, m := range matchSocketPackets(a.log, a.recs) {
		p := m.packet
		what := fmt.Sprintf("the %s %s on line %d", p.Packet.Type, dirWords(p.FromHost), p.Line)
		switch {
		case m.rec >= 0:
			continue
		case m.differs >= 0:
			w := a.recs[m.differs]
			a.add(Finding{
				Code: CodeWireMismatch, Severity: SeverityError, Line: p.Line, Frames: []int{w.Frame},
				Summary:     fmt.Sprintf("%s differs from the wire's (frame %d): %s", what, w.Frame, byteDiff(p.Raw, w.Packet.Raw)),
				Explanation: "the module changed the bytes between the UART and the network (a dropped or replaced byte, a buffer cut short): the broker saw another packet than the MCU wrote",
				Fix:         "check the UART (flow control RTS/CTS, baud rate) and that the send length given to the module matches the bytes written",
			})
		case p.FromHost:
			a.add(Finding{
				Code: CodeNotOnWire, Severity: SeverityError, Line: p.Line,
				Summary:     fmt.Sprintf("%s never reached the wire", what),
				Explanation: "the module accepted the bytes on the UART, but the capture holds no such packet on the device's connection: the module dropped them or the connection was already gone",
				Fix:         "check the send's answer (SEND OK is only the module's buffer) and the socket state; capture at the broker to be sure the path is covered",
			})
		}
	}
}

func dirWords(fromHost bool) string {
	if fromHost {
		return "the host sent"
	}
	return "the host read"
}

// byteDiff names the first differing byte.
func byteDiff(a, b []byte) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("byte %d is 0x%02x in the log, 0x%02x on the wire (%d and %d bytes)", i, a[i], b[i], len(a), len(b))
		}
	}
	return fmt.Sprintf("%d bytes in the log, %d on the wire", len(a), len(b))
}

// socketEvidence places the log on the capture's clock from the socket
// packets matched byte for byte, when nothing better fixed it.
type socketEvidence struct {
	evidence
	c *clockEstimate
}

func (e socketEvidence) exactClock() {
	if e.c.clock.Method == "override" || e.c.clock.Method == "content" || e.log == nil {
		return
	}
	off, spread, n := socketClock(matchSocketPackets(e.log, e.recs), e.recs)
	if n == 0 {
		return
	}
	e.c.timed, e.c.offset, e.c.spread = true, off, spread
	e.c.clock.Method = "content"
	e.c.clock.OffsetSeconds = off.Seconds()
	e.c.clock.SpreadSeconds = spread.Seconds()
	e.c.clock.Matches = n
	e.c.clock.Explanation = fmt.Sprintf("%d MQTT packets carried by the socket commands matched the wire byte for byte: %s", n, clockRelation(off))
}
