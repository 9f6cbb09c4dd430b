// Package fleetgen writes synthetic broker-side captures with a known
// population of clients — healthy ones, refused ones, client-id takeover
// loops, keepalive expiries, reconnect storms, unanswered SYNs, TLS
// alerts — so tests and benchmarks can check the fleet report's counts
// exactly. Every frame is Ethernet/IPv4/TCP to one broker at 10.0.0.1
// (MQTT on 1883, TLS on 8883); frames are written in time order.
package fleetgen

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Population says how many clients of each kind to write.
type Population struct {
	Healthy       int // user "fleet": CONNECT, CONNACK 0, PUBLISH/PUBACK, DISCONNECT
	OpenAtEnd     int // accepted, still connected when the capture ends
	NoUsername    int // CONNECT without credentials → CONNACK 5
	UnknownUser   int // username "guest-N" that no accepted client uses → CONNACK 5
	WrongPassword int // username "fleet" with a bad password → CONNACK 4
	// TakeoverLoops client ids are each used by two addresses that
	// replace each other TakeoverRounds times (default 6), every 3–5 s.
	TakeoverLoops  int
	TakeoverRounds int
	// Keepalive60 and Keepalive30 sessions go silent and are closed by
	// the broker after 1.5 × their keepalive.
	Keepalive60 int
	Keepalive30 int
	// Storms client ids connect and disconnect StormConnects times
	// (default 40), 2 s apart.
	Storms        int
	StormConnects int
	Unanswered    int // SYNs to 1883 the broker never answers
	TLSUnknownCA  int // TLS to 8883 with SNI "mqtt.example.com", server alert unknown_ca
	// DNSFailures clients ask a resolver for "mqtt.example.invalid" and
	// get NXDOMAIN (the query and the answer on UDP port 53).
	DNSFailures int
}

// Clients is how many distinct client ids the population sends CONNECT with.
func (p Population) Clients() int {
	return p.Healthy + p.OpenAtEnd + p.NoUsername + p.UnknownUser + p.WrongPassword +
		p.TakeoverLoops + p.Keepalive60 + p.Keepalive30 + p.Storms
}

// Start is the time of the first frame.
var Start = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

var broker = [4]byte{10, 0, 0, 1}

type frame struct {
	t    time.Time
	seq  int // tie-break: generation order
	data []byte
}

// gen collects frames from every client's script, then writes them sorted.
type gen struct {
	frames []frame
	hosts  int
	ports  int
}

type conn struct {
	g          *gen
	ip         [4]byte
	port       uint16
	sport      uint16
	cseq, sseq uint32
	t          time.Time
}

// Write writes the population's capture to w.
func Write(w io.Writer, p Population) error {
	return WriteRing([]io.Writer{w}, p)
}

// WriteRing writes the population's capture split into len(ws) files of
// about equal frame counts, one after the other in time, as tcpdump -C
// writes a ring.
func WriteRing(ws []io.Writer, p Population) error {
	if p.TakeoverRounds <= 0 {
		p.TakeoverRounds = 6
	}
	if p.StormConnects <= 0 {
		p.StormConnects = 40
	}
	g := &gen{}
	// Clients start 50 ms apart, so the capture is minutes long.
	at := func(i int) time.Time { return Start.Add(time.Duration(i) * 50 * time.Millisecond) }
	n := 0
	next := func() time.Time { n++; return at(n) }
	for i := range p.Healthy {
		c := g.dial(next(), 1883)
		c.connect(fmt.Sprintf("sensor-%05d", i), "fleet", "s3cret", 60)
		c.s2c([]byte{0x20, 2, 0, 0})
		c.c2s(publish(fmt.Sprintf("sensors/%05d/t", i), 1, `{"t":21.5}`))
		c.s2c([]byte{0x40, 2, 0, 1})
		c.c2s([]byte{0xe0, 0})
		c.finBoth(true)
	}
	for i := range p.OpenAtEnd {
		c := g.dial(next(), 1883)
		c.connect(fmt.Sprintf("gateway-%04d", i), "fleet", "s3cret", 120)
		c.s2c([]byte{0x20, 2, 0, 0})
		c.c2s(publish(fmt.Sprintf("gateways/%04d/up", i), 0, "1"))
	}
	refused := func(id, user, pass string, code byte) {
		c := g.dial(next(), 1883)
		c.connect(id, user, pass, 60)
		c.s2c([]byte{0x20, 2, 0, code})
		c.finBoth(false)
	}
	for i := range p.NoUsername {
		refused(fmt.Sprintf("anon-%04d", i), "", "", 5)
	}
	for i := range p.UnknownUser {
		refused(fmt.Sprintf("legacy-%04d", i), fmt.Sprintf("guest-%d", i), "guest", 5)
	}
	for i := range p.WrongPassword {
		refused(fmt.Sprintf("meter-%04d", i), "fleet", "wrong", 4)
	}
	for i := range p.TakeoverLoops {
		g.takeoverLoop(fmt.Sprintf("twin-%04d", i), next(), p.TakeoverRounds)
	}
	for i := range p.Keepalive60 {
		g.keepaliveExpiry(fmt.Sprintf("sleepy60-%04d", i), next(), 60)
	}
	for i := range p.Keepalive30 {
		g.keepaliveExpiry(fmt.Sprintf("sleepy30-%04d", i), next(), 30)
	}
	for i := range p.Storms {
		t, ip := next(), g.host()
		for k := range p.StormConnects {
			c := g.dialFrom(ip, t.Add(time.Duration(k)*2*time.Second), 1883)
			c.connect(fmt.Sprintf("flappy-%04d", i), "fleet", "s3cret", 60)
			c.s2c([]byte{0x20, 2, 0, 0})
			c.c2s([]byte{0xe0, 0})
			c.finBoth(true)
		}
	}
	for range p.Unanswered {
		c := g.newConn(next(), 1883)
		isn := c.cseq
		for k := range 3 { // the SYN and two retransmissions
			c.t = c.t.Add(time.Duration(1<<k) * time.Second)
			c.cseq = isn
			c.emit(true, flagSYN, nil)
		}
	}
	for range p.TLSUnknownCA {
		c := g.dial(next(), 8883)
		c.c2s(clientHello("mqtt.example.com"))
		c.s2c([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 2, 48})
		c.finBoth(false)
	}
	for range p.DNSFailures {
		g.dnsNXDOMAIN(next(), "mqtt.example.invalid")
	}
	return g.write(ws)
}

var resolver = [4]byte{10, 0, 0, 53}

// dnsNXDOMAIN writes an A query for name and its NXDOMAIN answer.
func (g *gen) dnsNXDOMAIN(t time.Time, name string) {
	ip := g.host()
	g.ports++
	port := uint16(10000 + g.ports%50000)
	id := uint16(g.ports)
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	for _, label := range strings.Split(name, ".") {
		q = append(q, byte(len(label)))
		q = append(q, label...)
	}
	q = append(q, 0, 0, 1, 0, 1) // root, type A, class IN
	a := append([]byte(nil), q...)
	a[2], a[3] = 0x81, 0x83 // response, RD, RA, NXDOMAIN
	g.frames = append(g.frames, frame{t: t, seq: len(g.frames), data: udpFrame(ip, resolver, port, 53, q)})
	g.frames = append(g.frames, frame{t: t.Add(20 * time.Millisecond), seq: len(g.frames), data: udpFrame(resolver, ip, 53, port, a)})
}

// udpFrame is one Ethernet/IPv4/UDP frame (UDP checksum 0: none).
func udpFrame(src, dst [4]byte, sp, dp uint16, payload []byte) []byte {
	b := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00}
	ip := len(b)
	b = append(b, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[ip+2:], uint16(28+len(payload)))
	binary.BigEndian.PutUint16(b[ip+10:], ipChecksum(b[ip:ip+20]))
	b = binary.BigEndian.AppendUint16(b, sp)
	b = binary.BigEndian.AppendUint16(b, dp)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0)
	return append(b, payload...)
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// takeoverLoop: two addresses use one client id; each CONNECT makes the
// broker close the other's connection a millisecond later.
func (g *gen) takeoverLoop(id string, t time.Time, rounds int) {
	ipA, ipB := g.host(), g.host()
	var prev *conn
	for k := range rounds {
		ip := ipA
		if k%2 == 1 {
			ip = ipB
		}
		c := g.dialFrom(ip, t, 1883)
		c.connect(id, "fleet", "s3cret", 60)
		c.s2c([]byte{0x20, 2, 0, 0})
		if prev != nil {
			prev.t = c.t.Add(time.Millisecond)
			prev.finBoth(false)
		}
		prev = c
		t = t.Add(time.Duration(3000+(k%3)*1000) * time.Millisecond)
	}
	prev.t = prev.t.Add(time.Second)
	prev.c2s([]byte{0xe0, 0})
	prev.finBoth(true)
}

// keepaliveExpiry: an accepted session goes silent; the broker closes it
// after 1.5 × keepalive.
func (g *gen) keepaliveExpiry(id string, t time.Time, ka uint16) {
	c := g.dial(t, 1883)
	c.connect(id, "fleet", "s3cret", ka)
	c.s2c([]byte{0x20, 2, 0, 0})
	c.c2s(publish("sleepy/"+id, 0, "on"))
	c.t = c.t.Add(time.Duration(ka) * 1500 * time.Millisecond)
	c.finBoth(false)
}

func (g *gen) host() [4]byte {
	g.hosts++
	return [4]byte{10, byte(1 + g.hosts/62500), byte(g.hosts / 250 % 250), byte(g.hosts%250 + 1)}
}

func (g *gen) newConn(t time.Time, port uint16) *conn {
	return g.newConnFrom(g.host(), t, port)
}

func (g *gen) newConnFrom(ip [4]byte, t time.Time, port uint16) *conn {
	g.ports++
	return &conn{g: g, ip: ip, port: port, sport: uint16(10000 + g.ports%50000),
		cseq: uint32(len(g.frames)) * 7919, sseq: uint32(len(g.frames)) * 104729, t: t}
}

func (g *gen) dial(t time.Time, port uint16) *conn { return g.dialFrom(g.host(), t, port) }

func (g *gen) dialFrom(ip [4]byte, t time.Time, port uint16) *conn {
	c := g.newConnFrom(ip, t, port)
	c.emit(true, flagSYN, nil)
	c.emit(false, flagSYN|flagACK, nil)
	c.emit(true, flagACK, nil)
	return c
}

// TCP flags.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagPSH = 0x08
	flagACK = 0x10
)

func (c *conn) c2s(p []byte) { c.emit(true, flagPSH|flagACK, p) }
func (c *conn) s2c(p []byte) { c.emit(false, flagPSH|flagACK, p) }

// finBoth closes the connection, the client first or the broker first.
func (c *conn) finBoth(clientFirst bool) {
	c.emit(clientFirst, flagFIN|flagACK, nil)
	c.emit(!clientFirst, flagFIN|flagACK, nil)
	c.emit(clientFirst, flagACK, nil)
}

func (c *conn) connect(id, user, pass string, ka uint16) {
	flags := byte(0x02)
	if user != "" {
		flags |= 0x80
	}
	if pass != "" {
		flags |= 0x40
	}
	body := []byte{0, 4, 'M', 'Q', 'T', 'T', 4, flags, byte(ka >> 8), byte(ka)}
	body = appendString(body, id)
	if user != "" {
		body = appendString(body, user)
	}
	if pass != "" {
		body = appendString(body, pass)
	}
	c.c2s(packet(0x10, body))
}

// emit adds one frame 100 µs after the connection's previous one.
func (c *conn) emit(fromClient bool, flags byte, payload []byte) {
	c.t = c.t.Add(100 * time.Microsecond)
	src, dst, sp, dp := c.ip, broker, c.sport, c.port
	seq, ack := c.cseq, c.sseq
	if !fromClient {
		src, dst, sp, dp = broker, c.ip, c.port, c.sport
		seq, ack = c.sseq, c.cseq
	}
	b := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00}
	ip := len(b)
	b = append(b, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[ip+2:], uint16(40+len(payload)))
	var sum uint32
	for i := ip; i < ip+20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(b[ip+10:], ^uint16(sum))
	b = binary.BigEndian.AppendUint16(b, sp)
	b = binary.BigEndian.AppendUint16(b, dp)
	b = binary.BigEndian.AppendUint32(b, seq)
	if flags&flagACK == 0 {
		ack = 0
	}
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
	b = append(b, payload...)
	n := uint32(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		n++
	}
	if fromClient {
		c.cseq += n
	} else {
		c.sseq += n
	}
	c.g.frames = append(c.g.frames, frame{t: c.t, seq: len(c.g.frames), data: b})
}

func (g *gen) write(ws []io.Writer) error {
	slices.SortStableFunc(g.frames, func(x, y frame) int {
		if c := x.t.Compare(y.t); c != 0 {
			return c
		}
		return x.seq - y.seq
	})
	per := (len(g.frames) + len(ws) - 1) / len(ws)
	for i, w := range ws {
		pw := pcapgo.NewWriterNanos(w)
		if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			return err
		}
		for _, f := range g.frames[min(i*per, len(g.frames)):min((i+1)*per, len(g.frames))] {
			ci := gopacket.CaptureInfo{Timestamp: f.t, CaptureLength: len(f.data), Length: len(f.data)}
			if err := pw.WritePacket(ci, f.data); err != nil {
				return err
			}
		}
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}

func packet(first byte, body []byte) []byte {
	out := []byte{first}
	n := len(body)
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		out = append(out, d)
		if n == 0 {
			break
		}
	}
	return append(out, body...)
}

func publish(topic string, qos byte, payload string) []byte {
	body := appendString(nil, topic)
	if qos > 0 {
		body = append(body, 0, 1)
	}
	return packet(0x30|qos<<1, append(body, payload...))
}

// clientHello is a minimal TLS 1.2 ClientHello with a server name.
func clientHello(sni string) []byte {
	ext := binary.BigEndian.AppendUint16(nil, 0) // server_name
	name := append([]byte{0}, appendString(nil, sni)...)
	list := binary.BigEndian.AppendUint16(nil, uint16(len(name)))
	list = append(list, name...)
	ext = binary.BigEndian.AppendUint16(ext, uint16(len(list)))
	ext = append(ext, list...)
	hello := []byte{0x03, 0x03}
	hello = append(hello, make([]byte, 32)...)
	hello = append(hello, 0)             // session id
	hello = append(hello, 0, 2, 0, 0x2f) // one cipher suite
	hello = append(hello, 1, 0)          // null compression
	hello = binary.BigEndian.AppendUint16(hello, uint16(len(ext)))
	hello = append(hello, ext...)
	hs := []byte{1, byte(len(hello) >> 16), byte(len(hello) >> 8), byte(len(hello))}
	hs = append(hs, hello...)
	rec := []byte{0x16, 0x03, 0x01, byte(len(hs) >> 8), byte(len(hs))}
	return append(rec, hs...)
}
