package mqtt

import (
	"errors"
	"testing"
)

func TestCodes(t *testing.T) {
	for v, want := range []string{"accepted", "unacceptable protocol version", "identifier rejected",
		"server unavailable", "bad user name or password", "not authorized", "reserved"} {
		eq(t, "ConnackReturnCode", ConnackReturnCode(byte(v)).Reason, want)
	}
	eq(t, "ConnackReturnCode(5).String", ConnackReturnCode(5).String(), "5 (not authorized)")
	var err error = ReasonCode(0x8C)
	var c Code
	if !errors.As(err, &c) || c.Value != 0x8C || err.Error() != "bad authentication method" {
		t.Errorf("ReasonCode as error: %v", err)
	}
	eq(t, "ReasonCode(0xA2)", ReasonCode(0xA2).Reason, "wildcard subscriptions not supported")
	eq(t, "ReasonCode(0x03)", ReasonCode(0x03).Reason, "unknown")
	eq(t, "DISCONNECT 0", ReasonCodeFor(DISCONNECT, 0).Reason, "normal disconnection")
	eq(t, "SUBACK 0", ReasonCodeFor(SUBACK, 0).Reason, "granted QoS 0")
	eq(t, "PUBACK 0", ReasonCodeFor(PUBACK, 0).Reason, "success")
	eq(t, "SubackReturnCode(1)", SubackReturnCode(1).Reason, "granted QoS 1")
	eq(t, "SubackReturnCode(0x80)", SubackReturnCode(0x80).Reason, "failure")
	eq(t, "SubackReturnCode(3)", SubackReturnCode(3).Reason, "reserved")
	// Every reason code a packet type allows has a name.
	for typ, set := range allowedReasonCodes {
		for v := 0; v < 256; v++ {
			if set.has(byte(v)) && ReasonCode(byte(v)).Reason == "unknown" {
				t.Errorf("%v allows unnamed code 0x%02X", typ, v)
			}
		}
	}
}

func TestTypeAndVersionNames(t *testing.T) {
	eq(t, "Reserved", Reserved.String(), "Reserved(0)")
	eq(t, "CONNECT", CONNECT.String(), "CONNECT")
	eq(t, "AUTH", AUTH.String(), "AUTH")
	eq(t, "Type(16)", Type(16).String(), "Type(16)")
	for v, want := range map[byte]string{0: "", 3: "3.1", 4: "3.1.1", 5: "5.0", 6: ""} {
		eq(t, "VersionString", VersionString(v), want)
	}
}

func TestPropertyTable(t *testing.T) {
	eq(t, "name", PropertyName(PropTopicAlias), "Topic Alias")
	eq(t, "unknown", PropertyName(0x7F), "Unknown(0x7F)")
	eq(t, "kind", PropertyKind(PropCorrelationData), KindBinary)
	eq(t, "kind unknown", PropertyKind(0x00), PropKind(0))
	n := 0
	for id, spec := range propSpecs {
		if spec == nil {
			continue
		}
		n++
		if spec.allowed == 0 || spec.kind == 0 || spec.name == "" {
			t.Errorf("property 0x%02X incomplete: %+v", id, spec)
		}
	}
	eq(t, "number of 5.0 properties", n, 27)
}
