package netcap

import "testing"

// TestAddPortDecodesAConnectionJoinedMidStream: a live capture widened to
// a broker port the module's open command named joins that port's
// connection after its handshake, here on a packet from the broker, which
// the content probe alone cannot place. Once the port is added the
// decoder knows which end is the broker and decodes every packet, as on a
// port given at the start.
func TestAddPortDecodesAConnectionJoinedMidStream(t *testing.T) {
	f := newFlow("127.0.0.5:50341", "127.0.0.1:18883")
	f.syn()
	f.synAck() // the handshake happened before the port was added: not captured
	frames := [][]byte{
		f.s2c(publish0("c/d", "down")),
		f.c2s(publish0("a/b", "hello")),
		f.c2s(pingreq()),
		f.s2c([]byte{0xd0, 0}), // PINGRESP
	}
	var got []Record
	d := NewDecoder(Options{}, func(r Record) { got = append(got, r) })
	d.AddPort(18883)
	for i, b := range frames {
		if err := d.Frame(frameAt(i+1, linkEthernet, b)); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
	}
	d.Flush()
	if s, want := summary(got), "1:PUBLISH(mid) 2:PUBLISH(mid) 3:PINGREQ 4:PINGRESP"; s != want {
		t.Fatalf("decoded %q, want %q", s, want)
	}
}
