package mqtt

import (
	"strconv"
	"strings"
)

// Summary returns the packet's key fields for one table row, e.g.
// `client_id="dev1" user="u" keepalive=60 clean=1`, `topic="a/b" id=3 qos=1
// len=5`, `rc=5 (not authorized)`.
func (p *Packet) Summary() string {
	var b strings.Builder
	field := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	flag := func(k string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
	}
	id := func() { field("id", strconv.Itoa(int(p.PacketID))) }
	reason := func() {
		if p.HasReasonCode {
			c := ReasonCodeFor(p.Type, p.ReasonCode)
			field("rc", "0x"+hex2(c.Value)+" ("+c.Reason+")")
		}
	}
	switch p.Type {
	case CONNECT:
		field("client_id", strconv.Quote(p.ClientID))
		if p.UsernameFlag {
			field("user", strconv.Quote(p.Username))
		}
		if p.PasswordFlag {
			flag("password")
		}
		field("keepalive", strconv.Itoa(int(p.KeepAlive)))
		field("clean", boolDigit(p.CleanSession))
		if p.WillFlag {
			field("will", strconv.Quote(p.WillTopic))
		}
		if v := VersionString(p.ProtocolLevel & 0x7f); v != "" {
			field("v", v)
		} else {
			field("level", strconv.Itoa(int(p.ProtocolLevel)))
		}
	case CONNACK:
		if p.Version == Version5 {
			reason()
		} else {
			c := ConnackReturnCode(p.ReturnCode)
			field("rc", strconv.Itoa(int(c.Value))+" ("+c.Reason+")")
		}
		if p.SessionPresent {
			field("sp", "1")
		}
	case PUBLISH:
		field("topic", strconv.Quote(p.Topic))
		if p.TopicFromAlias {
			flag("(alias)")
		}
		if p.QoS > 0 {
			id()
		}
		field("qos", strconv.Itoa(int(p.QoS)))
		field("len", strconv.Itoa(len(p.Payload)))
		if p.Retain {
			flag("retain")
		}
		if p.Dup {
			flag("dup")
		}
	case PUBACK, PUBREC, PUBREL, PUBCOMP:
		id()
		reason()
	case SUBSCRIBE, UNSUBSCRIBE:
		id()
		var fs []string
		for _, s := range p.Subscriptions {
			f := strconv.Quote(s.Filter)
			if p.Type == SUBSCRIBE {
				f += "@" + strconv.Itoa(int(s.QoS))
			}
			fs = append(fs, f)
		}
		field("filters", strings.Join(fs, ","))
	case SUBACK, UNSUBACK:
		id()
		if len(p.Granted) > 0 {
			var cs []string
			for _, c := range p.Granted {
				if c >= 0x80 {
					cs = append(cs, "0x"+hex2(c))
				} else {
					cs = append(cs, strconv.Itoa(int(c)))
				}
			}
			k := "granted"
			if p.Type == UNSUBACK {
				k = "rc"
			}
			field(k, "["+strings.Join(cs, " ")+"]")
		}
	case DISCONNECT, AUTH:
		reason()
	}
	return b.String()
}

func boolDigit(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func hex2(c byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[c>>4], digits[c&15]})
}
