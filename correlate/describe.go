package correlate

import (
	"fmt"
	"strings"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// maxShown bounds how much of a payload a timeline row shows.
const maxShown = 48

// describeRecord writes one capture record for people, on one line.
// Passwords are never shown, only their length.
func describeRecord(r *netcap.Record) string {
	switch {
	case r.Kind == netcap.KindPacket && r.Packet != nil:
		s := describePacket(r.Packet)
		if r.Midstream {
			s += " (mid-stream)"
		}
		return s
	case r.Event != nil:
		return describeEvent(r.Event)
	}
	return "?"
}

func describeEvent(e *netcap.Event) string {
	if e.DNS != nil {
		d := e.DNS
		if !d.Response {
			return fmt.Sprintf("DNS query %s", d.Name)
		}
		if d.Rcode != 0 {
			return fmt.Sprintf("DNS answer %s: %s", d.Name, rcodeName(d.Rcode))
		}
		if len(d.Answers) == 0 {
			return fmt.Sprintf("DNS answer %s: no address", d.Name)
		}
		var as []string
		for _, ip := range d.Answers {
			as = append(as, ip.String())
		}
		return fmt.Sprintf("DNS answer %s → %s", d.Name, strings.Join(as, ", "))
	}
	s := strings.TrimPrefix(e.Type, "TCP-")
	if e.By != "" && (e.Type == netcap.EventFIN || e.Type == netcap.EventRST || e.Type == netcap.EventTLSAlert) {
		s += " by " + e.By
	}
	if e.SNI != "" {
		s += " SNI=" + e.SNI
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func describePacket(p *mqtt.Packet) string {
	var b strings.Builder
	b.WriteString(p.Type.String())
	switch p.Type {
	case mqtt.CONNECT:
		fmt.Fprintf(&b, " id=%q", p.ClientID)
		if p.UsernameFlag {
			fmt.Fprintf(&b, " user=%q", p.Username)
		}
		if p.PasswordFlag {
			fmt.Fprintf(&b, " pass=<%d bytes>", len(p.Password))
		}
		fmt.Fprintf(&b, " v%s ka=%d", orDefault(mqtt.VersionString(p.ProtocolLevel), fmt.Sprint(p.ProtocolLevel)), p.KeepAlive)
		if p.CleanSession {
			b.WriteString(" clean")
		}
		if p.WillFlag {
			fmt.Fprintf(&b, " will=%q", p.WillTopic)
		}
	case mqtt.CONNACK:
		if p.Version == mqtt.Version5 {
			fmt.Fprintf(&b, " 0x%02X %s", p.ReasonCode, mqtt.ReasonCode(p.ReasonCode).Reason)
		} else {
			fmt.Fprintf(&b, " %d %s", p.ReturnCode, mqtt.ConnackReturnCode(p.ReturnCode).Reason)
		}
		if p.SessionPresent {
			b.WriteString(" session-present")
		}
	case mqtt.PUBLISH:
		fmt.Fprintf(&b, " %q qos=%d", p.Topic, p.QoS)
		if p.QoS > 0 {
			fmt.Fprintf(&b, " id=%d", p.PacketID)
		}
		if p.Dup {
			b.WriteString(" dup")
		}
		if p.Retain {
			b.WriteString(" retain")
		}
		fmt.Fprintf(&b, " %s", shortPayload(p.Payload))
	case mqtt.PUBACK, mqtt.PUBREC, mqtt.PUBREL, mqtt.PUBCOMP:
		fmt.Fprintf(&b, " id=%d", p.PacketID)
		if p.HasReasonCode && p.ReasonCode != 0 {
			fmt.Fprintf(&b, " 0x%02X %s", p.ReasonCode, mqtt.ReasonCode(p.ReasonCode).Reason)
		}
	case mqtt.SUBSCRIBE, mqtt.UNSUBSCRIBE:
		fmt.Fprintf(&b, " id=%d", p.PacketID)
		for _, s := range p.Subscriptions {
			if p.Type == mqtt.SUBSCRIBE {
				fmt.Fprintf(&b, " %q qos=%d", s.Filter, s.QoS)
			} else {
				fmt.Fprintf(&b, " %q", s.Filter)
			}
		}
	case mqtt.SUBACK, mqtt.UNSUBACK:
		fmt.Fprintf(&b, " id=%d", p.PacketID)
		if len(p.Granted) > 0 {
			var gs []string
			for _, g := range p.Granted {
				gs = append(gs, fmt.Sprintf("0x%02X", g))
			}
			fmt.Fprintf(&b, " [%s]", strings.Join(gs, " "))
		}
	case mqtt.DISCONNECT:
		if p.HasReasonCode {
			fmt.Fprintf(&b, " 0x%02X %s", p.ReasonCode, mqtt.ReasonCodeFor(mqtt.DISCONNECT, p.ReasonCode).Reason)
		}
	}
	if len(p.Violations) > 0 {
		fmt.Fprintf(&b, " [%d violation(s): %s]", len(p.Violations), p.Violations[0].Message)
	}
	return b.String()
}

// shortPayload quotes a payload, cut to maxShown bytes.
func shortPayload(b []byte) string {
	if len(b) <= maxShown {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q…(%d bytes)", b[:maxShown], len(b))
}
