package mqtt

import "strconv"

// Bounds on the topic-alias maps a Conn keeps, so a hostile peer defining
// 65535 aliases of 65535-byte topics cannot make it hold gigabytes.
const (
	maxAliasBytes = 1 << 20 // topic bytes stored per direction
)

// Conn is the decoding state of one MQTT connection, both directions: the
// protocol version (from the CONNECT, else inferred from packet shapes, else
// ForceVersion) and the topic-alias maps of each direction, which a new
// CONNECT resets [MQTT-3.3.2-7].
type Conn struct {
	// ForceVersion is the version assumed for packets seen before any
	// CONNECT (like Wireshark's mqtt.default_version); 0 = infer from each
	// packet's shape. A CONNECT's protocol level always wins.
	ForceVersion byte

	version     byte // from CONNECT, or inferred with confidence
	fromConnect bool

	aliases    [2]map[uint16]string // [1] client→server, [0] server→client
	aliasBytes [2]int
}

// Version reports the version the connection is decoded with and whether a
// CONNECT established it (false: inferred or forced, or 0 when unknown).
func (c *Conn) Version() (v byte, fromConnect bool) {
	if c.version == 0 {
		return c.ForceVersion, false
	}
	return c.version, c.fromConnect
}

// Decode decodes one complete packet travelling in the given direction and
// updates the connection state. See Decode for the error contract.
func (c *Conn) Decode(raw []byte, fromClient bool) (*Packet, error) {
	var (
		p         *Packet
		confident bool
		err       error
	)
	switch {
	case len(raw) > 0 && Type(raw[0]>>4) == CONNECT:
		p, _, err = decode(raw, c.ForceVersion, true)
		// Even a malformed CONNECT (a truncated payload) that got as far
		// as its protocol level has started a new session.
		if p != nil && (err == nil || p.Version != VersionUnknown) {
			c.aliases = [2]map[uint16]string{}
			c.aliasBytes = [2]int{}
			if p.Version != VersionUnknown {
				c.version, c.fromConnect = p.Version, true
			}
		}
		return p, err
	case c.version != VersionUnknown:
		p, _, err = decode(raw, c.version, true)
		if p != nil {
			p.VersionGuessed = !c.fromConnect
		}
	case c.ForceVersion != VersionUnknown:
		p, _, err = decode(raw, c.ForceVersion, true)
		if p != nil {
			p.VersionGuessed = true
		}
	default:
		p, confident, err = decode(raw, VersionUnknown, true)
		if err == nil && confident && p.Version != VersionUnknown {
			c.version = p.Version
		}
	}
	if err == nil && p.Type == PUBLISH && p.Version == Version5 {
		c.resolveAlias(p, fromClient)
	}
	return p, err
}

// resolveAlias records a Topic Alias defined by a PUBLISH or fills the topic
// of a PUBLISH that uses one (5.0 §3.3.2.3.4). Aliases are per direction.
func (c *Conn) resolveAlias(p *Packet, fromClient bool) {
	v, ok := propUint(p.Properties, PropTopicAlias)
	if !ok || v == 0 {
		return
	}
	alias := uint16(v)
	dir := 0
	if fromClient {
		dir = 1
	}
	m := c.aliases[dir]
	if p.Topic != "" {
		old, had := m[alias]
		grow := len(p.Topic) - len(old)
		if c.aliasBytes[dir]+grow > maxAliasBytes {
			return
		}
		if m == nil {
			m = make(map[uint16]string)
			c.aliases[dir] = m
		}
		if !had || old != p.Topic {
			m[alias] = p.Topic
			c.aliasBytes[dir] += grow
		}
		return
	}
	if t, ok := m[alias]; ok {
		p.Topic, p.TopicFromAlias = t, true
		return
	}
	p.Violations = append(p.Violations, Violation{
		Message: "topic alias " + strconv.Itoa(int(alias)) + " used before being defined on this connection (Protocol Error 0x94, or defined before the capture started)",
	})
}
