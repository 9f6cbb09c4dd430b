// Package mqtt decodes MQTT 3.1, 3.1.1 and 5.0 control packets from bytes.
// It knows nothing of files or TCP: decode/netcap feeds it each direction's
// reassembled byte stream through a StreamSplitter.
package mqtt

// Type is the MQTT control packet type (the fixed header's high nibble).
type Type uint8

const (
	Reserved    Type = 0
	CONNECT     Type = 1
	CONNACK     Type = 2
	PUBLISH     Type = 3
	PUBACK      Type = 4
	PUBREC      Type = 5
	PUBREL      Type = 6
	PUBCOMP     Type = 7
	SUBSCRIBE   Type = 8
	SUBACK      Type = 9
	UNSUBSCRIBE Type = 10
	UNSUBACK    Type = 11
	PINGREQ     Type = 12
	PINGRESP    Type = 13
	DISCONNECT  Type = 14
	AUTH        Type = 15
)

// Protocol versions as carried in CONNECT's protocol level byte.
const (
	VersionUnknown byte = 0
	Version31      byte = 3 // "MQIsdp"
	Version311     byte = 4
	Version5       byte = 5
)

// Packet is one decoded MQTT control packet. Fields not carried by the
// packet's type stay at their zero value.
type Packet struct {
	Type    Type
	Flags   byte // fixed header low nibble
	Version byte // version in force when decoded (VersionUnknown if guessed as none)
	// VersionGuessed is true when no CONNECT fixed the version and it was
	// inferred from the packet's shape (or forced by the user).
	VersionGuessed  bool
	RemainingLength int
	Length          int // whole packet, fixed header included
	// Raw is the packet's bytes, fixed header included: a private copy that
	// Payload, WillPayload, Password, Granted and binary property values
	// point into.
	Raw []byte

	// PUBLISH fixed-header flags.
	Dup    bool
	QoS    byte
	Retain bool

	// CONNECT.
	ProtocolName   string
	ProtocolLevel  byte
	ConnectFlags   byte
	CleanSession   bool
	KeepAlive      uint16
	ClientID       string
	WillFlag       bool
	WillQoS        byte
	WillRetain     bool
	WillTopic      string
	WillPayload    []byte
	WillProperties []Property
	UsernameFlag   bool
	PasswordFlag   bool
	Username       string
	Password       []byte

	// CONNACK.
	SessionPresent bool
	ReturnCode     byte // CONNACK return code, MQTT 3.1 / 3.1.1

	// ReasonCode is the MQTT 5.0 reason code of CONNACK, PUBACK, PUBREC,
	// PUBREL, PUBCOMP, DISCONNECT and AUTH; HasReasonCode says whether the
	// packet carried one (it may be omitted when 0x00).
	ReasonCode    byte
	HasReasonCode bool

	// PUBLISH, acks, SUBSCRIBE/UNSUBSCRIBE and their acks.
	Topic    string
	PacketID uint16
	Payload  []byte
	// TopicFromAlias is true when a 5.0 PUBLISH carried an empty topic and
	// Conn filled Topic from the Topic Alias defined earlier in that
	// direction.
	TopicFromAlias bool

	Subscriptions []Subscription // SUBSCRIBE and UNSUBSCRIBE (filters only)
	Granted       []byte         // SUBACK return/reason codes, UNSUBACK 5.0 reason codes

	Properties []Property // MQTT 5.0 properties of the variable header

	Violations []Violation
}

// Subscription is one topic filter of a SUBSCRIBE or UNSUBSCRIBE.
type Subscription struct {
	Filter            string
	QoS               byte
	NoLocal           bool
	RetainAsPublished bool
	RetainHandling    byte
}

// Property is one MQTT 5.0 property. Value holds uint32 for the integer
// kinds, string for UTF-8 strings, []byte for binary data and [2]string for
// user properties.
type Property struct {
	ID    byte
	Name  string // spec name, e.g. "Session Expiry Interval"
	Value any
}

// Violation is a breach of the specification found while decoding. Rule
// names the normative statement when one exists, e.g. "MQTT-3.1.2-3".
type Violation struct {
	Rule    string
	Message string
}

// String renders "[MQTT-3.1.2-3] reserved CONNECT flag set", or the bare
// message when no numbered statement applies.
func (v Violation) String() string {
	if v.Rule == "" {
		return v.Message
	}
	return "[" + v.Rule + "] " + v.Message
}
