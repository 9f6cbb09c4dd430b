package mqtt

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	cases := []struct {
		name    string
		version byte
		raw     []byte
		redact  bool
		want    string
	}{
		{"CONNECT 3.1.1 redacted", VersionUnknown,
			pkt(0x10, s16("MQTT"), raw(4, 0xEE), u16(60), s16("dev1"), s16("lwt"), s16("off"), s16("u"), s16("pw")), true,
			`{"type":"CONNECT","version":"3.1.1","length":35,"protocol_name":"MQTT","protocol_level":4,"client_id":"dev1","username":"u","password":"***","keepalive":60,"clean_session":true,"will_topic":"lwt","will_payload":"off","will_qos":1,"will_retain":true}`},
		{"CONNECT 5.0 shown", Version5,
			pkt(0x10, s16("MQTT"), raw(5, 0x42), u16(10), props(raw(0x15), s16("PLAIN"), raw(0x16), raw(0, 2, 0xAB, 0xCD)), s16("c"), s16("pw")), false,
			`{"type":"CONNECT","version":"5.0","length":33,"protocol_name":"MQTT","protocol_level":5,"client_id":"c","password":"pw","keepalive":10,"clean_session":true,"properties":[{"name":"Authentication Method","value":"PLAIN"},{"name":"Authentication Data","value":"abcd","hex":true}]}`},
		{"CONNACK 3.1.1", Version311, raw(0x20, 2, 0, 5), false,
			`{"type":"CONNACK","version":"3.1.1","length":4,"return_code":5,"reason":"not authorized","session_present":false}`},
		{"CONNACK 5.0", Version5, pkt(0x20, raw(1, 0), props(raw(0x12), s16("auto-1"))), false,
			`{"type":"CONNACK","version":"5.0","length":14,"reason_code":0,"reason":"success","session_present":true,"properties":[{"name":"Assigned Client Identifier","value":"auto-1"}]}`},
		{"PUBLISH binary QoS 0", Version311, pkt(0x30, s16("b"), raw(0xFF, 0x00)), false,
			`{"type":"PUBLISH","version":"3.1.1","length":7,"topic":"b","qos":0,"retain":false,"dup":false,"payload_length":2,"payload_hex":"ff00"}`},
		{"PUBLISH 5.0 user property", Version5, pkt(0x33, s16("t"), u16(9), props(raw(0x26), s16("k"), s16("v")), []byte("x")), false,
			`{"type":"PUBLISH","version":"5.0","length":16,"topic":"t","packet_id":9,"qos":1,"retain":true,"dup":false,"payload_length":1,"payload":"x","properties":[{"name":"User Property","key":"k","value":"v"}]}`},
		{"SUBSCRIBE 5.0", Version5, pkt(0x82, u16(1), props(), s16("a/#"), raw(0x1D)), false,
			`{"type":"SUBSCRIBE","version":"5.0","length":11,"packet_id":1,"topics":[{"filter":"a/#","qos":1,"no_local":true,"retain_as_published":true,"retain_handling":1}]}`},
		{"SUBACK 3.1.1 with violation", Version311, raw(0x90, 4, 0, 1, 0x80, 3), false,
			`{"type":"SUBACK","version":"3.1.1","length":6,"packet_id":1,"granted":[128,3],"violations":["[MQTT-3.9.3-2] SUBACK return code 0x03 is reserved (allowed: 0, 1, 2, 0x80)"]}`},
		{"UNSUBACK 5.0", Version5, pkt(0xB0, u16(2), props(), raw(0x11)), false,
			`{"type":"UNSUBACK","version":"5.0","length":6,"packet_id":2,"reason_codes":[17]}`},
		{"DISCONNECT 5.0", Version5, raw(0xE0, 1, 0x8E), false,
			`{"type":"DISCONNECT","version":"5.0","length":3,"reason_code":142,"reason":"session taken over"}`},
		{"PINGREQ unknown version", VersionUnknown, raw(0xC0, 0), false,
			`{"type":"PINGREQ","version":"","length":2}`},
		{"PUBACK guessed", VersionUnknown, raw(0x40, 4, 0, 1, 0x10, 0), false,
			`{"type":"PUBACK","version":"5.0","version_guessed":true,"length":6,"reason_code":16,"reason":"no matching subscribers","packet_id":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.raw, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(p.JSON(tc.redact))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
