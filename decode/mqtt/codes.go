package mqtt

import "fmt"

var typeNames = [16]string{
	"Reserved(0)", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
	"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
}

// String returns the spec name of the packet type ("CONNECT", "Reserved(0)").
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// VersionString names a protocol level: "3.1", "3.1.1", "5.0", or "" when unknown.
func VersionString(v byte) string {
	switch v {
	case Version31:
		return "3.1"
	case Version311:
		return "3.1.1"
	case Version5:
		return "5.0"
	}
	return ""
}

// Code is a CONNACK return code (3.x) or reason code (5.0). It is also an
// error, so callers can return a refusal as-is.
type Code struct {
	Value  byte
	Reason string
}

func (c Code) Error() string { return c.Reason }

// String renders "5 (not authorized)" for 3.x return codes style use; see
// Summary for the hex form used with 5.0 reason codes.
func (c Code) String() string { return fmt.Sprintf("%d (%s)", c.Value, c.Reason) }

var connackReturnCodes = [...]string{
	"accepted",
	"unacceptable protocol version",
	"identifier rejected",
	"server unavailable",
	"bad user name or password",
	"not authorized",
}

// ConnackReturnCode names an MQTT 3.1/3.1.1 CONNACK return code. Values
// 6-255 are reserved.
func ConnackReturnCode(v byte) Code {
	if int(v) < len(connackReturnCodes) {
		return Code{v, connackReturnCodes[v]}
	}
	return Code{v, "reserved"}
}

// reasonNames are the MQTT 5.0 reason code names (§2.4), lower-cased like the
// 3.x return codes. 0x00 has packet-specific names; see ReasonCodeFor.
var reasonNames = map[byte]string{
	0x00: "success",
	0x01: "granted QoS 1",
	0x02: "granted QoS 2",
	0x04: "disconnect with will message",
	0x10: "no matching subscribers",
	0x11: "no subscription existed",
	0x18: "continue authentication",
	0x19: "re-authenticate",
	0x80: "unspecified error",
	0x81: "malformed packet",
	0x82: "protocol error",
	0x83: "implementation specific error",
	0x84: "unsupported protocol version",
	0x85: "client identifier not valid",
	0x86: "bad user name or password",
	0x87: "not authorized",
	0x88: "server unavailable",
	0x89: "server busy",
	0x8A: "banned",
	0x8B: "server shutting down",
	0x8C: "bad authentication method",
	0x8D: "keep alive timeout",
	0x8E: "session taken over",
	0x8F: "topic filter invalid",
	0x90: "topic name invalid",
	0x91: "packet identifier in use",
	0x92: "packet identifier not found",
	0x93: "receive maximum exceeded",
	0x94: "topic alias invalid",
	0x95: "packet too large",
	0x96: "message rate too high",
	0x97: "quota exceeded",
	0x98: "administrative action",
	0x99: "payload format invalid",
	0x9A: "retain not supported",
	0x9B: "QoS not supported",
	0x9C: "use another server",
	0x9D: "server moved",
	0x9E: "shared subscriptions not supported",
	0x9F: "connection rate exceeded",
	0xA0: "maximum connect time",
	0xA1: "subscription identifiers not supported",
	0xA2: "wildcard subscriptions not supported",
}

// ReasonCode names an MQTT 5.0 reason code; unassigned values are "unknown".
func ReasonCode(v byte) Code {
	if s, ok := reasonNames[v]; ok {
		return Code{v, s}
	}
	return Code{v, "unknown"}
}

// ReasonCodeFor names a reason code as the given packet type uses it
// (0x00 is "normal disconnection" in DISCONNECT, "granted QoS 0" in SUBACK).
func ReasonCodeFor(t Type, v byte) Code {
	if v == 0 {
		switch t {
		case DISCONNECT:
			return Code{0, "normal disconnection"}
		case SUBACK:
			return Code{0, "granted QoS 0"}
		}
	}
	return ReasonCode(v)
}

// SubackReturnCode names an MQTT 3.1/3.1.1 SUBACK return code.
func SubackReturnCode(v byte) Code {
	switch v {
	case 0, 1, 2:
		return Code{v, fmt.Sprintf("granted QoS %d", v)}
	case 0x80:
		return Code{v, "failure"}
	}
	return Code{v, "reserved"}
}

// codeSet is a 256-bit set of allowed reason code values.
type codeSet [4]uint64

func newCodeSet(vs ...byte) (s codeSet) {
	for _, v := range vs {
		s[v>>6] |= 1 << (v & 63)
	}
	return s
}

func (s *codeSet) has(v byte) bool { return s[v>>6]&(1<<(v&63)) != 0 }

// Reason codes each MQTT 5.0 packet type may carry (§3.x.2.1 tables).
var allowedReasonCodes = map[Type]*codeSet{
	CONNACK: ptr(newCodeSet(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A,
		0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F)),
	PUBACK:   ptr(newCodeSet(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99)),
	PUBREC:   ptr(newCodeSet(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99)),
	PUBREL:   ptr(newCodeSet(0x00, 0x92)),
	PUBCOMP:  ptr(newCodeSet(0x00, 0x92)),
	SUBACK:   ptr(newCodeSet(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2)),
	UNSUBACK: ptr(newCodeSet(0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91)),
	DISCONNECT: ptr(newCodeSet(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F,
		0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2)),
	AUTH: ptr(newCodeSet(0x00, 0x18, 0x19)),
}

func ptr[T any](v T) *T { return &v }

// reasonAllowed says whether a 5.0 packet of type t may carry reason code v.
func reasonAllowed(t Type, v byte) bool {
	s := allowedReasonCodes[t]
	return s != nil && s.has(v)
}
