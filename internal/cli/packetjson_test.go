package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// slowLine is the --json line encoding/json makes for a packet record.
func slowLine(t *testing.T, r netcap.Record, redact bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	p := newJSONPrinter(&buf, packetsOptions{Redact: redact})
	p.fast = false
	if err := p.record(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fastLine(r netcap.Record, redact bool) []byte {
	p := newJSONPrinter(nil, packetsOptions{Redact: redact})
	return p.packetLine(nil, r)
}

func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	if !fastJSON {
		t.Fatal("mqtt.JSON changed: update packetjson.go (until then --json falls back to encoding/json)")
	}
	files, _ := filepath.Glob(captures + "*.pcap*")
	n := 0
	for _, f := range files {
		_, err := netcap.ReadFile(f, netcap.Options{Ports: []uint16{1883, 17501, 18830}}, func(r netcap.Record) {
			if r.Kind != netcap.KindPacket {
				return
			}
			for _, redact := range []bool{false, true} {
				if fast, slow := fastLine(r, redact), slowLine(t, r, redact); !bytes.Equal(fast, slow) {
					t.Fatalf("%s frame %d:\nfast %s\nslow %s", f, r.Frame, fast, slow)
				}
			}
			n++
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 500 {
		t.Fatalf("only %d packets compared", n)
	}
}

func TestFastJSONStrings(t *testing.T) {
	weird := "a\"b\\c\x00\x01\x1f\b\f\n\r\t<>&\u2028\u2029é中\xff\xfe end"
	for _, s := range []string{"", weird, "plain", "\x7f", string([]byte{0xe4, 0xb8})} {
		got := appendJSONString(nil, s)
		want, _ := json.Marshal(s)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		want = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
}

func TestFastJSONEveryField(t *testing.T) {
	// A record whose packet fills every optional field, including the
	// nested ones, through a PUBLISH and a CONNECT built by hand.
	s := func(v string) *string { return &v }
	b := func(v byte) *byte { return &v }
	tr := true
	u := uint16(7)
	n := 12
	j := mqtt.JSON{Type: "CONNECT", Version: "5.0", VersionGuessed: true, Length: 99,
		ProtocolName: s("MQTT"), ProtocolLevel: b(5), ClientID: s("c\"id"), Username: s("u"), Password: s("p"),
		Keepalive: &u, CleanSession: &tr, WillTopic: s("w/t"), WillPayload: s("wp"), WillPayloadHex: s("00ff"),
		WillQoS: b(1), WillRetain: &tr, WillProperties: []mqtt.JSONProperty{{Name: "Will Delay Interval", Value: uint32(5)}},
		ReturnCode: b(0), ReasonCode: b(0x87), Reason: "not authorized", SessionPresent: &tr,
		Topic: s("a/b"), TopicFromAlias: true, PacketID: &u, QoS: b(2), Retain: &tr, Dup: &tr, PayloadLength: &n,
		Payload: s("x\ny"), PayloadHex: s("0a"),
		Topics:  []mqtt.JSONTopic{{Filter: "f/#", QoS: b(1), NoLocal: &tr, RetainAsPublished: &tr, RetainHandling: b(2)}, {Filter: "g"}},
		Granted: []int{0, 1, 128}, ReasonCodes: []int{17},
		Properties: []mqtt.JSONProperty{{Name: "User Property", Key: "k", Value: "v"},
			{Name: "Correlation Data", Value: "0102", Hex: true}, {Name: "X", Value: []int{1}}, {Name: "Y", Value: uint16(3)}},
		Violations: []string{"one", "two"}}
	var fast jsonObject
	fast.b = append(fast.b, '{')
	fast.first = true
	out := append(appendMQTTJSON(fast.b, &j, true), '}')
	want, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("\nfast %s\nslow %s", out, want)
	}
}
