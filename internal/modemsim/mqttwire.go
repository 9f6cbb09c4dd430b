package modemsim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// The simulator's own MQTT 3.1 / 3.1.1 client-side codec: it encodes what
// a module sends and decodes what a broker answers. It is deliberately
// separate from decode/mqtt (the analyser's decoder): a simulator that
// shared the analyser's code would hide the analyser's bugs.

// MQTT control packet types [MQTT-2.2.1].
const (
	pktCONNECT     = 1
	pktCONNACK     = 2
	pktPUBLISH     = 3
	pktPUBACK      = 4
	pktPUBREC      = 5
	pktPUBREL      = 6
	pktPUBCOMP     = 7
	pktSUBSCRIBE   = 8
	pktSUBACK      = 9
	pktUNSUBSCRIBE = 10
	pktUNSUBACK    = 11
	pktPINGREQ     = 12
	pktPINGRESP    = 13
	pktDISCONNECT  = 14
)

// Protocol levels: 3 = MQTT 3.1 ("MQIsdp"), 4 = MQTT 3.1.1 ("MQTT").
const (
	version31  = 3
	version311 = 4
)

// maxInbound bounds one received packet. Modules have a few KB of receive
// buffer; the spec's 256 MB limit would let a hostile broker exhaust
// memory. A larger packet closes the connection.
const maxInbound = 256 << 10

var errMalformed = errors.New("malformed MQTT packet")

// will is a CONNECT's Last Will [MQTT-3.1.2.5].
type will struct {
	Topic   string
	Message []byte
	QoS     byte
	Retain  bool
}

// connectParams is what a module puts in CONNECT.
type connectParams struct {
	Version      byte // version31 or version311
	ClientID     string
	CleanSession bool
	KeepAlive    uint16 // seconds
	Username     *string
	Password     *string
	Will         *will
}

// message is a PUBLISH in either direction.
type message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
	Dup     bool
	ID      uint16 // packet identifier; only for QoS 1 and 2 [MQTT-2.3.1-5]
}

// subscription is one SUBSCRIBE topic filter and requested QoS.
type subscription struct {
	Filter string
	QoS    byte
}

func appendString(b []byte, s string) ([]byte, error) {
	return appendBinary(b, []byte(s))
}

// appendBinary writes a two-byte length prefix and the bytes
// [MQTT-1.5.3]; longer than 65535 bytes cannot be encoded.
func appendBinary(b, s []byte) ([]byte, error) {
	if len(s) > 0xFFFF {
		return b, fmt.Errorf("string of %d bytes exceeds the 65535-byte MQTT limit", len(s))
	}
	b = append(b, byte(len(s)>>8), byte(len(s)))
	return append(b, s...), nil
}

// appendRemainingLength encodes n in 1–4 bytes, 7 bits each, low group
// first, continuation bit 0x80 [MQTT-2.2.3].
func appendRemainingLength(b []byte, n int) []byte {
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		b = append(b, d)
		if n == 0 {
			return b
		}
	}
}

// maxRemainingLength is the largest value four length bytes can hold.
const maxRemainingLength = 268435455

func frame(header byte, body []byte) ([]byte, error) {
	if len(body) > maxRemainingLength {
		return nil, fmt.Errorf("packet body of %d bytes exceeds the MQTT maximum", len(body))
	}
	out := make([]byte, 0, 5+len(body))
	out = append(out, header)
	out = appendRemainingLength(out, len(body))
	return append(out, body...), nil
}

// encodeConnect builds CONNECT [MQTT-3.1]. A Will QoS > 2 or a will with
// QoS but no will is the caller's bug and is refused.
func encodeConnect(p connectParams) ([]byte, error) {
	var body []byte
	var err error
	switch p.Version {
	case version31:
		body, _ = appendString(body, "MQIsdp")
	case version311:
		body, _ = appendString(body, "MQTT")
	default:
		return nil, fmt.Errorf("MQTT protocol level %d not supported (3 = 3.1, 4 = 3.1.1)", p.Version)
	}
	body = append(body, p.Version)
	var flags byte
	if p.CleanSession {
		flags |= 0x02
	}
	if p.Will != nil {
		if p.Will.QoS > 2 {
			return nil, fmt.Errorf("will QoS %d", p.Will.QoS)
		}
		flags |= 0x04 | p.Will.QoS<<3
		if p.Will.Retain {
			flags |= 0x20
		}
	}
	if p.Password != nil {
		flags |= 0x40
	}
	if p.Username != nil {
		flags |= 0x80
	}
	body = append(body, flags, byte(p.KeepAlive>>8), byte(p.KeepAlive))
	if body, err = appendString(body, p.ClientID); err != nil {
		return nil, err
	}
	if p.Will != nil {
		if body, err = appendString(body, p.Will.Topic); err != nil {
			return nil, err
		}
		if body, err = appendBinary(body, p.Will.Message); err != nil {
			return nil, err
		}
	}
	if p.Username != nil {
		if body, err = appendString(body, *p.Username); err != nil {
			return nil, err
		}
	}
	if p.Password != nil {
		if body, err = appendString(body, *p.Password); err != nil {
			return nil, err
		}
	}
	return frame(pktCONNECT<<4, body)
}

// encodePublish builds PUBLISH [MQTT-3.3]; the packet identifier is
// present only for QoS 1 and 2 [MQTT-2.3.1-5].
func encodePublish(m message) ([]byte, error) {
	if m.QoS > 2 {
		return nil, fmt.Errorf("PUBLISH QoS %d", m.QoS)
	}
	if m.QoS > 0 && m.ID == 0 {
		return nil, errors.New("PUBLISH QoS>0 needs a non-zero packet identifier [MQTT-2.3.1-1]")
	}
	header := byte(pktPUBLISH<<4) | m.QoS<<1
	if m.Retain {
		header |= 0x01
	}
	if m.Dup {
		header |= 0x08
	}
	body, err := appendString(nil, m.Topic)
	if err != nil {
		return nil, err
	}
	if m.QoS > 0 {
		body = append(body, byte(m.ID>>8), byte(m.ID))
	}
	body = append(body, m.Payload...)
	return frame(header, body)
}

// encodeSubscribe builds SUBSCRIBE; its fixed-header flags are 0010
// [MQTT-3.8.1-1] and it carries at least one filter [MQTT-3.8.3-3].
func encodeSubscribe(id uint16, subs []subscription) ([]byte, error) {
	if len(subs) == 0 {
		return nil, errors.New("SUBSCRIBE without a topic filter [MQTT-3.8.3-3]")
	}
	body := []byte{byte(id >> 8), byte(id)}
	var err error
	for _, s := range subs {
		if body, err = appendString(body, s.Filter); err != nil {
			return nil, err
		}
		body = append(body, s.QoS)
	}
	return frame(pktSUBSCRIBE<<4|0x02, body)
}

// encodeUnsubscribe builds UNSUBSCRIBE; flags 0010 [MQTT-3.10.1-1].
func encodeUnsubscribe(id uint16, filters []string) ([]byte, error) {
	if len(filters) == 0 {
		return nil, errors.New("UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]")
	}
	body := []byte{byte(id >> 8), byte(id)}
	var err error
	for _, f := range filters {
		if body, err = appendString(body, f); err != nil {
			return nil, err
		}
	}
	return frame(pktUNSUBSCRIBE<<4|0x02, body)
}

// encodeAck builds PUBACK, PUBREC, PUBREL or PUBCOMP. PUBREL's flags are
// 0010 [MQTT-3.6.1-1]; the others' are 0.
func encodeAck(typ byte, id uint16) []byte {
	h := typ << 4
	if typ == pktPUBREL {
		h |= 0x02
	}
	return []byte{h, 2, byte(id >> 8), byte(id)}
}

func encodePingreq() []byte    { return []byte{pktPINGREQ << 4, 0} }
func encodeDisconnect() []byte { return []byte{pktDISCONNECT << 4, 0} }

// inbound is a decoded packet from the broker.
type inbound struct {
	Type byte
	// CONNACK
	SessionPresent bool
	ReturnCode     byte
	// PUBACK/PUBREC/PUBREL/PUBCOMP/SUBACK/UNSUBACK/PUBLISH(QoS>0)
	ID uint16
	// SUBACK: one return code per filter (0x80 = failure)
	Granted []byte
	// PUBLISH
	Msg message
}

// readPacket reads one packet from r. Packets over maxInbound are refused
// before their body is read, so a hostile length costs nothing.
func readPacket(r *bufio.Reader) (inbound, error) {
	header, err := r.ReadByte()
	if err != nil {
		return inbound{}, err
	}
	n, err := readRemainingLength(r)
	if err != nil {
		return inbound{}, err
	}
	if n > maxInbound {
		return inbound{}, fmt.Errorf("%w: remaining length %d exceeds the simulator's %d-byte receive buffer", errMalformed, n, maxInbound)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return inbound{}, err
	}
	return parsePacket(header, body)
}

func readRemainingLength(r io.ByteReader) (int, error) {
	n, mult := 0, 1
	for i := range 4 {
		b, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && i > 0 {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		n += int(b&0x7F) * mult
		if b&0x80 == 0 {
			return n, nil
		}
		mult *= 128
	}
	return 0, fmt.Errorf("%w: remaining length longer than 4 bytes [MQTT-2.2.3]", errMalformed)
}

// parsePacket decodes the packets a client can receive. Anything a broker
// must not send to a client (CONNECT, SUBSCRIBE…) is an error.
func parsePacket(header byte, body []byte) (inbound, error) {
	typ := header >> 4
	flags := header & 0x0F
	p := inbound{Type: typ}
	needLen := func(want int) error {
		if len(body) != want {
			return fmt.Errorf("%w: %s with remaining length %d, want %d", errMalformed, packetName(typ), len(body), want)
		}
		return nil
	}
	switch typ {
	case pktCONNACK:
		if err := needLen(2); err != nil {
			return p, err
		}
		p.SessionPresent = body[0]&0x01 != 0
		p.ReturnCode = body[1]
	case pktPUBACK, pktPUBREC, pktPUBREL, pktPUBCOMP, pktUNSUBACK:
		wantFlags := byte(0)
		if typ == pktPUBREL {
			wantFlags = 0x02
		}
		if flags != wantFlags {
			return p, fmt.Errorf("%w: %s flags %04b [MQTT-2.2.2-2]", errMalformed, packetName(typ), flags)
		}
		if err := needLen(2); err != nil {
			return p, err
		}
		p.ID = uint16(body[0])<<8 | uint16(body[1])
	case pktSUBACK:
		if len(body) < 3 {
			return p, fmt.Errorf("%w: SUBACK with remaining length %d, want ≥3", errMalformed, len(body))
		}
		p.ID = uint16(body[0])<<8 | uint16(body[1])
		p.Granted = append([]byte(nil), body[2:]...)
	case pktPINGRESP:
		if err := needLen(0); err != nil {
			return p, err
		}
	case pktPUBLISH:
		m := message{QoS: flags >> 1 & 0x03, Retain: flags&0x01 != 0, Dup: flags&0x08 != 0}
		if m.QoS == 3 {
			return p, fmt.Errorf("%w: PUBLISH QoS 3 [MQTT-3.3.1-4]", errMalformed)
		}
		if len(body) < 2 {
			return p, fmt.Errorf("%w: PUBLISH too short for its topic length", errMalformed)
		}
		tl := int(body[0])<<8 | int(body[1])
		rest := body[2:]
		if tl > len(rest) {
			return p, fmt.Errorf("%w: PUBLISH topic length %d beyond the packet's %d bytes", errMalformed, tl, len(rest))
		}
		m.Topic = string(rest[:tl])
		rest = rest[tl:]
		if m.QoS > 0 {
			if len(rest) < 2 {
				return p, fmt.Errorf("%w: PUBLISH QoS %d without a packet identifier", errMalformed, m.QoS)
			}
			m.ID = uint16(rest[0])<<8 | uint16(rest[1])
			if m.ID == 0 {
				return p, fmt.Errorf("%w: PUBLISH QoS %d with packet identifier 0 [MQTT-2.3.1-1]", errMalformed, m.QoS)
			}
			rest = rest[2:]
		}
		m.Payload = append([]byte(nil), rest...)
		p.ID = m.ID
		p.Msg = m
	default:
		return p, fmt.Errorf("%w: a broker does not send %s to a client", errMalformed, packetName(typ))
	}
	return p, nil
}

func packetName(t byte) string {
	names := [...]string{"Reserved(0)", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "Reserved(15)"}
	if int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("type %d", t)
}
