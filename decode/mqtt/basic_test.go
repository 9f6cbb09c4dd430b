package mqtt

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecodeBasicShapes(t *testing.T) {
	// 3.1.1 CONNECT: client "dev1", user "u", password "p", keepalive 60.
	c := pkt(0x10, s16("MQTT"), raw(4, 0xC2), u16(60), s16("dev1"), s16("u"), s16("p"))
	p, err := Decode(c, VersionUnknown)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != CONNECT || p.Version != Version311 || p.ClientID != "dev1" || p.Username != "u" || string(p.Password) != "p" || p.KeepAlive != 60 || !p.CleanSession {
		t.Fatalf("CONNECT decoded wrong: %+v", p)
	}
	if len(p.Violations) != 0 {
		t.Fatalf("unexpected violations %v", p.Violations)
	}
	if got, want := p.Summary(), `client_id="dev1" user="u" password keepalive=60 clean=1 v=3.1.1`; got != want {
		t.Errorf("Summary = %s, want %s", got, want)
	}
	j, _ := json.Marshal(p.JSON(true))
	if !strings.Contains(string(j), `"password":"***"`) || !strings.Contains(string(j), `"client_id":"dev1"`) {
		t.Errorf("JSON = %s", j)
	}

	// QoS 0 PUBLISH must still show qos 0.
	pub := pkt(0x30, s16("a/b"), []byte("hi"))
	p, err = Decode(pub, Version311)
	if err != nil {
		t.Fatal(err)
	}
	j, _ = json.Marshal(p.JSON(false))
	if !strings.Contains(string(j), `"qos":0`) || !strings.Contains(string(j), `"payload":"hi"`) {
		t.Errorf("JSON = %s", j)
	}

	// Truncated: topic length past end.
	_, err = Decode(raw(0x30, 0x03, 0x00, 0x05, 'a'), Version311)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrTruncated) || e.Field != "topic" || e.Offset != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestSplitterBasic(t *testing.T) {
	stream := cat(pkt(0x10, s16("MQTT"), raw(4, 2), u16(60), s16("x")), pkt(0x30, s16("t"), []byte("payload")), raw(0xC0, 0))
	var whole [][]byte
	s := NewStreamSplitter(false)
	s.Feed(stream, func(r []byte, n SplitNote) { whole = append(whole, append([]byte(nil), r...)) })
	if len(whole) != 3 {
		t.Fatalf("got %d packets", len(whole))
	}
	for cut := 0; cut <= len(stream); cut++ {
		var got [][]byte
		s := NewStreamSplitter(false)
		f := func(r []byte, n SplitNote) { got = append(got, append([]byte(nil), r...)) }
		s.Feed(stream[:cut], f)
		s.Feed(stream[cut:], f)
		if len(got) != 3 || s.Pending() != 0 {
			t.Fatalf("cut %d: %d packets, pending %d", cut, len(got), s.Pending())
		}
	}
}
