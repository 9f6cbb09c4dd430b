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
}

func (m *mqttSink) data(b []byte, st stamp) {
	if m.split == nil {
		m.split = mqtt.NewStreamSplitter(m.midstream)
		m.split.MaxPacket = maxPacket
		m.onPacket = m.packet
	}
	m.st = st
	m.split.Feed(b, m.onPacket)
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
	m.d.emit(Record{
		Kind:       KindPacket,
		Frame:      m.st.frame,
		Time:       m.st.time,
		Conn:       m.c.id,
		Client:     m.c.client,
		Server:     m.c.server,
		FromClient: m.fromClient,
		Packet:     pkt,
		Midstream:  note.Resynced,
		Skipped:    note.Skipped,
	})
}

func (m *mqttSink) gap(n int, st stamp) {
	m.d.emitEvent(m.c, st, EventGap, byName(m.index()), fmt.Sprintf("%d bytes not captured %s", n, m.arrow()))
	if m.split != nil {
		m.split.Gap()
	} else {
		m.midstream = true
	}
}

func (m *mqttSink) end(st stamp) {
	if m.split != nil {
		if n := m.split.Pending(); n > 0 {
			m.d.emitEvent(m.c, st, EventIncomplete, byName(m.index()),
				fmt.Sprintf("stream ended %d bytes into an unfinished MQTT packet %s", n, m.arrow()))
		}
	}
	m.split = nil
	m.onPacket = nil
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
