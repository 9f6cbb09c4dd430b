package mqtt

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

type decodeCase struct {
	name    string
	version byte
	raw     []byte
	check   func(t *testing.T, p *Packet)
	// viol lists the expected violations, each a substring of one
	// Violation.String(), in order; any other violation fails the case.
	viol []string
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.raw, tc.version)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if p.Length != len(tc.raw) || !bytes.Equal(p.Raw, tc.raw) {
				t.Errorf("Length %d Raw %x, want %d %x", p.Length, p.Raw, len(tc.raw), tc.raw)
			}
			var got []string
			for _, v := range p.Violations {
				got = append(got, v.String())
			}
			if len(got) != len(tc.viol) {
				t.Fatalf("violations %q, want %d matching %q", got, len(tc.viol), tc.viol)
			}
			for i, w := range tc.viol {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %d = %q, want it to contain %q", i, got[i], w)
				}
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestDecodeConnect(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "3.1 MQIsdp with will and credentials", raw: pkt(0x10, s16("MQIsdp"), raw(3, 0xEE), u16(30), s16("paho12345"),
			s16("dev/lwt"), s16("gone"), s16("alice"), s16("secret")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version31)
				eq(t, "VersionGuessed", p.VersionGuessed, false)
				eq(t, "ProtocolName", p.ProtocolName, "MQIsdp")
				eq(t, "ClientID", p.ClientID, "paho12345")
				eq(t, "WillFlag", p.WillFlag, true)
				eq(t, "WillQoS", p.WillQoS, 1)
				eq(t, "WillRetain", p.WillRetain, true)
				eq(t, "WillTopic", p.WillTopic, "dev/lwt")
				eq(t, "WillPayload", string(p.WillPayload), "gone")
				eq(t, "Username", p.Username, "alice")
				eq(t, "Password", string(p.Password), "secret")
				eq(t, "KeepAlive", p.KeepAlive, 30)
				eq(t, "CleanSession", p.CleanSession, true)
			}},
		{name: "3.1.1 minimal", raw: pkt(0x10, s16("MQTT"), raw(4, 0x02), u16(0), s16("")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version311)
				eq(t, "ClientID", p.ClientID, "")
				eq(t, "UsernameFlag", p.UsernameFlag, false)
			}},
		{name: "5.0 with properties and will properties", raw: pkt(0x10, s16("MQTT"), raw(5, 0xC6), u16(60),
			props(raw(0x11), u32(3600), raw(0x21), u16(20), raw(0x26), s16("k"), s16("v")),
			s16("c5"),
			props(raw(0x18), u32(10), raw(0x01, 1), raw(0x03), s16("text/plain")),
			s16("will/t"), s16("bye"), s16("u"), s16("p")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version5)
				eq(t, "ClientID", p.ClientID, "c5")
				if len(p.Properties) != 3 || p.Properties[0].Name != "Session Expiry Interval" || p.Properties[0].Value != uint32(3600) ||
					p.Properties[1].Value != uint32(20) || p.Properties[2].Value != [2]string{"k", "v"} {
					t.Errorf("Properties = %+v", p.Properties)
				}
				if len(p.WillProperties) != 3 || p.WillProperties[0].Name != "Will Delay Interval" ||
					p.WillProperties[2].Value != "text/plain" {
					t.Errorf("WillProperties = %+v", p.WillProperties)
				}
				eq(t, "WillTopic", p.WillTopic, "will/t")
				eq(t, "Username", p.Username, "u")
			}},
		{name: "5.0 password without user name is allowed", raw: pkt(0x10, s16("MQTT"), raw(5, 0x42), u16(60), props(), s16("c"), s16("tok")),
			check: func(t *testing.T, p *Packet) { eq(t, "Password", string(p.Password), "tok") }},
		{name: "reserved flag", raw: pkt(0x10, s16("MQTT"), raw(4, 0x03), u16(60), s16("c")),
			viol: []string{"[MQTT-3.1.2-3] reserved CONNECT flag set"}},
		{name: "name/level mismatch 3.1.1", raw: pkt(0x10, s16("MQIsdp"), raw(4, 0x02), u16(60), s16("c")),
			viol: []string{"[MQTT-3.1.2-1] protocol name \"MQIsdp\" does not match protocol level 4"}},
		{name: "name/level mismatch 3.1", raw: pkt(0x10, s16("MQTT"), raw(3, 0x02), u16(60), s16("c")),
			viol: []string{"protocol name \"MQTT\" does not match protocol level 3 (expected \"MQIsdp\")"}},
		{name: "unsupported level", version: Version311, raw: pkt(0x10, s16("MQTT"), raw(6, 0x02), u16(60), s16("c")),
			viol: []string{"[MQTT-3.1.2-2] unsupported protocol level 6"},
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, VersionUnknown)
				eq(t, "ClientID", p.ClientID, "c")
			}},
		{name: "bridge bit", raw: pkt(0x10, s16("MQTT"), raw(0x84, 0x02), u16(60), s16("bridge")),
			viol:  []string{"bridge bit"},
			check: func(t *testing.T, p *Packet) { eq(t, "Version", p.Version, Version311) }},
		{name: "will QoS without will flag 3.1.1", raw: pkt(0x10, s16("MQTT"), raw(4, 0x0A), u16(60), s16("c")),
			viol: []string{"[MQTT-3.1.2-13] will QoS 1 without the will flag"}},
		{name: "will retain without will flag 5.0", raw: pkt(0x10, s16("MQTT"), raw(5, 0x22), u16(60), props(), s16("c")),
			viol: []string{"[MQTT-3.1.2-13] will retain set without the will flag"}},
		{name: "will QoS 3", raw: pkt(0x10, s16("MQTT"), raw(4, 0x1E), u16(60), s16("c"), s16("w"), s16("m")),
			viol: []string{"[MQTT-3.1.2-14] will QoS 3"}},
		{name: "password without user name 3.1.1", raw: pkt(0x10, s16("MQTT"), raw(4, 0x42), u16(60), s16("c"), s16("p")),
			viol: []string{"[MQTT-3.1.2-22] password flag set without the user name flag"}},
		{name: "user name flag but nothing left", raw: pkt(0x10, s16("MQTT"), raw(4, 0x82), u16(60), s16("c")),
			viol: []string{"[MQTT-3.1.2-19] user name flag set but no user name present"}},
		{name: "empty client id without clean session", raw: pkt(0x10, s16("MQTT"), raw(4, 0x00), u16(60), s16("")),
			viol: []string{"[MQTT-3.1.3-7] empty client identifier with clean session 0"}},
		{name: "3.1 client id too long", raw: pkt(0x10, s16("MQIsdp"), raw(3, 0x02), u16(60), s16("abcdefghijklmnopqrstuvwxyz12")),
			viol: []string{"client identifier of 28 bytes (MQTT 3.1 requires 1 to 23"}},
		{name: "invalid UTF-8 client id", raw: pkt(0x10, s16("MQTT"), raw(4, 0x02), u16(60), s16("a\xffb")),
			viol: []string{"[MQTT-1.5.3-1] client identifier invalid UTF-8"}},
		{name: "NUL in user name 5.0", raw: pkt(0x10, s16("MQTT"), raw(5, 0x82), u16(60), props(), s16("c"), s16("u\x00")),
			viol: []string{"[MQTT-1.5.4-2] user name contains U+0000"}},
		{name: "wildcard in will topic", raw: pkt(0x10, s16("MQTT"), raw(4, 0x06), u16(60), s16("c"), s16("a/#"), s16("m")),
			viol: []string{"[MQTT-4.7.1-1] wildcard '#' in will topic"}},
		{name: "trailing bytes", raw: pkt(0x10, s16("MQTT"), raw(4, 0x02), u16(60), s16("c"), raw(0xAA, 0xBB)),
			viol: []string{"2 unexpected bytes after the last field of CONNECT (at offset 15)"}},
		{name: "CONNECT with flags", raw: pkt(0x12, s16("MQTT"), raw(4, 0x02), u16(60), s16("c")),
			viol: []string{"[MQTT-2.2.2-1] CONNECT fixed header flags 0x2"}},
		{name: "property not allowed in CONNECT", raw: pkt(0x10, s16("MQTT"), raw(5, 0x02), u16(60), props(raw(0x23), u16(1)), s16("c")),
			viol: []string{"property Topic Alias (0x23) not allowed in CONNECT"}},
		{name: "duplicate property", raw: pkt(0x10, s16("MQTT"), raw(5, 0x02), u16(60), props(raw(0x11), u32(1), raw(0x11), u32(2)), s16("c")),
			viol: []string{"property Session Expiry Interval (0x11) appears more than once in CONNECT"}},
		{name: "property value out of range", raw: pkt(0x10, s16("MQTT"), raw(5, 0x02), u16(60), props(raw(0x17, 2), raw(0x21), u16(0)), s16("c")),
			viol: []string{"Request Problem Information value 2 out of range 0..1", "Receive Maximum must not be 0"}},
		{name: "unknown property skips the block", raw: pkt(0x10, s16("MQTT"), raw(5, 0x02), u16(60), props(raw(0x11), u32(1), raw(0x7F, 1, 2, 3)), s16("cid")),
			viol: []string{"unknown property identifier 0x7F at offset 18 in CONNECT; rest of the property block (3 bytes) skipped"},
			check: func(t *testing.T, p *Packet) {
				eq(t, "ClientID", p.ClientID, "cid")
				eq(t, "len(Properties)", len(p.Properties), 1)
			}},
		{name: "property not allowed in will properties", raw: pkt(0x10, s16("MQTT"), raw(5, 0x06), u16(60), props(), s16("c"), props(raw(0x11), u32(1)), s16("w"), s16("m")),
			viol: []string{"property Session Expiry Interval (0x11) not allowed in will properties"}},
	})
}

func TestDecodeConnack(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "3.1 refused", version: Version31, raw: raw(0x20, 2, 0, 5),
			check: func(t *testing.T, p *Packet) {
				eq(t, "ReturnCode", p.ReturnCode, 5)
				eq(t, "Summary", p.Summary(), "rc=5 (not authorized)")
			}},
		{name: "3.1 reserved byte", version: Version31, raw: raw(0x20, 2, 1, 0),
			viol: []string{"CONNACK reserved byte is 0x01, must be 0 in MQTT 3.1"}},
		{name: "3.1.1 session present", version: Version311, raw: raw(0x20, 2, 1, 0),
			check: func(t *testing.T, p *Packet) {
				eq(t, "SessionPresent", p.SessionPresent, true)
				eq(t, "Summary", p.Summary(), "rc=0 (accepted) sp=1")
			}},
		{name: "3.1.1 return code out of range", version: Version311, raw: raw(0x20, 2, 0, 6),
			viol: []string{"CONNACK return code 6 is reserved"}},
		{name: "3.1.1 session present with refusal", version: Version311, raw: raw(0x20, 2, 1, 4),
			viol: []string{"[MQTT-3.2.2-4] session present set with non-zero return code 4"}},
		{name: "3.1.1 reserved ack flags", version: Version311, raw: raw(0x20, 2, 2, 0),
			viol: []string{"CONNACK acknowledge flags 0x02: reserved bits 7-1 must be 0"}},
		{name: "5.0 refused with properties", version: Version5,
			raw: pkt(0x20, raw(0, 0x87), props(raw(0x1F), s16("denied"), raw(0x13), u16(30))),
			check: func(t *testing.T, p *Packet) {
				eq(t, "ReasonCode", p.ReasonCode, 0x87)
				eq(t, "HasReasonCode", p.HasReasonCode, true)
				eq(t, "Summary", p.Summary(), "rc=0x87 (not authorized)")
				pr, ok := p.Property(PropReasonString)
				eq(t, "Reason String", pr.Value, any("denied"))
				eq(t, "ok", ok, true)
			}},
		{name: "5.0 reason code not for CONNACK", version: Version5, raw: pkt(0x20, raw(0, 0x04), props()),
			viol: []string{"[MQTT-3.2.2-8] reason code 0x04 (disconnect with will message) is not a CONNACK reason code"}},
		{name: "5.0 session present with failure", version: Version5, raw: pkt(0x20, raw(1, 0x80), props()),
			viol: []string{"[MQTT-3.2.2-6] session present set with non-zero reason code 0x80"}},
		{name: "5.0 reserved ack flags", version: Version5, raw: pkt(0x20, raw(0x80, 0), props()),
			viol: []string{"[MQTT-3.2.2-1] CONNACK acknowledge flags 0x80"}},
		{name: "5.0 missing property length", version: Version5, raw: raw(0x20, 2, 0, 0),
			viol: []string{"[MQTT-2.2.2-1] CONNACK has no property length"}},
		{name: "inferred 3.x", raw: raw(0x20, 2, 0, 0),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version311)
				eq(t, "VersionGuessed", p.VersionGuessed, true)
			}},
		{name: "inferred 5.0", raw: pkt(0x20, raw(0, 0x86), props(raw(0x22), u16(10))),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version5)
				eq(t, "VersionGuessed", p.VersionGuessed, true)
				eq(t, "ReasonCode", p.ReasonCode, 0x86)
			}},
	})
}

func TestDecodePublish(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "3.1.1 QoS 0", version: Version311, raw: pkt(0x31, s16("sensors/t1"), []byte(`{"t":21.5}`)),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Topic", p.Topic, "sensors/t1")
				eq(t, "QoS", p.QoS, 0)
				eq(t, "Retain", p.Retain, true)
				eq(t, "Payload", string(p.Payload), `{"t":21.5}`)
				eq(t, "Summary", p.Summary(), `topic="sensors/t1" qos=0 len=10 retain`)
			}},
		{name: "3.1 QoS 2 dup", version: Version31, raw: pkt(0x3C, s16("a"), u16(7), []byte("x")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "QoS", p.QoS, 2)
				eq(t, "Dup", p.Dup, true)
				eq(t, "PacketID", p.PacketID, 7)
			}},
		{name: "5.0 QoS 1 with properties", version: Version5,
			raw: pkt(0x32, s16("a/b"), u16(3), props(raw(0x01, 1), raw(0x02), u32(60), raw(0x08), s16("resp"), raw(0x09), raw(0, 2, 0xCA, 0xFE), raw(0x0B, 0x81, 0x01), raw(0x0B, 0x02)), []byte("hi")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "PacketID", p.PacketID, 3)
				eq(t, "Summary", p.Summary(), `topic="a/b" id=3 qos=1 len=2`)
				if len(p.Properties) != 6 || !bytes.Equal(p.Properties[3].Value.([]byte), []byte{0xCA, 0xFE}) ||
					p.Properties[4].Value != uint32(129) || p.Properties[5].Value != uint32(2) {
					t.Errorf("Properties = %+v", p.Properties)
				}
			}},
		{name: "5.0 empty topic with alias", version: Version5, raw: pkt(0x30, s16(""), props(raw(0x23), u16(4)), []byte("x"))},
		{name: "5.0 empty topic without alias", version: Version5, raw: pkt(0x30, s16(""), props(), []byte("x")),
			viol: []string{"empty PUBLISH topic without a Topic Alias"}},
		{name: "5.0 topic alias 0", version: Version5, raw: pkt(0x30, s16("t"), props(raw(0x23), u16(0))),
			viol: []string{"[MQTT-3.3.2-8] property Topic Alias must not be 0"}},
		{name: "5.0 property not allowed in PUBLISH", version: Version5, raw: pkt(0x30, s16("t"), props(raw(0x11), u32(5))),
			viol: []string{"property Session Expiry Interval (0x11) not allowed in PUBLISH"}},
		{name: "QoS 3", version: Version311, raw: pkt(0x36, s16("t"), u16(1)),
			viol:  []string{"[MQTT-3.3.1-4] PUBLISH with QoS 3"},
			check: func(t *testing.T, p *Packet) { eq(t, "PacketID", p.PacketID, 1) }},
		{name: "packet id 0", version: Version311, raw: pkt(0x32, s16("t"), u16(0)),
			viol: []string{"[MQTT-2.3.1-1] packet identifier 0 in PUBLISH"}},
		{name: "packet id 0 in 5.0", version: Version5, raw: pkt(0x32, s16("t"), u16(0), props()),
			viol: []string{"[MQTT-2.2.1-3] packet identifier 0 in PUBLISH"}},
		{name: "dup on QoS 0", version: Version311, raw: pkt(0x38, s16("t")),
			viol: []string{"[MQTT-3.3.1-2] DUP flag set on a QoS 0 PUBLISH"}},
		{name: "wildcard in topic", version: Version311, raw: pkt(0x30, s16("a/+/c")),
			viol: []string{"[MQTT-3.3.2-2] wildcard '+' in PUBLISH topic \"a/+/c\""}},
		{name: "empty topic 3.1.1", version: Version311, raw: pkt(0x30, s16("")),
			viol: []string{"[MQTT-4.7.3-1] empty PUBLISH topic"}},
		{name: "NUL in topic", version: Version311, raw: pkt(0x30, s16("a\x00b")),
			viol: []string{"[MQTT-1.5.3-2] topic contains U+0000"}},
		{name: "surrogate in topic", version: Version311, raw: pkt(0x30, s16("a\xed\xa0\x80")),
			viol: []string{"[MQTT-1.5.3-1] topic invalid UTF-8"}},
		{name: "non-minimal remaining length", version: Version311, raw: cat(raw(0x30, 0x84, 0x00), s16("a"), raw('z')),
			viol:  []string{"[MQTT-1.5.5-1] remaining length 4 encoded in 2 bytes (non-minimal)"},
			check: func(t *testing.T, p *Packet) { eq(t, "Payload", string(p.Payload), "z") }},
		{name: "remaining length over 4 bytes", version: Version311, raw: cat(raw(0x30, 0x84, 0x80, 0x80, 0x80, 0x00), s16("a"), raw('z')),
			viol: []string{"remaining length 4 encoded in 5 bytes (non-minimal, over the 4-byte maximum)"}},
		{name: "inferred 3.x from text payload", raw: pkt(0x30, s16("t"), []byte("hello")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version311)
				eq(t, "Payload", string(p.Payload), "hello")
			}},
		{name: "inferred 5.0 from properties", raw: pkt(0x30, s16("t"), props(raw(0x03), s16("application/json")), []byte("{}")),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version5)
				eq(t, "Payload", string(p.Payload), "{}")
			}},
	})
}

func TestDecodeAcks(t *testing.T) {
	var cases []decodeCase
	for _, typ := range []Type{PUBACK, PUBREC, PUBREL, PUBCOMP} {
		first := byte(typ) << 4
		if typ == PUBREL {
			first |= 2
		}
		name := typ.String()
		cases = append(cases,
			decodeCase{name: name + " 3.1.1", version: Version311, raw: raw(first, 2, 0, 9),
				check: func(t *testing.T, p *Packet) {
					eq(t, "PacketID", p.PacketID, 9)
					eq(t, "HasReasonCode", p.HasReasonCode, false)
					eq(t, "Summary", p.Summary(), "id=9")
				}},
			decodeCase{name: name + " 3.1.1 trailing", version: Version311, raw: raw(first, 3, 0, 9, 0),
				viol: []string{"1 unexpected bytes after the last field of " + name}},
			decodeCase{name: name + " 5.0 short", version: Version5, raw: raw(first, 2, 0, 9),
				check: func(t *testing.T, p *Packet) { eq(t, "HasReasonCode", p.HasReasonCode, false) }},
			decodeCase{name: name + " 5.0 with reason string", version: Version5,
				raw: pkt(first, u16(9), raw(0x00), props(raw(0x1F), s16("ok"), raw(0x26), s16("a"), s16("b"))),
				check: func(t *testing.T, p *Packet) {
					eq(t, "HasReasonCode", p.HasReasonCode, true)
					eq(t, "len(Properties)", len(p.Properties), 2)
				}},
			decodeCase{name: name + " packet id 0", version: Version311, raw: raw(first, 2, 0, 0),
				viol: []string{"packet identifier 0 in " + name}},
			decodeCase{name: name + " inferred 5.0", raw: raw(first, 3, 0, 9, 0),
				check: func(t *testing.T, p *Packet) {
					eq(t, "Version", p.Version, Version5)
					eq(t, "VersionGuessed", p.VersionGuessed, true)
				}},
			decodeCase{name: name + " ambiguous", raw: raw(first, 2, 0, 9),
				check: func(t *testing.T, p *Packet) {
					eq(t, "Version", p.Version, VersionUnknown)
					eq(t, "VersionGuessed", p.VersionGuessed, false)
				}},
		)
	}
	cases = append(cases,
		decodeCase{name: "PUBACK 5.0 no matching subscribers", version: Version5, raw: raw(0x40, 3, 0, 1, 0x10),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Summary", p.Summary(), "id=1 rc=0x10 (no matching subscribers)")
			}},
		decodeCase{name: "PUBREL 5.0 reason not allowed", version: Version5, raw: raw(0x62, 3, 0, 1, 0x10),
			viol: []string{"reason code 0x10 (no matching subscribers) is not valid in PUBREL"}},
		decodeCase{name: "PUBREL bad flags", version: Version311, raw: raw(0x60, 2, 0, 1),
			viol: []string{"[MQTT-3.6.1-1] PUBREL fixed header flags 0x0, must be 0x2"}},
		decodeCase{name: "PUBREL 3.1 dup allowed", version: Version31, raw: raw(0x6A, 2, 0, 1)},
		decodeCase{name: "PUBACK reserved flags", version: Version311, raw: raw(0x41, 2, 0, 1),
			viol: []string{"[MQTT-2.2.2-1] PUBACK fixed header flags 0x1, reserved bits must be 0"}},
		decodeCase{name: "PUBACK reserved flags 5.0", version: Version5, raw: raw(0x41, 2, 0, 1),
			viol: []string{"[MQTT-2.1.3-1] PUBACK fixed header flags 0x1"}},
	)
	runDecodeCases(t, cases)
}

func TestDecodeSubscribe(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "3.1.1 two filters", version: Version311, raw: pkt(0x82, u16(1), s16("a/#"), raw(1), s16("+/b"), raw(0)),
			check: func(t *testing.T, p *Packet) {
				want := []Subscription{{Filter: "a/#", QoS: 1}, {Filter: "+/b", QoS: 0}}
				if !slices.Equal(p.Subscriptions, want) {
					t.Errorf("Subscriptions = %+v", p.Subscriptions)
				}
				eq(t, "Summary", p.Summary(), `id=1 filters="a/#"@1,"+/b"@0`)
			}},
		{name: "5.0 options and subscription identifier", version: Version5,
			raw: pkt(0x82, u16(2), props(raw(0x0B, 5), raw(0x26), s16("k"), s16("v")), s16("x/y"), raw(0x2E)),
			check: func(t *testing.T, p *Packet) {
				want := []Subscription{{Filter: "x/y", QoS: 2, NoLocal: true, RetainAsPublished: true, RetainHandling: 2}}
				if !slices.Equal(p.Subscriptions, want) {
					t.Errorf("Subscriptions = %+v", p.Subscriptions)
				}
				eq(t, "len(Properties)", len(p.Properties), 2)
			}},
		{name: "5.0 subscription identifier twice", version: Version5, raw: pkt(0x82, u16(2), props(raw(0x0B, 5), raw(0x0B, 6)), s16("x"), raw(0)),
			viol: []string{"property Subscription Identifier (0x0B) appears more than once in SUBSCRIBE"}},
		{name: "no filters 3.1.1", version: Version311, raw: pkt(0x82, u16(1)),
			viol: []string{"[MQTT-3.8.3-3] SUBSCRIBE without any topic filter"}},
		{name: "no filters 5.0", version: Version5, raw: pkt(0x82, u16(1), props()),
			viol: []string{"[MQTT-3.8.3-2] SUBSCRIBE without any topic filter"}},
		{name: "bad flags", version: Version311, raw: pkt(0x80, u16(1), s16("a"), raw(0)),
			viol: []string{"[MQTT-3.8.1-1] SUBSCRIBE fixed header flags 0x0, must be 0x2"}},
		{name: "packet id 0", version: Version311, raw: pkt(0x82, u16(0), s16("a"), raw(0)),
			viol: []string{"[MQTT-2.3.1-1] packet identifier 0 in SUBSCRIBE"}},
		{name: "requested QoS 3 3.1.1", version: Version311, raw: pkt(0x82, u16(1), s16("a"), raw(3)),
			viol: []string{"[MQTT-3-8.3-4] requested QoS byte 0x03"}},
		{name: "reserved bits 3.1.1", version: Version311, raw: pkt(0x82, u16(1), s16("a"), raw(0x41)),
			viol: []string{"[MQTT-3-8.3-4] requested QoS byte 0x41"}},
		{name: "5.0 reserved option bits", version: Version5, raw: pkt(0x82, u16(1), props(), s16("a"), raw(0x80)),
			viol: []string{"[MQTT-3.8.3-5] reserved subscription option bits 0x80 set for \"a\""}},
		{name: "5.0 QoS 3 and retain handling 3", version: Version5, raw: pkt(0x82, u16(1), props(), s16("a"), raw(0x33)),
			viol: []string{"requested QoS 3 for \"a\"", "retain handling 3 for \"a\""}},
		{name: "5.0 no local on shared", version: Version5, raw: pkt(0x82, u16(1), props(), s16("$share/g/a"), raw(0x04)),
			viol: []string{"[MQTT-3.8.3-4] no local set on shared subscription"}},
		{name: "hash not last", version: Version311, raw: pkt(0x82, u16(1), s16("a/#/b"), raw(0)),
			viol: []string{"[MQTT-4.7.1-2] '#' must be the last character and a whole level in filter \"a/#/b\""}},
		{name: "hash inside level", version: Version311, raw: pkt(0x82, u16(1), s16("a/b#"), raw(0)),
			viol: []string{"[MQTT-4.7.1-2]"}},
		{name: "plus inside level", version: Version311, raw: pkt(0x82, u16(1), s16("a/b+/c"), raw(0)),
			viol: []string{"[MQTT-4.7.1-3] '+' must occupy a whole level in filter \"a/b+/c\""}},
		{name: "3.1 retried SUBSCRIBE with DUP", version: Version31, raw: pkt(0x8A, u16(1), s16("a"), raw(1))},
		{name: "3.1.1 SUBSCRIBE with DUP", version: Version311, raw: pkt(0x8A, u16(1), s16("a"), raw(1)),
			viol: []string{"[MQTT-3.8.1-1] SUBSCRIBE fixed header flags 0xA, must be 0x2"}},
		{name: "valid wildcards", version: Version311, raw: pkt(0x82, u16(1), s16("+/+/#"), raw(0), s16("#"), raw(0), s16("/+"), raw(0))},
		{name: "empty filter", version: Version311, raw: pkt(0x82, u16(1), s16(""), raw(0)),
			viol: []string{"[MQTT-4.7.3-1] empty topic filter"}},
		{name: "inferred 3.x", raw: pkt(0x82, u16(1), s16("a/b"), raw(1)),
			check: func(t *testing.T, p *Packet) { eq(t, "Version", p.Version, Version311) }},
		{name: "inferred 5.0", raw: pkt(0x82, u16(1), props(), s16("a/b"), raw(1)),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version5)
				eq(t, "Filter", p.Subscriptions[0].Filter, "a/b")
			}},
	})
}

func TestDecodeSubackUnsub(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "SUBACK 3.1.1", version: Version311, raw: raw(0x90, 5, 0, 1, 0, 2, 0x80),
			check: func(t *testing.T, p *Packet) {
				if !bytes.Equal(p.Granted, []byte{0, 2, 0x80}) {
					t.Errorf("Granted = %v", p.Granted)
				}
				eq(t, "Summary", p.Summary(), "id=1 granted=[0 2 0x80]")
			}},
		{name: "SUBACK 3.1.1 reserved code", version: Version311, raw: raw(0x90, 3, 0, 1, 3),
			viol: []string{"[MQTT-3.9.3-2] SUBACK return code 0x03 is reserved"}},
		{name: "SUBACK no codes", version: Version311, raw: raw(0x90, 2, 0, 1),
			viol: []string{"SUBACK without any return code"}},
		{name: "SUBACK 5.0", version: Version5, raw: pkt(0x90, u16(4), props(raw(0x1F), s16("r")), raw(0x01, 0x87, 0xA2)),
			check: func(t *testing.T, p *Packet) {
				if !bytes.Equal(p.Granted, []byte{1, 0x87, 0xA2}) {
					t.Errorf("Granted = %v", p.Granted)
				}
			}},
		{name: "SUBACK 5.0 bad code", version: Version5, raw: pkt(0x90, u16(4), props(), raw(0x10)),
			viol: []string{"reason code 0x10 (no matching subscribers) is not a SUBACK reason code"}},
		{name: "UNSUBSCRIBE 3.1.1", version: Version311, raw: pkt(0xA2, u16(3), s16("a/b"), s16("c")),
			check: func(t *testing.T, p *Packet) {
				want := []Subscription{{Filter: "a/b"}, {Filter: "c"}}
				if !slices.Equal(p.Subscriptions, want) {
					t.Errorf("Subscriptions = %+v", p.Subscriptions)
				}
				eq(t, "Summary", p.Summary(), `id=3 filters="a/b","c"`)
			}},
		{name: "UNSUBSCRIBE 5.0", version: Version5, raw: pkt(0xA2, u16(3), props(raw(0x26), s16("k"), s16("v")), s16("a/b"))},
		{name: "UNSUBSCRIBE empty", version: Version311, raw: pkt(0xA2, u16(3)),
			viol: []string{"[MQTT-3.10.3-2] UNSUBSCRIBE without any topic filter"}},
		{name: "UNSUBSCRIBE bad flags", version: Version311, raw: pkt(0xA0, u16(3), s16("a")),
			viol: []string{"[MQTT-3.10.1-1] UNSUBSCRIBE fixed header flags 0x0, must be 0x2"}},
		{name: "UNSUBACK 3.1.1", version: Version311, raw: raw(0xB0, 2, 0, 3),
			check: func(t *testing.T, p *Packet) { eq(t, "PacketID", p.PacketID, 3) }},
		{name: "UNSUBACK 5.0", version: Version5, raw: pkt(0xB0, u16(3), props(), raw(0x00, 0x11)),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Summary", p.Summary(), "id=3 rc=[0 17]")
			}},
		{name: "UNSUBACK 5.0 no codes", version: Version5, raw: pkt(0xB0, u16(3), props()),
			viol: []string{"UNSUBACK without any reason code"}},
		{name: "UNSUBACK inferred 5.0", raw: pkt(0xB0, u16(3), props(), raw(0x00)),
			check: func(t *testing.T, p *Packet) { eq(t, "Version", p.Version, Version5) }},
	})
}

func TestDecodeSmallTypes(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{name: "PINGREQ", version: Version311, raw: raw(0xC0, 0)},
		{name: "PINGRESP trailing", version: Version311, raw: raw(0xD0, 1, 0),
			viol: []string{"1 unexpected bytes after the last field of PINGRESP"}},
		{name: "PINGREQ flags", version: Version311, raw: raw(0xC4, 0),
			viol: []string{"[MQTT-2.2.2-1] PINGREQ fixed header flags 0x4"}},
		{name: "DISCONNECT 3.1.1", version: Version311, raw: raw(0xE0, 0)},
		{name: "DISCONNECT 5.0 with will", version: Version5, raw: raw(0xE0, 1, 0x04),
			check: func(t *testing.T, p *Packet) { eq(t, "Summary", p.Summary(), "rc=0x04 (disconnect with will message)") }},
		{name: "DISCONNECT 5.0 session taken over", version: Version5, raw: pkt(0xE0, raw(0x8E), props(raw(0x1C), s16("other"))),
			check: func(t *testing.T, p *Packet) {
				eq(t, "ReasonCode", p.ReasonCode, 0x8E)
				eq(t, "len(Properties)", len(p.Properties), 1)
			}},
		{name: "DISCONNECT 5.0 reason not allowed", version: Version5, raw: raw(0xE0, 1, 0x86),
			viol: []string{"reason code 0x86 (bad user name or password) is not valid in DISCONNECT"}},
		{name: "DISCONNECT inferred 5.0", raw: raw(0xE0, 1, 0x00),
			check: func(t *testing.T, p *Packet) {
				eq(t, "Version", p.Version, Version5)
				eq(t, "Summary", p.Summary(), "rc=0x00 (normal disconnection)")
			}},
		{name: "AUTH 5.0", version: Version5, raw: pkt(0xF0, raw(0x18), props(raw(0x15), s16("SCRAM-SHA-1"), raw(0x16), raw(0, 3, 1, 2, 3))),
			check: func(t *testing.T, p *Packet) {
				eq(t, "ReasonCode", p.ReasonCode, 0x18)
				eq(t, "len(Properties)", len(p.Properties), 2)
			}},
		{name: "AUTH 5.0 empty", version: Version5, raw: raw(0xF0, 0)},
		{name: "AUTH in 3.1.1", version: Version311, raw: raw(0xF0, 0),
			viol: []string{"AUTH packet in MQTT 3.1.1 (only defined in 5.0)"}},
		{name: "AUTH inferred", raw: raw(0xF0, 1, 0x19),
			check: func(t *testing.T, p *Packet) { eq(t, "Version", p.Version, Version5) }},
		{name: "reserved type 0", version: Version311, raw: raw(0x00, 2, 0, 0),
			viol:  []string{"reserved packet type 0 (forbidden)"},
			check: func(t *testing.T, p *Packet) { eq(t, "Type", p.Type.String(), "Reserved(0)") }},
	})
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name    string
		version byte
		raw     []byte
		field   string
		offset  int
		cause   error
	}{
		{"empty", Version311, nil, "fixed header", 0, ErrTruncated},
		{"varint unfinished", Version311, raw(0x30, 0x80), "remaining length", 1, ErrTruncated},
		{"varint too large", Version311, raw(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), "remaining length", 1, ErrMalformed},
		{"body shorter than remaining length", Version311, raw(0x30, 5, 0, 1, 'a'), "packet", 2, ErrTruncated},
		{"topic cut by the end of the bytes", Version311, raw(0x30, 9, 0, 5, 'a'), "topic", 2, ErrTruncated},
		{"CONNECT protocol name", Version311, raw(0x10, 1, 0), "protocol name", 2, ErrTruncated},
		{"CONNECT client id past end", Version311, pkt(0x10, s16("MQTT"), raw(4, 2), u16(60), raw(0, 9, 'a')), "client identifier", 12, ErrTruncated},
		{"CONNECT password past end", Version311, pkt(0x10, s16("MQTT"), raw(4, 0xC2), u16(60), s16("c"), s16("u"), raw(0, 4, 'p')), "password", 18, ErrTruncated},
		{"5.0 property length past end", Version5, pkt(0x30, s16("t"), raw(0x7F)), "property length", 5, ErrTruncated},
		{"5.0 property value past block", Version5, pkt(0x30, s16("t"), raw(2, 0x02, 0, 0, 0, 0)), "Message Expiry Interval property", 7, ErrTruncated},
		{"5.0 user property value missing", Version5, pkt(0x30, s16("t"), props(raw(0x26), s16("k"))), "User Property property", 10, ErrTruncated},
		{"PUBACK packet id", Version311, raw(0x40, 1, 0), "packet identifier", 2, ErrTruncated},
		{"SUBSCRIBE options missing", Version311, pkt(0x82, u16(1), s16("a")), "subscription options", 7, ErrTruncated},
		{"CONNACK return code missing", Version311, raw(0x20, 1, 0), "return code", 3, ErrTruncated},
		{"will properties past end", Version5, pkt(0x10, s16("MQTT"), raw(5, 0x06), u16(60), props(), s16("c"), raw(9)), "will property length", 16, ErrTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.raw, tc.version)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Field != tc.field || e.Offset != tc.offset || !errors.Is(err, tc.cause) {
				t.Errorf("err = %v (field %q offset %d), want field %q offset %d cause %v", err, e.Field, e.Offset, tc.field, tc.offset, tc.cause)
			}
		})
	}
}

func TestDecodeCopiesInput(t *testing.T) {
	b := pkt(0x30, s16("t"), []byte("abc"))
	p, err := Decode(b, Version311)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if p.Topic != "t" || string(p.Payload) != "abc" {
		t.Errorf("packet changed with its input: %q %q", p.Topic, p.Payload)
	}
}

func TestDecodeIgnoresBytesAfterPacket(t *testing.T) {
	p, err := Decode(cat(raw(0xC0, 0), raw(0xD0, 0)), Version311)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Type", p.Type, PINGREQ)
	eq(t, "Length", p.Length, 2)
}

func TestDecodeCapsExpansion(t *testing.T) {
	// 10000 empty filters: 3 bytes each on the wire.
	body := cat(u16(1), bytes.Repeat(raw(0, 0, 0), 10000))
	p, err := Decode(pkt(0x82, body), Version311)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Subscriptions) != maxListed {
		t.Errorf("listed %d subscriptions, want cap %d", len(p.Subscriptions), maxListed)
	}
	if len(p.Violations) != maxViolations+2 {
		t.Fatalf("%d violations", len(p.Violations))
	}
	if got := p.Violations[maxViolations].Message; got != "5904 further topic filters or properties decoded but not listed (limit 4096 per packet)" {
		t.Errorf("cap note = %q", got)
	}
	if got := p.Violations[maxViolations+1].Message; got != "9968 further violations not listed" {
		t.Errorf("cap note = %q", got)
	}
}

func TestDecodeTruncatedKeepsWhatArrived(t *testing.T) {
	// The first bytes of an oversize PUBLISH, as StreamSplitter hands them.
	full := pkt(0x32, s16("big/topic"), u16(7), bytes.Repeat([]byte{'x'}, 1000))
	p, err := Decode(full[:100], VersionUnknown)
	if !errors.Is(err, ErrTruncated) || p == nil {
		t.Fatalf("p %v err %v", p, err)
	}
	eq(t, "Topic", p.Topic, "big/topic")
	eq(t, "PacketID", p.PacketID, 7)
	eq(t, "Length", p.Length, len(full))
	eq(t, "len(Raw)", len(p.Raw), 100)
}

func TestConnTruncatedConnectStillSetsVersion(t *testing.T) {
	var c Conn
	full := pkt(0x10, s16("MQTT"), raw(5, 2), u16(60), props(), s16("client"))
	if _, err := c.Decode(full[:len(full)-3], true); !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v", err)
	}
	if v, fromConnect := c.Version(); v != Version5 || !fromConnect {
		t.Fatalf("Version() = %d %v", v, fromConnect)
	}
}
