package modemsim

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

// Expected bytes are written out by hand from the spec's field layout, so
// the test does not trust the encoder to check itself.
func TestEncodeConnect(t *testing.T) {
	got, err := encodeConnect(connectParams{Version: version311, ClientID: "dev1", CleanSession: true, KeepAlive: 60, Username: ptr("u"), Password: ptr("pw")})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x10, 23, // CONNECT, remaining length
		0, 4, 'M', 'Q', 'T', 'T', 4, // protocol name, level 4 [MQTT-3.1.2-1, -2]
		0xC2,  // user, password, clean session
		0, 60, // keepalive
		0, 4, 'd', 'e', 'v', '1',
		0, 1, 'u',
		0, 2, 'p', 'w',
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("3.1.1 CONNECT\n got % x\nwant % x", got, want)
	}

	got, err = encodeConnect(connectParams{Version: version31, ClientID: "x", KeepAlive: 120,
		Will: &will{Topic: "w", Message: []byte("bye"), QoS: 1, Retain: true}})
	if err != nil {
		t.Fatal(err)
	}
	want = []byte{
		0x10, 23,
		0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, // MQTT 3.1
		0x2C, // will retain, will QoS 1, will flag; clean session off
		0, 120,
		0, 1, 'x',
		0, 1, 'w',
		0, 3, 'b', 'y', 'e',
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("3.1 CONNECT with will\n got % x\nwant % x", got, want)
	}

	if _, err := encodeConnect(connectParams{Version: 5}); err == nil {
		t.Error("protocol level 5 accepted")
	}
	if _, err := encodeConnect(connectParams{Version: 4, ClientID: strings.Repeat("x", 70000)}); err == nil {
		t.Error("client id over 65535 bytes accepted")
	}
}

func TestEncodePublishSubscribeAcks(t *testing.T) {
	cases := []struct {
		name string
		got  func() ([]byte, error)
		want []byte
	}{
		{"PUBLISH QoS 0 has no packet id", func() ([]byte, error) {
			return encodePublish(message{Topic: "a/b", Payload: []byte("hi")})
		}, []byte{0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i'}},
		{"PUBLISH QoS 1 retain", func() ([]byte, error) {
			return encodePublish(message{Topic: "t", Payload: []byte("x"), QoS: 1, Retain: true, ID: 0x0102})
		}, []byte{0x33, 6, 0, 1, 't', 1, 2, 'x'}},
		{"PUBLISH QoS 2 dup", func() ([]byte, error) {
			return encodePublish(message{Topic: "t", QoS: 2, Dup: true, ID: 7})
		}, []byte{0x3C, 5, 0, 1, 't', 0, 7}},
		{"SUBSCRIBE two filters, flags 0010", func() ([]byte, error) {
			return encodeSubscribe(10, []subscription{{"a/#", 1}, {"b", 2}})
		}, []byte{0x82, 12, 0, 10, 0, 3, 'a', '/', '#', 1, 0, 1, 'b', 2}},
		{"UNSUBSCRIBE, flags 0010", func() ([]byte, error) {
			return encodeUnsubscribe(11, []string{"a/#"})
		}, []byte{0xA2, 7, 0, 11, 0, 3, 'a', '/', '#'}},
		{"PUBACK", func() ([]byte, error) { return encodeAck(pktPUBACK, 5), nil }, []byte{0x40, 2, 0, 5}},
		{"PUBREC", func() ([]byte, error) { return encodeAck(pktPUBREC, 5), nil }, []byte{0x50, 2, 0, 5}},
		{"PUBREL flags 0010", func() ([]byte, error) { return encodeAck(pktPUBREL, 5), nil }, []byte{0x62, 2, 0, 5}},
		{"PUBCOMP", func() ([]byte, error) { return encodeAck(pktPUBCOMP, 5), nil }, []byte{0x70, 2, 0, 5}},
		{"PINGREQ", func() ([]byte, error) { return encodePingreq(), nil }, []byte{0xC0, 0}},
		{"DISCONNECT", func() ([]byte, error) { return encodeDisconnect(), nil }, []byte{0xE0, 0}},
	}
	for _, tc := range cases {
		got, err := tc.got()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s\n got % x\nwant % x", tc.name, got, tc.want)
		}
	}
	if _, err := encodePublish(message{Topic: "t", QoS: 1}); err == nil {
		t.Error("QoS 1 PUBLISH without packet id accepted")
	}
	if _, err := encodeSubscribe(1, nil); err == nil {
		t.Error("SUBSCRIBE without filters accepted")
	}
}

func TestRemainingLengthBoundaries(t *testing.T) {
	// [MQTT-2.2.3] table 2.4: the boundaries of 1, 2, 3 and 4 bytes.
	cases := map[int][]byte{
		0: {0x00}, 127: {0x7F}, 128: {0x80, 0x01}, 16383: {0xFF, 0x7F},
		16384: {0x80, 0x80, 0x01}, 2097151: {0xFF, 0xFF, 0x7F},
		2097152: {0x80, 0x80, 0x80, 0x01}, 268435455: {0xFF, 0xFF, 0xFF, 0x7F},
	}
	for n, want := range cases {
		if got := appendRemainingLength(nil, n); !bytes.Equal(got, want) {
			t.Errorf("%d: got % x want % x", n, got, want)
		}
		back, err := readRemainingLength(bytes.NewReader(want))
		if err != nil || back != n {
			t.Errorf("read % x: %d, %v", want, back, err)
		}
	}
	if _, err := readRemainingLength(bytes.NewReader([]byte{0x80, 0x80, 0x80, 0x80, 0x01})); !errors.Is(err, errMalformed) {
		t.Errorf("5-byte length: %v", err)
	}
}

func TestReadPacket(t *testing.T) {
	in := []byte{
		0x20, 2, 0x01, 0x05, // CONNACK session present, rc 5
		0x90, 4, 0, 9, 1, 0x80, // SUBACK id 9: granted 1, failure
		0x3B, 10, 0, 3, 'a', '/', 'b', 0x12, 0x34, 'h', 'e', 'y', // PUBLISH dup QoS1 retain
		0x62, 2, 0, 3, // PUBREL 3
		0xD0, 0, // PINGRESP
	}
	r := bufio.NewReader(bytes.NewReader(in))
	p, err := readPacket(r)
	if err != nil || p.Type != pktCONNACK || !p.SessionPresent || p.ReturnCode != 5 {
		t.Fatalf("CONNACK: %+v %v", p, err)
	}
	p, err = readPacket(r)
	if err != nil || p.Type != pktSUBACK || p.ID != 9 || !bytes.Equal(p.Granted, []byte{1, 0x80}) {
		t.Fatalf("SUBACK: %+v %v", p, err)
	}
	p, err = readPacket(r)
	if err != nil || p.Type != pktPUBLISH || p.Msg.Topic != "a/b" || p.Msg.ID != 0x1234 || string(p.Msg.Payload) != "hey" || !p.Msg.Retain || !p.Msg.Dup || p.Msg.QoS != 1 {
		t.Fatalf("PUBLISH: %+v %v", p, err)
	}
	p, err = readPacket(r)
	if err != nil || p.Type != pktPUBREL || p.ID != 3 {
		t.Fatalf("PUBREL: %+v %v", p, err)
	}
	p, err = readPacket(r)
	if err != nil || p.Type != pktPINGRESP {
		t.Fatalf("PINGRESP: %+v %v", p, err)
	}
	if _, err = readPacket(r); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestReadPacketRejects(t *testing.T) {
	cases := map[string][]byte{
		"PUBLISH QoS 3":           {0x36, 5, 0, 1, 't', 0, 1},
		"topic beyond packet":     {0x30, 3, 0, 9, 't'},
		"QoS 1 without id":        {0x32, 3, 0, 1, 't'},
		"QoS 1 with id 0":         {0x32, 5, 0, 1, 't', 0, 0},
		"CONNACK too long":        {0x20, 3, 0, 0, 0},
		"PUBREL flags 0000":       {0x60, 2, 0, 1},
		"SUBACK without codes":    {0x90, 2, 0, 1},
		"CONNECT from the broker": {0x10, 0},
		"PINGRESP with a body":    {0xD0, 1, 0},
		"over the receive buffer": {0x30, 0xFF, 0xFF, 0xFF, 0x7F},
	}
	for name, in := range cases {
		if _, err := readPacket(bufio.NewReader(bytes.NewReader(in))); !errors.Is(err, errMalformed) {
			t.Errorf("%s: got %v, want a malformed-packet error", name, err)
		}
	}
	if _, err := readPacket(bufio.NewReader(bytes.NewReader([]byte{0x30, 10, 0, 1}))); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated body: %v", err)
	}
}

// FuzzReadPacket: whatever a broker sends, the decoder returns a packet or
// an error — no panic, no allocation beyond the receive-buffer bound — and
// a decoded PUBLISH re-encodes to the same bytes.
func FuzzReadPacket(f *testing.F) {
	for _, s := range [][]byte{
		{0x20, 2, 0, 0}, {0x90, 3, 0, 1, 2}, {0x30, 5, 0, 1, 't', 'h', 'i'},
		{0x34, 7, 0, 1, 't', 0, 9, 'h', 'i'}, {0x62, 2, 0, 1}, {0xD0, 0},
		{0x30, 0xFF, 0xFF, 0xFF, 0x7F}, {0xB0, 2, 0, 4},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		for range 64 {
			p, err := readPacket(r)
			if err != nil {
				return
			}
			if p.Type == pktPUBLISH {
				again, err := encodePublish(p.Msg)
				if err != nil {
					t.Fatalf("re-encode %+v: %v", p.Msg, err)
				}
				back, err := readPacket(bufio.NewReader(bytes.NewReader(again)))
				if err != nil || back.Msg.Topic != p.Msg.Topic || !bytes.Equal(back.Msg.Payload, p.Msg.Payload) || back.Msg.ID != p.Msg.ID {
					t.Fatalf("round trip %+v → % x → %+v %v", p.Msg, again, back.Msg, err)
				}
			}
		}
	})
}

func BenchmarkEncodePublish(b *testing.B) {
	m := message{Topic: "devices/tracker-1/telemetry", Payload: bytes.Repeat([]byte("x"), 200), QoS: 1, ID: 42}
	for b.Loop() {
		if _, err := encodePublish(m); err != nil {
			b.Fatal(err)
		}
	}
}
