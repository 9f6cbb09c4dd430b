package mqtt

import "fmt"

// PropKind is the wire data type of an MQTT 5.0 property value (§2.2.2.2).
type PropKind uint8

const (
	KindByte       PropKind = iota + 1 // Byte, Value uint32
	KindUint16                         // Two Byte Integer, Value uint32
	KindUint32                         // Four Byte Integer, Value uint32
	KindVarint                         // Variable Byte Integer, Value uint32
	KindString                         // UTF-8 Encoded String, Value string
	KindBinary                         // Binary Data, Value []byte
	KindStringPair                     // UTF-8 String Pair, Value [2]string
)

// MQTT 5.0 property identifiers.
const (
	PropPayloadFormatIndicator          byte = 0x01
	PropMessageExpiryInterval           byte = 0x02
	PropContentType                     byte = 0x03
	PropResponseTopic                   byte = 0x08
	PropCorrelationData                 byte = 0x09
	PropSubscriptionIdentifier          byte = 0x0B
	PropSessionExpiryInterval           byte = 0x11
	PropAssignedClientIdentifier        byte = 0x12
	PropServerKeepAlive                 byte = 0x13
	PropAuthenticationMethod            byte = 0x15
	PropAuthenticationData              byte = 0x16
	PropRequestProblemInformation       byte = 0x17
	PropWillDelayInterval               byte = 0x18
	PropRequestResponseInformation      byte = 0x19
	PropResponseInformation             byte = 0x1A
	PropServerReference                 byte = 0x1C
	PropReasonString                    byte = 0x1F
	PropReceiveMaximum                  byte = 0x21
	PropTopicAliasMaximum               byte = 0x22
	PropTopicAlias                      byte = 0x23
	PropMaximumQoS                      byte = 0x24
	PropRetainAvailable                 byte = 0x25
	PropUserProperty                    byte = 0x26
	PropMaximumPacketSize               byte = 0x27
	PropWildcardSubscriptionAvailable   byte = 0x28
	PropSubscriptionIdentifierAvailable byte = 0x29
	PropSharedSubscriptionAvailable     byte = 0x2A
)

// willScope is the bit of propSpec.allowed standing for CONNECT's Will
// Properties (bit 0 would be the reserved packet type, which has none).
const willScope = 1 << 0

func scope(ts ...Type) uint32 {
	var m uint32
	for _, t := range ts {
		m |= 1 << t
	}
	return m
}

// propSpec describes one property identifier.
type propSpec struct {
	name    string
	kind    PropKind
	allowed uint32 // bit per packet type (1<<Type) plus willScope
	many    bool   // may appear more than once
	// max is the largest value allowed for integer kinds (0: any), e.g.
	// Payload Format Indicator 0/1.
	max uint32
	// nonZero: the value 0 is a Protocol Error (Receive Maximum, Topic Alias…).
	nonZero bool
}

var propSpecs = [256]*propSpec{
	PropPayloadFormatIndicator:          {name: "Payload Format Indicator", kind: KindByte, allowed: scope(PUBLISH) | willScope, max: 1},
	PropMessageExpiryInterval:           {name: "Message Expiry Interval", kind: KindUint32, allowed: scope(PUBLISH) | willScope},
	PropContentType:                     {name: "Content Type", kind: KindString, allowed: scope(PUBLISH) | willScope},
	PropResponseTopic:                   {name: "Response Topic", kind: KindString, allowed: scope(PUBLISH) | willScope},
	PropCorrelationData:                 {name: "Correlation Data", kind: KindBinary, allowed: scope(PUBLISH) | willScope},
	PropSubscriptionIdentifier:          {name: "Subscription Identifier", kind: KindVarint, allowed: scope(PUBLISH, SUBSCRIBE), nonZero: true},
	PropSessionExpiryInterval:           {name: "Session Expiry Interval", kind: KindUint32, allowed: scope(CONNECT, CONNACK, DISCONNECT)},
	PropAssignedClientIdentifier:        {name: "Assigned Client Identifier", kind: KindString, allowed: scope(CONNACK)},
	PropServerKeepAlive:                 {name: "Server Keep Alive", kind: KindUint16, allowed: scope(CONNACK)},
	PropAuthenticationMethod:            {name: "Authentication Method", kind: KindString, allowed: scope(CONNECT, CONNACK, AUTH)},
	PropAuthenticationData:              {name: "Authentication Data", kind: KindBinary, allowed: scope(CONNECT, CONNACK, AUTH)},
	PropRequestProblemInformation:       {name: "Request Problem Information", kind: KindByte, allowed: scope(CONNECT), max: 1},
	PropWillDelayInterval:               {name: "Will Delay Interval", kind: KindUint32, allowed: willScope},
	PropRequestResponseInformation:      {name: "Request Response Information", kind: KindByte, allowed: scope(CONNECT), max: 1},
	PropResponseInformation:             {name: "Response Information", kind: KindString, allowed: scope(CONNACK)},
	PropServerReference:                 {name: "Server Reference", kind: KindString, allowed: scope(CONNACK, DISCONNECT)},
	PropReasonString:                    {name: "Reason String", kind: KindString, allowed: scope(CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH)},
	PropReceiveMaximum:                  {name: "Receive Maximum", kind: KindUint16, allowed: scope(CONNECT, CONNACK), nonZero: true},
	PropTopicAliasMaximum:               {name: "Topic Alias Maximum", kind: KindUint16, allowed: scope(CONNECT, CONNACK)},
	PropTopicAlias:                      {name: "Topic Alias", kind: KindUint16, allowed: scope(PUBLISH), nonZero: true},
	PropMaximumQoS:                      {name: "Maximum QoS", kind: KindByte, allowed: scope(CONNACK), max: 1},
	PropRetainAvailable:                 {name: "Retain Available", kind: KindByte, allowed: scope(CONNACK), max: 1},
	PropUserProperty:                    {name: "User Property", kind: KindStringPair, allowed: scope(CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH) | willScope, many: true},
	PropMaximumPacketSize:               {name: "Maximum Packet Size", kind: KindUint32, allowed: scope(CONNECT, CONNACK), nonZero: true},
	PropWildcardSubscriptionAvailable:   {name: "Wildcard Subscription Available", kind: KindByte, allowed: scope(CONNACK), max: 1},
	PropSubscriptionIdentifierAvailable: {name: "Subscription Identifier Available", kind: KindByte, allowed: scope(CONNACK), max: 1},
	PropSharedSubscriptionAvailable:     {name: "Shared Subscription Available", kind: KindByte, allowed: scope(CONNACK), max: 1},
}

// PropertyName returns the spec name of a property identifier, or
// "Unknown(0xNN)".
func PropertyName(id byte) string {
	if s := propSpecs[id]; s != nil {
		return s.name
	}
	return fmt.Sprintf("Unknown(0x%02X)", id)
}

// PropertyKind returns the data type of a property identifier (0 if unknown).
func PropertyKind(id byte) PropKind {
	if s := propSpecs[id]; s != nil {
		return s.kind
	}
	return 0
}

// Property looks up the first property with the given identifier.
func (p *Packet) Property(id byte) (Property, bool) {
	for _, pr := range p.Properties {
		if pr.ID == id {
			return pr, true
		}
	}
	return Property{}, false
}

// propUint returns an integer property's value.
func propUint(props []Property, id byte) (uint32, bool) {
	for _, pr := range props {
		if pr.ID == id {
			v, ok := pr.Value.(uint32)
			return v, ok
		}
	}
	return 0, false
}

// readProperties reads a Property Length and the properties after it at
// off. where is the packet type (or Reserved with will=true for CONNECT's
// Will Properties) used to check which identifiers are allowed. A property
// the block cannot hold is an error; an unknown identifier ends the block
// with a violation (its length is unknowable) and decoding resumes after the
// block, whose length is known.
func (d *decoder) readProperties(off int, will bool) ([]Property, int, error) {
	field := "property length"
	if will {
		field = "will property length"
	}
	n, start, err := readVarint(d.b, off)
	if err != nil {
		return nil, off, d.fail(field, err)
	}
	if start-off > varintLen(n) {
		d.violate("MQTT-1.5.5-1", "%s uses %d bytes for %d (non-minimal Variable Byte Integer)", field, start-off, n)
	}
	end := start + n
	if n > len(d.b)-start {
		return nil, off, d.fail(field, &Error{Offset: off, Err: ErrTruncated,
			Detail: fmt.Sprintf("property length %d past end (%d bytes left)", n, len(d.b)-start)})
	}
	if n == 0 {
		return nil, end, nil
	}
	block := d.b[:end] // reads past the block's end fail like reads past the packet's
	var allowed uint32
	where := "in " + d.p.Type.String()
	if will {
		allowed = willScope
		where = "in will properties"
	} else {
		allowed = 1 << d.p.Type
	}
	var props []Property
	var seen [256 / 64]uint64
	pos := start
	for pos < end {
		id := block[pos]
		spec := propSpecs[id]
		if spec == nil {
			d.violate("", "unknown property identifier 0x%02X at offset %d %s; rest of the property block (%d bytes) skipped (v5 §2.2.2.2: malformed)", id, pos, where, end-pos-1)
			break
		}
		valOff := pos + 1
		pr := Property{ID: id, Name: spec.name}
		switch spec.kind {
		case KindByte:
			var v byte
			v, pos, err = readByte(block, valOff)
			pr.Value = uint32(v)
		case KindUint16:
			var v uint16
			v, pos, err = readUint16(block, valOff)
			pr.Value = uint32(v)
		case KindUint32:
			var v uint32
			v, pos, err = readUint32(block, valOff)
			pr.Value = v
		case KindVarint:
			var v, next int
			v, next, err = readVarint(block, valOff)
			if err == nil && next-valOff > varintLen(v) {
				d.violate("MQTT-1.5.5-1", "%s uses a non-minimal Variable Byte Integer", spec.name)
			}
			pos = next
			pr.Value = uint32(v)
		case KindString:
			var s []byte
			s, pos, err = readString(block, valOff)
			if err == nil {
				pr.Value = d.str(s, spec.name)
			}
		case KindBinary:
			var s []byte
			s, pos, err = readBinary(block, valOff)
			pr.Value = s
		case KindStringPair:
			var k, v []byte
			k, pos, err = readString(block, valOff)
			if err == nil {
				v, pos, err = readString(block, pos)
			}
			if err == nil {
				pr.Value = [2]string{d.str(k, spec.name+" name"), d.str(v, spec.name+" value")}
			}
		}
		if err != nil {
			return nil, off, d.fail(spec.name+" property", err)
		}
		if allowed&spec.allowed == 0 {
			d.violate("", "property %s (0x%02X) not allowed %s (v5 §2.2.2.2)", spec.name, id, where)
		}
		if seen[id>>6]&(1<<(id&63)) != 0 && !spec.many && !(id == PropSubscriptionIdentifier && d.p.Type == PUBLISH) {
			d.violate("", "property %s (0x%02X) appears more than once %s (Protocol Error)", spec.name, id, where)
		}
		seen[id>>6] |= 1 << (id & 63)
		if v, ok := pr.Value.(uint32); ok && spec.kind != KindString {
			if spec.max != 0 && v > spec.max {
				d.violate("", "property %s value %d out of range 0..%d", spec.name, v, spec.max)
			}
			if spec.nonZero && v == 0 {
				rule := ""
				if id == PropTopicAlias {
					rule = "MQTT-3.3.2-8"
				}
				d.violate(rule, "property %s must not be 0", spec.name)
			}
		}
		if len(props) < maxListed {
			props = append(props, pr)
		} else {
			d.unlistedItems++
		}
	}
	return props, end, nil
}
