package mqtt

import "testing"

func mustConn(t *testing.T, c *Conn, raw []byte, fromClient bool) *Packet {
	t.Helper()
	p, err := c.Decode(raw, fromClient)
	if err != nil {
		t.Fatalf("Decode %x: %v", raw, err)
	}
	return p
}

func TestConnVersionFromConnect(t *testing.T) {
	var c Conn
	mustConn(t, &c, pkt(0x10, s16("MQTT"), raw(5, 2), u16(60), props(), s16("c")), true)
	if v, fromConnect := c.Version(); v != Version5 || !fromConnect {
		t.Fatalf("Version() = %d %v", v, fromConnect)
	}
	// A 2-byte PUBACK is ambiguous alone, but the CONNECT settled it.
	p := mustConn(t, &c, raw(0x40, 2, 0, 1), false)
	eq(t, "Version", p.Version, Version5)
	eq(t, "VersionGuessed", p.VersionGuessed, false)
	// A 5.0 PUBLISH whose property block would be misread as 3.x payload.
	p = mustConn(t, &c, pkt(0x30, s16("t"), props(), []byte("x")), false)
	eq(t, "Payload", string(p.Payload), "x")

	// A new CONNECT on the same connection switches the version.
	mustConn(t, &c, pkt(0x10, s16("MQIsdp"), raw(3, 2), u16(60), s16("c")), true)
	p = mustConn(t, &c, raw(0x20, 2, 0, 0), false)
	eq(t, "Version", p.Version, Version31)
}

func TestConnInfersAndKeepsVersion(t *testing.T) {
	var c Conn
	// Ambiguous first: stays unknown.
	p := mustConn(t, &c, raw(0xC0, 0), true)
	eq(t, "Version", p.Version, VersionUnknown)
	if v, _ := c.Version(); v != VersionUnknown {
		t.Fatalf("Version() = %d after PINGREQ", v)
	}
	// A 5.0 CONNACK (3 bytes and more) is unmistakable.
	p = mustConn(t, &c, pkt(0x20, raw(0, 0), props()), false)
	eq(t, "Version", p.Version, Version5)
	eq(t, "VersionGuessed", p.VersionGuessed, true)
	if v, fromConnect := c.Version(); v != Version5 || fromConnect {
		t.Fatalf("Version() = %d %v", v, fromConnect)
	}
	p = mustConn(t, &c, raw(0x40, 2, 0, 1), true)
	eq(t, "Version", p.Version, Version5)
	eq(t, "VersionGuessed", p.VersionGuessed, true)
}

func TestConnForceVersion(t *testing.T) {
	c := Conn{ForceVersion: Version5}
	// Read as 5.0 the 0x00 is a property length, not payload.
	p := mustConn(t, &c, pkt(0x30, s16("t"), raw(0), []byte("x")), true)
	eq(t, "Version", p.Version, Version5)
	eq(t, "VersionGuessed", p.VersionGuessed, true)
	eq(t, "Payload", string(p.Payload), "x")
	// A CONNECT overrides the forced version.
	mustConn(t, &c, pkt(0x10, s16("MQTT"), raw(4, 2), u16(60), s16("c")), true)
	p = mustConn(t, &c, pkt(0x30, s16("t"), raw(0), []byte("x")), true)
	eq(t, "Version", p.Version, Version311)
	eq(t, "len(Payload)", len(p.Payload), 2)
}

func TestConnTopicAlias(t *testing.T) {
	var c Conn
	mustConn(t, &c, pkt(0x10, s16("MQTT"), raw(5, 2), u16(60), props(), s16("c")), true)
	alias := func(a int) []byte { return props(raw(0x23), u16(a)) }
	// Client defines alias 1; server defines its own alias 1 separately.
	mustConn(t, &c, pkt(0x30, s16("up/data"), alias(1), []byte("a")), true)
	mustConn(t, &c, pkt(0x30, s16("down/cmd"), alias(1), []byte("b")), false)
	p := mustConn(t, &c, pkt(0x30, s16(""), alias(1), []byte("c")), true)
	eq(t, "Topic", p.Topic, "up/data")
	eq(t, "TopicFromAlias", p.TopicFromAlias, true)
	eq(t, "violations", len(p.Violations), 0)
	p = mustConn(t, &c, pkt(0x30, s16(""), alias(1), []byte("d")), false)
	eq(t, "Topic", p.Topic, "down/cmd")
	// Redefinition replaces.
	mustConn(t, &c, pkt(0x30, s16("up/other"), alias(1), nil), true)
	p = mustConn(t, &c, pkt(0x30, s16(""), alias(1), nil), true)
	eq(t, "Topic", p.Topic, "up/other")
	// Unknown alias.
	p = mustConn(t, &c, pkt(0x30, s16(""), alias(7), nil), true)
	eq(t, "Topic", p.Topic, "")
	if len(p.Violations) != 1 {
		t.Fatalf("violations %v", p.Violations)
	}
	// A new CONNECT forgets aliases [MQTT-3.3.2-7].
	mustConn(t, &c, pkt(0x10, s16("MQTT"), raw(5, 2), u16(60), props(), s16("c")), true)
	p = mustConn(t, &c, pkt(0x30, s16(""), alias(1), nil), true)
	eq(t, "TopicFromAlias", p.TopicFromAlias, false)
}

func TestConnAliasMemoryBounded(t *testing.T) {
	var c Conn
	mustConn(t, &c, pkt(0x10, s16("MQTT"), raw(5, 2), u16(60), props(), s16("c")), true)
	topic := make([]byte, 60000)
	for i := range topic {
		topic[i] = 'a'
	}
	for a := 1; a <= 100; a++ {
		mustConn(t, &c, pkt(0x30, s16(string(topic)), props(raw(0x23), u16(a))), true)
	}
	if c.aliasBytes[1] > maxAliasBytes {
		t.Fatalf("alias map holds %d bytes, cap %d", c.aliasBytes[1], maxAliasBytes)
	}
}
