package mqtt

import (
	"encoding/hex"
	"unicode/utf8"
)

// JSON is the machine-readable view of a Packet (`atmq packets --json`).
// Pointer fields are set only when the packet's type carries them, so a
// QoS 0 PUBLISH still shows "qos":0 while a PINGREQ shows no qos at all.
// decode/netcap and the CLI embed it and add frame, time and addresses.
type JSON struct {
	Type           string `json:"type"`
	Version        string `json:"version"` // "3.1", "3.1.1", "5.0", "" unknown
	VersionGuessed bool   `json:"version_guessed,omitempty"`
	Length         int    `json:"length"`

	ProtocolName   *string        `json:"protocol_name,omitempty"`
	ProtocolLevel  *byte          `json:"protocol_level,omitempty"`
	ClientID       *string        `json:"client_id,omitempty"`
	Username       *string        `json:"username,omitempty"`
	Password       *string        `json:"password,omitempty"` // "***" when redacted
	Keepalive      *uint16        `json:"keepalive,omitempty"`
	CleanSession   *bool          `json:"clean_session,omitempty"`
	WillTopic      *string        `json:"will_topic,omitempty"`
	WillPayload    *string        `json:"will_payload,omitempty"`
	WillPayloadHex *string        `json:"will_payload_hex,omitempty"`
	WillQoS        *byte          `json:"will_qos,omitempty"`
	WillRetain     *bool          `json:"will_retain,omitempty"`
	WillProperties []JSONProperty `json:"will_properties,omitempty"`

	ReturnCode     *byte  `json:"return_code,omitempty"` // CONNACK 3.x
	ReasonCode     *byte  `json:"reason_code,omitempty"` // 5.0
	Reason         string `json:"reason,omitempty"`      // name of return_code / reason_code
	SessionPresent *bool  `json:"session_present,omitempty"`

	Topic          *string `json:"topic,omitempty"`
	TopicFromAlias bool    `json:"topic_from_alias,omitempty"`
	PacketID       *uint16 `json:"packet_id,omitempty"`
	QoS            *byte   `json:"qos,omitempty"`
	Retain         *bool   `json:"retain,omitempty"`
	Dup            *bool   `json:"dup,omitempty"`
	PayloadLength  *int    `json:"payload_length,omitempty"`
	Payload        *string `json:"payload,omitempty"`     // valid UTF-8 payloads
	PayloadHex     *string `json:"payload_hex,omitempty"` // the others

	Topics      []JSONTopic    `json:"topics,omitempty"`
	Granted     []int          `json:"granted,omitempty"`      // SUBACK codes
	ReasonCodes []int          `json:"reason_codes,omitempty"` // UNSUBACK 5.0 codes
	Properties  []JSONProperty `json:"properties,omitempty"`
	Violations  []string       `json:"violations,omitempty"`
}

// JSONTopic is one SUBSCRIBE/UNSUBSCRIBE filter; options only for SUBSCRIBE
// (the 5.0 ones only in 5.0).
type JSONTopic struct {
	Filter            string `json:"filter"`
	QoS               *byte  `json:"qos,omitempty"`
	NoLocal           *bool  `json:"no_local,omitempty"`
	RetainAsPublished *bool  `json:"retain_as_published,omitempty"`
	RetainHandling    *byte  `json:"retain_handling,omitempty"`
}

// JSONProperty is one 5.0 property by spec name. Value is a number, a
// string, a hex string for binary data (Hex true), or for a User Property
// the value with its name in Key.
type JSONProperty struct {
	Name  string `json:"name"`
	Key   string `json:"key,omitempty"`
	Value any    `json:"value"`
	Hex   bool   `json:"hex,omitempty"`
}

const redacted = "***"

// JSON returns the packet's JSON view. redact masks the password and
// Authentication Data.
func (p *Packet) JSON(redact bool) JSON {
	j := JSON{
		Type:           p.Type.String(),
		Version:        VersionString(p.Version),
		VersionGuessed: p.VersionGuessed,
		Length:         p.Length,
		Properties:     jsonProperties(p.Properties, redact),
	}
	for _, v := range p.Violations {
		j.Violations = append(j.Violations, v.String())
	}
	switch p.Type {
	case CONNECT:
		j.ProtocolName = &p.ProtocolName
		j.ProtocolLevel = &p.ProtocolLevel
		j.ClientID = &p.ClientID
		j.Keepalive = &p.KeepAlive
		j.CleanSession = &p.CleanSession
		if p.UsernameFlag {
			j.Username = &p.Username
		}
		if p.PasswordFlag {
			s := redacted
			if !redact {
				s, _ = textOrHex(p.Password)
			}
			j.Password = &s
		}
		if p.WillFlag {
			j.WillTopic = &p.WillTopic
			j.WillQoS = &p.WillQoS
			j.WillRetain = &p.WillRetain
			if s, isText := textOrHex(p.WillPayload); isText {
				j.WillPayload = &s
			} else {
				j.WillPayloadHex = &s
			}
			j.WillProperties = jsonProperties(p.WillProperties, redact)
		}
	case CONNACK:
		j.SessionPresent = &p.SessionPresent
		if p.Version == Version5 {
			j.ReasonCode = &p.ReasonCode
			j.Reason = ReasonCodeFor(p.Type, p.ReasonCode).Reason
		} else {
			j.ReturnCode = &p.ReturnCode
			j.Reason = ConnackReturnCode(p.ReturnCode).Reason
		}
	case PUBLISH:
		j.Topic = &p.Topic
		j.TopicFromAlias = p.TopicFromAlias
		j.QoS = &p.QoS
		j.Retain = &p.Retain
		j.Dup = &p.Dup
		if p.QoS > 0 {
			j.PacketID = &p.PacketID
		}
		n := len(p.Payload)
		j.PayloadLength = &n
		if s, isText := textOrHex(p.Payload); isText {
			j.Payload = &s
		} else {
			j.PayloadHex = &s
		}
	case PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK:
		j.PacketID = &p.PacketID
	case SUBSCRIBE, UNSUBSCRIBE:
		j.PacketID = &p.PacketID
		for i := range p.Subscriptions {
			s := &p.Subscriptions[i]
			t := JSONTopic{Filter: s.Filter}
			if p.Type == SUBSCRIBE {
				t.QoS = &s.QoS
				if p.Version == Version5 {
					t.NoLocal, t.RetainAsPublished, t.RetainHandling = &s.NoLocal, &s.RetainAsPublished, &s.RetainHandling
				}
			}
			j.Topics = append(j.Topics, t)
		}
	}
	switch p.Type {
	case PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT, AUTH:
		if p.HasReasonCode {
			j.ReasonCode = &p.ReasonCode
			j.Reason = ReasonCodeFor(p.Type, p.ReasonCode).Reason
		}
	case SUBACK:
		j.Granted = bytesToInts(p.Granted)
	case UNSUBACK:
		j.ReasonCodes = bytesToInts(p.Granted)
	}
	return j
}

func bytesToInts(b []byte) []int {
	if len(b) == 0 {
		return nil
	}
	out := make([]int, len(b))
	for i, c := range b {
		out[i] = int(c)
	}
	return out
}

// textOrHex returns b as text when it is valid UTF-8, else as hex.
func textOrHex(b []byte) (s string, isText bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	return hex.EncodeToString(b), false
}

func jsonProperties(props []Property, redact bool) []JSONProperty {
	if len(props) == 0 {
		return nil
	}
	out := make([]JSONProperty, 0, len(props))
	for _, pr := range props {
		jp := JSONProperty{Name: pr.Name}
		switch v := pr.Value.(type) {
		case [2]string:
			jp.Key, jp.Value = v[0], v[1]
		case []byte:
			jp.Value, jp.Hex = hex.EncodeToString(v), true
			if redact && pr.ID == PropAuthenticationData {
				jp.Value, jp.Hex = redacted, false
			}
		default:
			jp.Value = v
		}
		out = append(out, jp)
	}
	return out
}
