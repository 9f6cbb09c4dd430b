package netcap

import (
	"fmt"

	"github.com/atmq/atmq/decode/mqtt"
)

// maxPacket caps the bytes buffered for one MQTT packet. Longer packets are
// reported from their first bytes (marked oversize) and the rest skipped:
// a corrupt or hostile length cannot make a connection hold more.
const maxPacket = 16 << 20

// mqttSink splits one direction's bytes into MQTT packets and decodes them
// with the connection's shared MQTT state.
type mqttSink struct {
	d          *Decoder
	c          *conn
	fromClient bool
	midstream  bool // the stream's start was not captured
	split      *mqtt.StreamSplitter
	st         stamp // frame delivering the bytes being split
	onPacket   func(raw []byte, note mqtt.SplitNote)
	// fed counts the bytes given to split. While it holds bytes it has
	// not yet recognised (resynchronising), unsynced lists the data calls
	// that brought them, so a packet confirmed by a later call is reported
	// at the frame that completed it. Bounded by those bytes (≤ a few KiB).
	fed      int64
	unsynced []fedMark
}

// fedMark says that the stream's bytes up to end were delivered by st.
type fedMark struct {
	end int64
	st  stamp
}

func (m *mqttSink) data(b []byte, st stamp) {
	if m.split == nil {
		m.split = mqtt.NewStreamSplitter(m.midstream)
		m.split.MaxPacket = maxPacket
		m.onPacket = m.packet
	}
	m.st = st
	m.fed += int64(len(b))
	m.split.Feed(b, m.onPacket)
	m.markUnsynced(st)
}

// markUnsynced keeps the marks of data calls whose bytes the splitter
// still holds unrecognised, and the latest.
func (m *mqttSink) markUnsynced(st stamp) {
	n := m.split.Unsynced()
	if n == 0 {
		m.unsynced = m.unsynced[:0]
		if cap(m.unsynced) > 16 {
			m.unsynced = nil
		}
		return
	}
	first := m.fed - int64(n) // stream offset of the oldest byte held
	drop := 0
	for drop < len(m.unsynced) && m.unsynced[drop].end <= first {
		drop++
	}
	m.unsynced = append(m.unsynced[:copy(m.unsynced, m.unsynced[drop:])], fedMark{end: m.fed, st: st})
}

// completedBy returns the stamp of the data call that delivered the
// stream's bytes up to end.
func (m *mqttSink) completedBy(end int64) stamp {
	for _, mk := range m.unsynced {
		if mk.end >= end {
			return mk.st
		}
	}
	return m.st
}

func (m *mqttSink) packet(raw []byte, note mqtt.SplitNote) {
	if m.c.mq == nil {
		return
	}
	// The packet owns a copy of its bytes (raw may alias the frame buffer,
	// which the reader reuses).
	pkt, err := m.c.mq.Decode(raw, m.fromClient)
	if pkt == nil {
		// Not even a fixed header: the splitter only emits packets whose
		// header it read, so this is a decoder disagreement; keep the bytes
		// visible rather than drop them.
		pkt = &mqtt.Packet{Type: mqtt.Type(raw[0] >> 4), Flags: raw[0] & 0x0f, Length: len(raw)}
	}
	switch {
	case note.Oversize:
		pkt.Violations = append(pkt.Violations, mqtt.Violation{Message: fmt.Sprintf(
			"packet of %d bytes is over atmq's %d-byte limit: only its first %d bytes were decoded",
			note.Length, maxPacket, len(raw))})
	case err != nil:
		// What was decoded before the failure is kept; the failure itself
		// becomes a violation so it shows next to the packet.
		pkt.Violations = append(pkt.Violations, mqtt.Violation{Message: "malformed: " + err.Error()})
	}
	st := m.completedBy(note.End)
	m.d.emit(Record{
		Kind:       KindPacket,
		Frame:      st.frame,
		Time:       st.time,
		Conn:       m.c.id,
		Client:     m.c.client,
		Server:     m.c.server,
		FromClient: m.fromClient,
		Packet:     pkt,
		Midstream:  note.Resynced,
		Skipped:    note.Skipped,
	})
}

func (m *mqttSink) gap(n int, st stamp, why gapCause) {
	m.d.emitEvent(m.c, st, EventGap, byName(m.index()), gapDetail(n, m.arrow(), why, m.d))
	if m.split != nil {
		// Packets the splitter was confirming by what follows them are
		// confirmed by the gap: nothing of theirs comes after it.
		m.split.EndRun(m.onPacket)
		m.unsynced = m.unsynced[:0]
	} else {
		m.midstream = true
	}
}

func (m *mqttSink) end(st stamp) {
	if m.split != nil {
		// A resynchronising splitter may still hold packets it was
		// confirming by what follows them: the stream end decides.
		m.split.Flush(m.onPacket)
		if n := m.split.Pending(); n > 0 {
			m.d.emitEvent(m.c, st, EventIncomplete, byName(m.index()),
				fmt.Sprintf("stream ended %d bytes into an unfinished MQTT packet %s", n, m.arrow()))
		}
		if n := m.split.OversizeRemaining(); n > 0 {
			m.d.emitEvent(m.c, st, EventIncomplete, byName(m.index()),
				fmt.Sprintf("stream ended %d bytes before the end of an oversize MQTT packet %s", n, m.arrow()))
		}
	}
	m.split = nil
	m.onPacket = nil
	m.unsynced = nil
}

func (m *mqttSink) index() int {
	if m.fromClient {
		return toServer
	}
	return toClient
}

func (m *mqttSink) arrow() string {
	if m.fromClient {
		return "client→server"
	}
	return "server→client"
}
