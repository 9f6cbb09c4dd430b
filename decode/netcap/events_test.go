package netcap

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
)

// dnsMessage builds a DNS message with one question and A/AAAA answers.
func dnsMessage(id uint16, response bool, rcode int, name string, qtype uint16, answers ...netip.Addr) []byte {
	be := binary.BigEndian
	flags := uint16(0x0100) // RD
	if response {
		flags |= 0x8080 | uint16(rcode) // QR, RA
	}
	b := be.AppendUint16(nil, id)
	b = be.AppendUint16(b, flags)
	b = be.AppendUint16(b, 1)
	b = be.AppendUint16(b, uint16(len(answers)))
	b = be.AppendUint16(b, 0)
	b = be.AppendUint16(b, 0)
	qname := func(b []byte) []byte {
		for _, l := range strings.Split(name, ".") {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
		return append(b, 0)
	}
	b = qname(b)
	b = be.AppendUint16(b, qtype)
	b = be.AppendUint16(b, 1)
	for _, a := range answers {
		b = append(b, 0xc0, 12) // pointer to the question name
		if a.Is4() {
			b = be.AppendUint16(b, 1)
		} else {
			b = be.AppendUint16(b, 28)
		}
		b = be.AppendUint16(b, 1)
		b = be.AppendUint32(b, 300)
		raw := a.AsSlice()
		b = be.AppendUint16(b, uint16(len(raw)))
		b = append(b, raw...)
	}
	return b
}

func udpFrame(src, dst string, payload []byte) []byte {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return link(linkEthernet, ipPacket(s.Addr(), d.Addr(), protoUDP, udpHeader(s, d, payload)))
}

func TestDNSEvents(t *testing.T) {
	frames := [][]byte{
		udpFrame("10.0.0.2:5353", "8.8.8.8:53", dnsMessage(7, false, 0, "broker.example.com", 1)),
		udpFrame("8.8.8.8:53", "10.0.0.2:5353", dnsMessage(7, true, 0, "broker.example.com", 1,
			netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.11"))),
		udpFrame("10.0.0.2:5354", "8.8.4.4:53", dnsMessage(8, false, 0, "typo.example.com", 28)),
		udpFrame("8.8.4.4:53", "10.0.0.2:5354", dnsMessage(8, true, 3, "typo.example.com", 28)),
		udpFrame("10.0.0.2:5355", "8.8.8.8:53", []byte{1, 2, 3}), // not DNS: ignored
		udpFrame("10.0.0.2:5000", "10.0.0.3:5001", dnsMessage(9, false, 0, "x.y", 1)),
	}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	dns := events(rs, EventDNS)
	if len(dns) != 4 {
		t.Fatalf("%d DNS events, want 4", len(dns))
	}
	q, a, q2, nx := dns[0], dns[1], dns[2], dns[3]
	if q.Event.DNS.Response || q.Event.DNS.Name != "broker.example.com" || q.Event.DNS.QType != "A" ||
		q.Client.String() != "10.0.0.2:5353" || q.Server.String() != "8.8.8.8:53" || !q.FromClient || q.Conn != 0 {
		t.Errorf("query %+v %+v", q, q.Event.DNS)
	}
	if !a.Event.DNS.Response || a.Event.DNS.Rcode != 0 || len(a.Event.DNS.Answers) != 2 ||
		a.Event.DNS.Answers[1].String() != "192.0.2.11" || a.Client.String() != "10.0.0.2:5353" || a.FromClient {
		t.Errorf("answer %+v %+v", a, a.Event.DNS)
	}
	if !strings.Contains(a.Event.Detail, "192.0.2.10, 192.0.2.11") {
		t.Errorf("answer detail %q", a.Event.Detail)
	}
	if q2.Event.DNS.QType != "AAAA" || nx.Event.DNS.Rcode != 3 || !strings.Contains(nx.Event.Detail, "NXDomain") && !strings.Contains(nx.Event.Detail, "Non-Existent") {
		t.Errorf("nxdomain %+v %q", nx.Event.DNS, nx.Event.Detail)
	}
}

// tlsRecord wraps a body in a TLS record header.
func tlsRecord(typ byte, body []byte) []byte {
	h := []byte{typ, 3, 1, 0, 0}
	binary.BigEndian.PutUint16(h[3:], uint16(len(body)))
	return append(h, body...)
}

// clientHello builds a ClientHello handshake message with an SNI extension
// (and a padding extension before it, as browsers and OpenSSL send).
func clientHello(sni string) []byte {
	be := binary.BigEndian
	body := []byte{3, 3}
	body = append(body, make([]byte, 32)...)       // random
	body = append(body, 0)                         // session id
	body = append(body, 0, 4, 0x13, 0x01, 0x13, 2) // cipher suites
	body = append(body, 1, 0)                      // compression
	var exts []byte
	exts = be.AppendUint16(exts, 21) // padding
	exts = be.AppendUint16(exts, 3)
	exts = append(exts, 0, 0, 0)
	if sni != "" {
		name := append([]byte{0}, be.AppendUint16(nil, uint16(len(sni)))...)
		name = append(name, sni...)
		list := be.AppendUint16(nil, uint16(len(name)))
		list = append(list, name...)
		exts = be.AppendUint16(exts, 0)
		exts = be.AppendUint16(exts, uint16(len(list)))
		exts = append(exts, list...)
	}
	body = be.AppendUint16(body, uint16(len(exts)))
	body = append(body, exts...)
	msg := []byte{1, 0, 0, 0}
	msg[1], msg[2], msg[3] = byte(len(body)>>16), byte(len(body)>>8), byte(len(body))
	return append(msg, body...)
}

func TestTLSHelloAndAlert(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:8883")
	hello := tlsRecord(22, clientHello("broker.example.com"))
	frames := [][]byte{f.syn(), f.synAck(), f.ack(),
		f.c2s(hello[:9]), f.c2s(hello[9:]), // the ClientHello split over two segments
		f.s2c(tlsRecord(22, make([]byte, 90))),      // ServerHello… (not parsed)
		f.c2s(tlsRecord(21, []byte{2, 48})),         // client: fatal unknown_ca
		f.s2c(tlsRecord(21, []byte{1, 0, 9, 9, 9})), // an encrypted alert
		f.fin(true), f.fin(false),
	}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if n := len(packets(rs)); n != 0 {
		t.Fatalf("%d MQTT packets decoded from TLS", n)
	}
	h := events(rs, EventTLSHello)
	if len(h) != 1 || h[0].Frame != 5 || h[0].Event.SNI != "broker.example.com" || h[0].Event.By != "client" {
		t.Fatalf("hello %+v", h)
	}
	al := events(rs, EventTLSAlert)
	if len(al) != 2 || al[0].Event.By != "client" || al[0].Event.Detail != "fatal unknown_ca (48)" ||
		al[1].Event.By != "server" || al[1].Event.Detail != "encrypted alert" {
		t.Fatalf("alerts %+v %+v", al[0].Event, al[1].Event)
	}
	if n := len(events(rs, EventFIN)); n != 2 {
		t.Errorf("%d FIN events on the TLS port", n)
	}
}

func TestClientHelloSNIMalformed(t *testing.T) {
	good := clientHello("a.example")
	if sni, ok := clientHelloSNI(good); !ok || sni != "a.example" {
		t.Fatalf("good hello: %q %v", sni, ok)
	}
	if sni, ok := clientHelloSNI(clientHello("")); !ok || sni != "" {
		t.Errorf("hello without SNI: %q %v", sni, ok)
	}
	for i := range len(good) {
		// No truncation may panic or invent a name.
		if sni, ok := clientHelloSNI(good[:i]); ok && sni != "" {
			t.Errorf("truncated at %d gave %q", i, sni)
		}
	}
}

func TestPlainMQTTOnTLSPort(t *testing.T) {
	// A device misconfigured to speak plain MQTT to 8883. Against a plain
	// broker there, both directions decode as MQTT (CONNECT split so the
	// check has to wait for bytes)…
	f := newFlow("10.0.0.2:40000", "10.0.0.1:8883")
	c := connect311("plain-dev")
	frames := [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(c[:3]), f.c2s(c[3:]), f.s2c(connack(0)), f.c2s(pingreq())}
	rs := decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "5:CONNECT 6:CONNACK 7:PINGREQ"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := packets(rs)[0]; p.Packet.ClientID != "plain-dev" || p.Server.Port() != 8883 {
		t.Errorf("CONNECT %+v", p)
	}
	if n := len(events(rs, EventTLSHello)); n != 0 {
		t.Errorf("%d TLS hellos", n)
	}
	// …against a real TLS server the client's CONNECT is decoded and the
	// server's answer stays TLS: here a plaintext alert.
	f = newFlow("10.0.0.3:40000", "10.0.0.1:8883")
	frames = [][]byte{f.syn(), f.synAck(), f.ack(), f.c2s(connect311("plain-dev")),
		f.s2c(tlsRecord(21, []byte{2, 10})), f.fin(false)}
	rs = decodeFrames(t, linkEthernet, frames, Options{})
	if got, want := summary(rs), "4:CONNECT"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if al := events(rs, EventTLSAlert); len(al) != 1 || al[0].Event.By != "server" || al[0].Event.Detail != "fatal unexpected_message (10)" {
		t.Fatalf("alerts %+v", al)
	}
}
