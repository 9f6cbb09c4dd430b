package mqtt

import (
	"fmt"
)

// Decode decodes one complete packet (fixed header included) under the
// given protocol version (Version31, Version311, Version5, or VersionUnknown
// to infer it from the packet's shape). Bytes after the packet that the
// fixed header announces are ignored; Packet.Length says how many were used.
//
// It returns an error only when the bytes cannot be a packet of that shape
// (a field running past the end, an impossible length); the *Error names the
// field and its offset, and the returned Packet (nil only when the fixed
// header itself is unreadable) holds what was decoded before the failure.
// A packet shorter than its Remaining Length (the first bytes of an
// oversize packet, the end of a capture) is decoded as far as it goes and
// reported with an ErrTruncated error.
// Spec breaches that still decode are listed in Packet.Violations.
//
// The Packet owns a copy of the bytes; b may be reused after the call.
func Decode(b []byte, version byte) (*Packet, error) {
	p, _, err := decode(b, version, true)
	return p, err
}

// decode is Decode that also says whether an inferred version is certain
// enough for a Conn to keep for the rest of the connection. With copyRaw
// false the Packet aliases b (for trial decodes that are thrown away).
func decode(b []byte, version byte, copyRaw bool) (p *Packet, confident bool, err error) {
	remaining, hdrLen, err := parseFixedHeader(b)
	if err != nil {
		var t Type
		if len(b) > 0 {
			t = Type(b[0] >> 4)
		}
		if e, ok := err.(*Error); ok {
			e.Type = t
			e.Field = "remaining length"
			if len(b) == 0 {
				e.Field = "fixed header"
			}
		}
		return nil, false, err
	}
	total := hdrLen + remaining
	p = &Packet{
		Type:            Type(b[0] >> 4),
		Flags:           b[0] & 0x0f,
		RemainingLength: remaining,
		Length:          total,
	}
	var short error
	if len(b) < total {
		short = &Error{Type: p.Type, Field: "packet", Offset: hdrLen, Err: ErrTruncated,
			Detail: fmt.Sprintf("remaining length %d, only %d bytes present", remaining, len(b)-hdrLen)}
		total = len(b)
	}
	if copyRaw {
		p.Raw = append([]byte(nil), b[:total]...)
	} else {
		p.Raw = b[:total:total]
	}

	shape := version
	switch {
	case p.Type == CONNECT:
		// The CONNECT states its own version; d.connect picks it.
	case version == Version31 || version == Version311 || version == Version5:
	default:
		shape, confident = inferVersion(p.Raw, p.Type, hdrLen)
		p.VersionGuessed = shape != VersionUnknown
	}
	p.Version = shape
	if p.Type == CONNECT {
		p.Version = VersionUnknown // until d.connect reads the protocol level
	}
	d := decoder{p: p, b: p.Raw, v: shape}
	if shape == VersionUnknown {
		// Packets whose layout is the same in every version (PINGREQ, a
		// 2-byte PUBACK…) are read with the 3.1.1 layout.
		d.v = Version311
	}
	if hdrLen-1 > varintLen(remaining) {
		extra := ""
		if hdrLen-1 > 4 {
			extra = ", over the 4-byte maximum"
		}
		d.violate("MQTT-1.5.5-1", "remaining length %d encoded in %d bytes (non-minimal%s)", remaining, hdrLen-1, extra)
	}
	err = d.body(hdrLen, version)
	d.finish()
	if err == nil {
		err = short
	}
	if short != nil {
		return p, false, err
	}
	if p.Type == CONNECT && err == nil {
		confident = p.Version != VersionUnknown
	}
	return p, confident, err
}

// parseFixedHeader reads the fixed header at the start of b and returns the
// Remaining Length and the header's length (1 + the varint's bytes).
func parseFixedHeader(b []byte) (remaining, hdrLen int, err error) {
	if len(b) < 1 {
		return 0, 0, errShort(b, 0, 2)
	}
	remaining, next, err := readVarint(b, 1)
	if err != nil {
		return 0, 0, err
	}
	return remaining, next, nil
}

// Caps on what one packet may make the decoder hold beyond its own bytes:
// a 64 MiB SUBSCRIBE of 3-byte empty filters would otherwise expand into
// millions of Subscriptions and violations.
const (
	maxViolations = 32   // listed per packet; the rest are counted
	maxListed     = 4096 // Subscriptions or Properties listed per packet
)

// decoder carries the state of decoding one packet.
type decoder struct {
	p *Packet
	b []byte // the whole packet, fixed header included
	v byte   // layout being decoded: Version31, Version311 or Version5

	unlistedViolations int
	unlistedItems      int // filters or properties beyond maxListed
}

func (d *decoder) violate(rule, format string, args ...any) {
	if len(d.p.Violations) >= maxViolations {
		d.unlistedViolations++
		return
	}
	d.p.Violations = append(d.p.Violations, Violation{Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// finish records what the caps left out.
func (d *decoder) finish() {
	if d.unlistedItems > 0 {
		d.p.Violations = append(d.p.Violations, Violation{Message: fmt.Sprintf(
			"%d further topic filters or properties decoded but not listed (limit %d per packet)", d.unlistedItems, maxListed)})
	}
	if d.unlistedViolations > 0 {
		d.p.Violations = append(d.p.Violations, Violation{Message: fmt.Sprintf(
			"%d further violations not listed", d.unlistedViolations)})
	}
}

// rule picks the statement number of a requirement numbered differently in
// MQTT 3.1.1 and 5.0.
func (d *decoder) rule(v311, v5 string) string {
	if d.v == Version5 {
		return v5
	}
	return v311
}

// fail labels a low-level read error with the packet type and field.
func (d *decoder) fail(field string, err error) error {
	if e, ok := err.(*Error); ok {
		e.Type = d.p.Type
		if e.Field == "" {
			e.Field = field
		}
		return e
	}
	return &Error{Type: d.p.Type, Field: field, Err: err}
}

// str converts a UTF-8 Encoded String field, recording ill-formed UTF-8
// [MQTT-1.5.3-1] and U+0000 [MQTT-1.5.3-2] (5.0: MQTT-1.5.4-1/-2).
func (d *decoder) str(s []byte, field string) string {
	if problem, nul := stringProblem(s); problem != "" {
		r := d.rule("MQTT-1.5.3-1", "MQTT-1.5.4-1")
		if nul {
			r = d.rule("MQTT-1.5.3-2", "MQTT-1.5.4-2")
		}
		d.violate(r, "%s %s", field, problem)
	}
	return string(s)
}

// leftover records bytes after the last field the packet type defines.
func (d *decoder) leftover(off int) {
	if off < len(d.b) {
		d.violate("", "%d unexpected bytes after the last field of %v (at offset %d)", len(d.b)-off, d.p.Type, off)
	}
}

// packetID reads a Packet Identifier; zero is recorded when required non-zero.
func (d *decoder) packetID(off int, mustBeNonZero bool) (int, error) {
	id, next, err := readUint16(d.b, off)
	if err != nil {
		return off, d.fail("packet identifier", err)
	}
	d.p.PacketID = id
	if id == 0 {
		if mustBeNonZero {
			d.violate(d.rule("MQTT-2.3.1-1", "MQTT-2.2.1-3"), "packet identifier 0 in %v", d.p.Type)
		} else {
			d.violate("", "packet identifier 0 in %v (it must echo a non-zero identifier)", d.p.Type)
		}
	}
	return next, nil
}

// properties reads the 5.0 Property Length and properties that packets of
// CONNECT, CONNACK, PUBLISH, SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK must
// carry; an absent block at the very end is a violation, not an error.
func (d *decoder) properties(off int) (int, error) {
	if off == len(d.b) {
		d.violate("MQTT-2.2.2-1", "%v has no property length (must be 0 when there are no properties)", d.p.Type)
		return off, nil
	}
	props, next, err := d.readProperties(off, false)
	if err != nil {
		return off, err
	}
	d.p.Properties = props
	return next, nil
}

// body decodes what follows the fixed header. hint is the version the
// caller asked for (used for a CONNECT with an unknown protocol level).
func (d *decoder) body(off int, hint byte) error {
	p := d.p
	d.checkFlags()
	switch p.Type {
	case CONNECT:
		return d.connect(off, hint)
	case CONNACK:
		return d.connack(off)
	case PUBLISH:
		return d.publish(off)
	case PUBACK, PUBREC, PUBREL, PUBCOMP:
		return d.pubAck(off)
	case SUBSCRIBE:
		return d.subscribe(off)
	case SUBACK:
		return d.suback(off)
	case UNSUBSCRIBE:
		return d.unsubscribe(off)
	case UNSUBACK:
		return d.unsuback(off)
	case PINGREQ, PINGRESP:
		d.leftover(off)
	case DISCONNECT:
		if d.v == Version5 {
			return d.reasonAndProperties(off)
		}
		d.leftover(off)
	case AUTH:
		if d.v != Version5 && p.Version != VersionUnknown {
			d.violate("", "AUTH packet in MQTT %s (only defined in 5.0)", VersionString(d.v))
			return nil
		}
		if p.Version == VersionUnknown {
			d.v = Version5
		}
		return d.reasonAndProperties(off)
	case Reserved:
		d.violate("", "reserved packet type 0 (forbidden)")
	}
	return nil
}

// checkFlags checks the fixed header's low nibble (§2.2.2 / 5.0 §2.1.3).
func (d *decoder) checkFlags() {
	p := d.p
	switch p.Type {
	case PUBLISH:
		p.Dup = p.Flags&0x08 != 0
		p.QoS = p.Flags >> 1 & 0x03
		p.Retain = p.Flags&0x01 != 0
	case PUBREL, SUBSCRIBE, UNSUBSCRIBE:
		flags := p.Flags
		if d.v == Version31 {
			// 3.1 sent these at QoS 1 with the DUP bit set on retries.
			flags &^= 0x08
		}
		if flags != 0x02 {
			r := "MQTT-3.6.1-1"
			switch p.Type {
			case SUBSCRIBE:
				r = "MQTT-3.8.1-1"
			case UNSUBSCRIBE:
				r = "MQTT-3.10.1-1"
			}
			d.violate(r, "%v fixed header flags 0x%X, must be 0x2", p.Type, p.Flags)
		}
	case Reserved:
	default:
		if p.Flags != 0 {
			d.violate(d.rule("MQTT-2.2.2-1", "MQTT-2.1.3-1"), "%v fixed header flags 0x%X, reserved bits must be 0", p.Type, p.Flags)
		}
	}
}

func (d *decoder) connect(off int, hint byte) error {
	p := d.p
	name, off, err := readString(d.b, off)
	if err != nil {
		return d.fail("protocol name", err)
	}
	p.ProtocolName = d.str(name, "protocol name")
	level, off, err := readByte(d.b, off)
	if err != nil {
		return d.fail("protocol level", err)
	}
	p.ProtocolLevel = level
	p.VersionGuessed = false
	base := level
	if level&0x80 != 0 {
		// Mosquitto bridges with try_private set the top bit.
		base = level & 0x7f
		d.violate("", "protocol level 0x%02X has the bridge bit (0x80) set (non-standard, mosquitto try_private)", level)
	}
	switch base {
	case Version31, Version311, Version5:
		d.v = base
		p.Version = base
		want := "MQTT"
		if base == Version31 {
			want = "MQIsdp"
		}
		if p.ProtocolName != want {
			r := "MQTT-3.1.2-1"
			if base == Version31 {
				r = ""
			}
			d.violate(r, "protocol name %q does not match protocol level %d (expected %q)", p.ProtocolName, level, want)
		}
	default:
		d.violate("MQTT-3.1.2-2", "unsupported protocol level %d", level)
		switch {
		case hint == Version31 || hint == Version311 || hint == Version5:
			d.v = hint
		case p.ProtocolName == "MQIsdp":
			d.v = Version31
		default:
			d.v = Version311
		}
		p.Version = VersionUnknown
	}

	flags, off, err := readByte(d.b, off)
	if err != nil {
		return d.fail("connect flags", err)
	}
	p.ConnectFlags = flags
	p.CleanSession = flags&0x02 != 0
	p.WillFlag = flags&0x04 != 0
	p.WillQoS = flags >> 3 & 0x03
	p.WillRetain = flags&0x20 != 0
	p.PasswordFlag = flags&0x40 != 0
	p.UsernameFlag = flags&0x80 != 0
	if flags&0x01 != 0 {
		d.violate("MQTT-3.1.2-3", "reserved CONNECT flag set")
	}
	if !p.WillFlag {
		if p.WillQoS != 0 {
			d.violate(d.rule("MQTT-3.1.2-13", "MQTT-3.1.2-11"), "will QoS %d without the will flag", p.WillQoS)
		}
		if p.WillRetain {
			d.violate(d.rule("MQTT-3.1.2-15", "MQTT-3.1.2-13"), "will retain set without the will flag")
		}
	} else if p.WillQoS == 3 {
		d.violate(d.rule("MQTT-3.1.2-14", "MQTT-3.1.2-12"), "will QoS 3")
	}
	if p.PasswordFlag && !p.UsernameFlag {
		switch d.v {
		case Version311:
			d.violate("MQTT-3.1.2-22", "password flag set without the user name flag")
		case Version31:
			d.violate("", "password flag set without the user name flag (MQTT 3.1 §3.1 requires a user name)")
		}
	}
	p.KeepAlive, off, err = readUint16(d.b, off)
	if err != nil {
		return d.fail("keep alive", err)
	}
	if d.v == Version5 {
		if off, err = d.properties(off); err != nil {
			return err
		}
	}

	id, off, err := readString(d.b, off)
	if err != nil {
		return d.fail("client identifier", err)
	}
	p.ClientID = d.str(id, "client identifier")
	switch d.v {
	case Version31:
		if len(id) == 0 || len(id) > 23 {
			d.violate("", "client identifier of %d bytes (MQTT 3.1 requires 1 to 23; many brokers accept longer)", len(id))
		}
	case Version311:
		if len(id) == 0 && !p.CleanSession {
			d.violate("MQTT-3.1.3-7", "empty client identifier with clean session 0")
		}
	}

	if p.WillFlag {
		if d.v == Version5 {
			props, next, err := d.readProperties(off, true)
			if err != nil {
				return err
			}
			p.WillProperties, off = props, next
		}
		topic, next, err := readString(d.b, off)
		if err != nil {
			return d.fail("will topic", err)
		}
		p.WillTopic = d.str(topic, "will topic")
		d.checkTopicName(p.WillTopic, "will topic")
		p.WillPayload, off, err = readBinary(d.b, next)
		if err != nil {
			return d.fail("will message", err)
		}
	}
	if p.UsernameFlag {
		if off == len(d.b) {
			d.violate(d.rule("MQTT-3.1.2-19", "MQTT-3.1.2-17"), "user name flag set but no user name present")
		} else {
			u, next, err := readString(d.b, off)
			if err != nil {
				return d.fail("user name", err)
			}
			p.Username, off = d.str(u, "user name"), next
		}
	}
	if p.PasswordFlag {
		if off == len(d.b) {
			d.violate(d.rule("MQTT-3.1.2-21", "MQTT-3.1.2-19"), "password flag set but no password present")
		} else {
			p.Password, off, err = readBinary(d.b, off)
			if err != nil {
				return d.fail("password", err)
			}
		}
	}
	d.leftover(off)
	return nil
}

func (d *decoder) connack(off int) error {
	p := d.p
	flags, off, err := readByte(d.b, off)
	if err != nil {
		return d.fail("connect acknowledge flags", err)
	}
	code, off, err := readByte(d.b, off)
	if err != nil {
		return d.fail("return code", err)
	}
	switch d.v {
	case Version31:
		// 3.1's first byte is the reserved "topic name compression response".
		if flags != 0 {
			d.violate("", "CONNACK reserved byte is 0x%02X, must be 0 in MQTT 3.1", flags)
		}
	default:
		p.SessionPresent = flags&0x01 != 0
		if flags&0xfe != 0 {
			d.violate(d.rule("", "MQTT-3.2.2-1"), "CONNACK acknowledge flags 0x%02X: reserved bits 7-1 must be 0", flags)
		}
	}
	if d.v == Version5 {
		p.ReasonCode, p.HasReasonCode = code, true
		if !reasonAllowed(CONNACK, code) {
			d.violate("MQTT-3.2.2-8", "reason code 0x%02X (%s) is not a CONNACK reason code", code, ReasonCode(code).Reason)
		}
		if p.SessionPresent && code != 0 {
			d.violate("MQTT-3.2.2-6", "session present set with non-zero reason code 0x%02X", code)
		}
		if off, err = d.properties(off); err != nil {
			return err
		}
	} else {
		p.ReturnCode = code
		if code > 5 {
			d.violate("", "CONNACK return code %d is reserved (defined: 0-5)", code)
		}
		if p.SessionPresent && code != 0 {
			d.violate("MQTT-3.2.2-4", "session present set with non-zero return code %d", code)
		}
	}
	d.leftover(off)
	return nil
}

func (d *decoder) publish(off int) error {
	p := d.p
	if p.QoS == 3 {
		d.violate("MQTT-3.3.1-4", "PUBLISH with QoS 3 (both QoS bits set)")
	}
	if p.Dup && p.QoS == 0 {
		d.violate("MQTT-3.3.1-2", "DUP flag set on a QoS 0 PUBLISH")
	}
	topic, off, err := readString(d.b, off)
	if err != nil {
		return d.fail("topic", err)
	}
	p.Topic = d.str(topic, "topic")
	if p.QoS != 0 {
		// Wireshark also reads an identifier for QoS 3.
		if off, err = d.packetID(off, true); err != nil {
			return err
		}
	}
	if d.v == Version5 {
		if off, err = d.properties(off); err != nil {
			return err
		}
	}
	p.Payload = d.b[off:len(d.b):len(d.b)]
	if p.Topic == "" {
		if d.v != Version5 {
			d.violate("MQTT-4.7.3-1", "empty PUBLISH topic")
		} else if _, ok := p.Property(PropTopicAlias); !ok {
			d.violate("", "empty PUBLISH topic without a Topic Alias (Protocol Error, 5.0 §3.3.2.1)")
		}
	}
	d.checkTopicName(p.Topic, "PUBLISH topic")
	return nil
}

// list appends s to the packet's subscriptions up to maxListed.
func (d *decoder) list(subs *[]Subscription, s Subscription) {
	if len(*subs) >= maxListed {
		d.unlistedItems++
		return
	}
	*subs = append(*subs, s)
}

// checkTopicName records wildcards in a Topic Name [MQTT-3.3.2-2].
func (d *decoder) checkTopicName(topic, field string) {
	for i := 0; i < len(topic); i++ {
		if topic[i] == '+' || topic[i] == '#' {
			r := "MQTT-3.3.2-2"
			if field != "PUBLISH topic" {
				r = "MQTT-4.7.1-1"
			}
			d.violate(r, "wildcard %q in %s %q", topic[i], field, topic)
			return
		}
	}
}

// checkFilter records malformed Topic Filters: empty [MQTT-4.7.3-1], '#' not
// alone in the last level [MQTT-4.7.1-2], '+' not a whole level
// [MQTT-4.7.1-3].
func (d *decoder) checkFilter(f string) {
	if f == "" {
		d.violate("MQTT-4.7.3-1", "empty topic filter")
		return
	}
	start := 0
	for i := 0; i <= len(f); i++ {
		if i < len(f) && f[i] != '/' {
			continue
		}
		level := f[start:i]
		last := i == len(f)
		for j := 0; j < len(level); j++ {
			switch level[j] {
			case '#':
				if level != "#" || !last {
					d.violate("MQTT-4.7.1-2", "'#' must be the last character and a whole level in filter %q", f)
					return
				}
			case '+':
				if level != "+" {
					d.violate("MQTT-4.7.1-3", "'+' must occupy a whole level in filter %q", f)
					return
				}
			}
		}
		start = i + 1
	}
}

// pubAck decodes PUBACK, PUBREC, PUBREL and PUBCOMP.
func (d *decoder) pubAck(off int) error {
	off, err := d.packetID(off, false)
	if err != nil {
		return err
	}
	if d.v == Version5 {
		return d.reasonAndProperties(off)
	}
	d.leftover(off)
	return nil
}

// reasonAndProperties decodes the optional 5.0 reason code and properties
// of acks, DISCONNECT and AUTH: both may be omitted when the code is 0x00 and
// there are no properties.
func (d *decoder) reasonAndProperties(off int) error {
	p := d.p
	if off == len(d.b) {
		return nil
	}
	code, off, err := readByte(d.b, off)
	if err != nil {
		return d.fail("reason code", err)
	}
	p.ReasonCode, p.HasReasonCode = code, true
	if !reasonAllowed(p.Type, code) {
		d.violate("", "reason code 0x%02X (%s) is not valid in %v", code, ReasonCode(code).Reason, p.Type)
	}
	if off == len(d.b) {
		return nil
	}
	props, off, err := d.readProperties(off, false)
	if err != nil {
		return err
	}
	p.Properties = props
	d.leftover(off)
	return nil
}

// idAndProperties reads the Packet Identifier that starts SUBSCRIBE,
// SUBACK, UNSUBSCRIBE and UNSUBACK and, in 5.0, the properties after it.
func (d *decoder) idAndProperties(off int, nonZero bool) (int, error) {
	off, err := d.packetID(off, nonZero)
	if err != nil || d.v != Version5 {
		return off, err
	}
	return d.properties(off)
}

func (d *decoder) subscribe(off int) error {
	p := d.p
	off, err := d.idAndProperties(off, true)
	if err != nil {
		return err
	}
	for off < len(d.b) {
		f, next, err := readString(d.b, off)
		if err != nil {
			return d.fail("topic filter", err)
		}
		opts, next, err := readByte(d.b, next)
		if err != nil {
			return d.fail("subscription options", err)
		}
		s := Subscription{Filter: d.str(f, "topic filter"), QoS: opts & 0x03}
		d.checkFilter(s.Filter)
		if d.v == Version5 {
			s.NoLocal = opts&0x04 != 0
			s.RetainAsPublished = opts&0x08 != 0
			s.RetainHandling = opts >> 4 & 0x03
			if s.QoS == 3 {
				d.violate("", "requested QoS 3 for %q (malformed, 5.0 §3.8.3.1)", s.Filter)
			}
			if s.RetainHandling == 3 {
				d.violate("", "retain handling 3 for %q (Protocol Error, 5.0 §3.8.3.1)", s.Filter)
			}
			if opts&0xc0 != 0 {
				d.violate("MQTT-3.8.3-5", "reserved subscription option bits 0x%02X set for %q", opts&0xc0, s.Filter)
			}
			if s.NoLocal && len(s.Filter) >= 7 && s.Filter[:7] == "$share/" {
				d.violate("MQTT-3.8.3-4", "no local set on shared subscription %q", s.Filter)
			}
		} else if s.QoS == 3 || opts&0xfc != 0 {
			r := "MQTT-3-8.3-4" // sic: the 3.1.1 spec numbers it so
			if d.v == Version31 {
				r = ""
			}
			d.violate(r, "requested QoS byte 0x%02X for %q: QoS must be 0-2 and bits 7-2 reserved", opts, s.Filter)
		}
		d.list(&p.Subscriptions, s)
		off = next
	}
	if len(p.Subscriptions) == 0 {
		d.violate(d.rule("MQTT-3.8.3-3", "MQTT-3.8.3-2"), "SUBSCRIBE without any topic filter")
	}
	return nil
}

func (d *decoder) suback(off int) error {
	p := d.p
	off, err := d.idAndProperties(off, false)
	if err != nil {
		return err
	}
	p.Granted = d.b[off:len(d.b):len(d.b)]
	if len(p.Granted) == 0 {
		p.Granted = nil
		d.violate("", "SUBACK without any return code")
	}
	for _, c := range p.Granted {
		if d.v == Version5 {
			if !reasonAllowed(SUBACK, c) {
				d.violate("", "reason code 0x%02X (%s) is not a SUBACK reason code", c, ReasonCode(c).Reason)
			}
		} else if c > 2 && c != 0x80 {
			d.violate("MQTT-3.9.3-2", "SUBACK return code 0x%02X is reserved (allowed: 0, 1, 2, 0x80)", c)
		}
	}
	return nil
}

func (d *decoder) unsubscribe(off int) error {
	p := d.p
	off, err := d.idAndProperties(off, true)
	if err != nil {
		return err
	}
	for off < len(d.b) {
		f, next, err := readString(d.b, off)
		if err != nil {
			return d.fail("topic filter", err)
		}
		s := Subscription{Filter: d.str(f, "topic filter")}
		d.checkFilter(s.Filter)
		d.list(&p.Subscriptions, s)
		off = next
	}
	if len(p.Subscriptions) == 0 {
		d.violate("MQTT-3.10.3-2", "UNSUBSCRIBE without any topic filter")
	}
	return nil
}

func (d *decoder) unsuback(off int) error {
	p := d.p
	off, err := d.idAndProperties(off, false)
	if err != nil {
		return err
	}
	if d.v != Version5 {
		d.leftover(off)
		return nil
	}
	p.Granted = d.b[off:len(d.b):len(d.b)]
	if len(p.Granted) == 0 {
		p.Granted = nil
		d.violate("", "UNSUBACK without any reason code (5.0 §3.11.3)")
	}
	for _, c := range p.Granted {
		if !reasonAllowed(UNSUBACK, c) {
			d.violate("", "reason code 0x%02X (%s) is not an UNSUBACK reason code", c, ReasonCode(c).Reason)
		}
	}
	return nil
}
