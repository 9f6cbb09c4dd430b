package at

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
)

// SocketPacket is one MQTT packet found in a socket's rebuilt stream, or
// the bytes of a send or receive that could not be decoded whole.
type SocketPacket struct {
	FromHost bool
	Line     int // the send command, read command or receive URC
	Time     time.Time
	Packet   *mqtt.Packet // nil when the bytes do not decode
	Raw      []byte
	Err      string // why the bytes do not decode
	// Mangled: the log lost bytes of the segment (a terminal saved it as
	// text: NULs and control bytes dropped, line ends changed); Salvage
	// says what could still be read from it.
	Mangled  bool
	Salvage  string
	Declared int
	// Failed is the module's refusal of the send (never on the network).
	Failed string
}

// Packets decodes the stream's segments as MQTT, each direction through
// the same splitter and decoder a capture's TCP streams go through.
// Mangled segments break the stream: the splitter resynchronises after
// them, and their bytes are reported with what can still be read.
func (s *SocketStream) Packets() []SocketPacket {
	var out []SocketPacket
	var conn mqtt.Conn
	split := [2]*mqtt.StreamSplitter{mqtt.NewStreamSplitter(false), mqtt.NewStreamSplitter(false)}
	for _, seg := range s.Segments {
		dir := 0
		if seg.FromHost {
			dir = 1
		}
		base := SocketPacket{FromHost: seg.FromHost, Line: seg.Line, Time: seg.Time, Declared: seg.Declared}
		if seg.Failed != "" {
			// Never sent: decoded alone, kept out of the stream.
			p := base
			p.Failed = seg.Failed
			p.Raw = seg.Data
			if len(seg.Data) > 0 {
				if pk, err := mqtt.Decode(seg.Data, 0); err == nil {
					p.Packet = pk
				} else {
					p.Err = err.Error()
				}
			}
			out = append(out, p)
			continue
		}
		if !seg.Intact() {
			split[dir].Gap()
			p := base
			p.Raw, p.Mangled = seg.Data, true
			p.Salvage = salvage(seg.Data, seg.Declared)
			out = append(out, p)
			continue
		}
		split[dir].Feed(seg.Data, func(raw []byte, note mqtt.SplitNote) {
			p := base
			p.Raw = append([]byte(nil), raw...)
			if note.Skipped > 0 {
				p.Err = fmt.Sprintf("%d bytes before it are no MQTT", note.Skipped)
			}
			pk, err := conn.Decode(p.Raw, seg.FromHost)
			if err != nil {
				p.Err = err.Error()
			}
			p.Packet = pk
			out = append(out, p)
		})
	}
	for dir := range split {
		if n := split[dir].Pending(); n > 0 {
			out = append(out, SocketPacket{FromHost: dir == 1, Err: fmt.Sprintf("the log ends inside a packet (%d bytes of it seen)", n)})
		}
	}
	return out
}

// salvage says what mangled bytes still show: a CONNECT's protocol name,
// readable strings (client id, topic, payload).
func salvage(b []byte, declared int) string {
	var parts []string
	if declared >= 0 {
		parts = append(parts, fmt.Sprintf("%d of %d bytes in the log", len(b), declared))
	}
	if i := bytes.Index(b, []byte("MQTT")); i >= 0 {
		parts = append(parts, "a CONNECT (protocol name MQTT)")
	} else if bytes.Contains(b, []byte("MQIsdp")) {
		parts = append(parts, "a CONNECT (protocol name MQIsdp, MQTT 3.1)")
	}
	var runs []string
	for _, r := range printableRuns(b, 3) {
		if r == "MQTT" || r == "MQIsdp" {
			continue
		}
		r = strings.TrimPrefix(strings.TrimPrefix(r, "MQTT"), "MQIsdp")
		if len(r) >= 3 {
			runs = append(runs, fmt.Sprintf("%q", r))
		}
		if len(runs) == 6 {
			break
		}
	}
	if len(runs) > 0 {
		parts = append(parts, "readable: "+strings.Join(runs, ", "))
	}
	return strings.Join(parts, "; ")
}

func printableRuns(b []byte, min int) []string {
	var out []string
	start := -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			out = append(out, string(b[start:i]))
		}
		start = -1
	}
	return out
}

// socketSecrets are the credentials of a CONNECT the host wrote through a
// socket send, so --redact masks them wherever the bytes show.
func socketSecrets(t *Transaction) []Secret {
	if SocketOp(t) != SockSend || len(t.Payload) == 0 {
		return nil
	}
	p, err := mqtt.Decode(t.Payload, 0)
	if err != nil || p.Type != mqtt.CONNECT || !p.PasswordFlag || len(p.Password) == 0 {
		return nil
	}
	return []Secret{{What: SecretPassword, Value: string(p.Password), Raw: string(p.Password)}}
}

// RedactedRaw is the packet's bytes with a CONNECT's password replaced by
// '*' (same length, so lengths still add up).
func (p SocketPacket) RedactedRaw() []byte {
	if p.Packet == nil || p.Packet.Type != mqtt.CONNECT || len(p.Packet.Password) == 0 {
		return p.Raw
	}
	out := bytes.Clone(p.Raw)
	if i := bytes.LastIndex(out, p.Packet.Password); i >= 0 {
		copy(out[i:], bytes.Repeat([]byte{'*'}, len(p.Packet.Password)))
	}
	return out
}
