// Command gencap writes a synthetic broker-side MQTT capture for
// benchmarking `atmq packets`: many concurrent 3.1.1 client connections
// (handshake, CONNECT/CONNACK, QoS 0/1 PUBLISH with PUBACK, pings, bare
// ACKs, DISCONNECT, FIN), with some packets split across TCP segments —
// a few right inside the Remaining Length — and some coalesced into one
// segment.
//
//	go run ./bench/gencap -frames 1000000 -conns 5000 -o /tmp/bench.pcap
//	go run ./bench/gencap -frames 4000000 -files 10 -o /tmp/ring.pcap   # ring.pcap, ring.pcap1 … ring.pcap9
//	go run ./bench/gencap -population 5000 -o /tmp/fleet.pcap          # a broker's clients with the usual problems (bench/fleetgen)
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/bench/fleetgen"
)

func main() {
	frames := flag.Int("frames", 1_000_000, "approximate number of frames to write")
	conns := flag.Int("conns", 5000, "concurrent client connections")
	out := flag.String("o", "bench.pcap", "output file")
	seed := flag.Uint64("seed", 1, "random seed")
	files := flag.Int("files", 1, "split the capture into this many files of about equal frame counts, named as tcpdump -C names a ring (FILE, FILE1, FILE2…)")
	population := flag.Int("population", 0, "instead of the traffic benchmark, write this many clients with a realistic mix of problems (refusals, takeover loops, keepalive expiries, storms, unanswered SYNs, TLS alerts)")
	flag.Parse()
	if *population > 0 {
		if err := writePopulation(*out, *population); err != nil {
			fmt.Fprintln(os.Stderr, "gencap:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out, *frames, *conns, *seed, max(1, *files)); err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(1)
	}
}

// gen writes frames with capture timestamps 200 µs apart.
type gen struct {
	w     *pcapgo.Writer
	ring  *ring
	t     time.Time
	n     int
	rnd   *rand.Rand
	buf   []byte
	split int // packets split across segments
	coal  int // segments carrying several packets
}

type client struct {
	ip         [4]byte
	port       uint16
	cseq, sseq uint32
	nextID     uint16
	id         string
}

var server = [4]byte{10, 0, 0, 1}

const serverPort = 1883

func run(path string, frames, conns int, seed uint64, files int) error {
	r := &ring{base: path, perFile: (frames + files - 1) / files, maxFiles: files}
	if err := r.next(); err != nil {
		return err
	}
	g := &gen{ring: r, w: r.w, t: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	cs := make([]*client, conns)
	for i := range cs {
		c := &client{ip: [4]byte{10, byte(1 + i/65000), byte(i / 250 % 256), byte(i%250 + 1)},
			port: uint16(20000 + i%40000), cseq: g.rnd.Uint32(), sseq: g.rnd.Uint32(),
			id: fmt.Sprintf("dev-%05d", i)}
		cs[i] = c
		if err := g.open(c); err != nil {
			return err
		}
	}
	// Each round every client does one exchange; closing takes 4 frames
	// per client, so stop early enough to land near the target.
	for round := 0; g.n < frames-4*conns; round++ {
		for _, c := range cs {
			if err := g.exchange(c, round); err != nil {
				return err
			}
			if g.n >= frames-4*conns {
				break
			}
		}
	}
	for _, c := range cs {
		if err := g.close(c); err != nil {
			return err
		}
	}
	if err := r.close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gencap: %s: %d frames in %d file(s), %d connections, %d split packets, %d coalesced segments\n",
		path, g.n, r.files, conns, g.split, g.coal)
	return nil
}

// ring writes the capture into one file, or several one after the other
// as tcpdump -C does: FILE, FILE1, FILE2…
type ring struct {
	base     string
	perFile  int
	maxFiles int // the last file takes the frames beyond perFile × maxFiles
	files    int
	inFile   int
	f        *os.File
	bw       *bufio.Writer
	w        *pcapgo.Writer
}

func (r *ring) next() error {
	if err := r.close(); err != nil {
		return err
	}
	name := r.base
	if r.files > 0 {
		name = fmt.Sprintf("%s%d", r.base, r.files)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	r.f, r.bw, r.inFile = f, bufio.NewWriterSize(f, 1<<20), 0
	r.w = pcapgo.NewWriter(r.bw)
	r.files++
	return r.w.WriteFileHeader(65535, layers.LinkTypeEthernet)
}

func (r *ring) close() error {
	if r.f == nil {
		return nil
	}
	if err := r.bw.Flush(); err != nil {
		return err
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// TCP flags.
const (
	fin = 0x01
	syn = 0x02
	psh = 0x08
	ack = 0x10
)

// emit writes one Ethernet/IPv4/TCP frame.
func (g *gen) emit(c *client, fromClient bool, flags byte, payload []byte) error {
	src, dst, sp, dp := c.ip, server, c.port, uint16(serverPort)
	seq, ackn := c.cseq, c.sseq
	if !fromClient {
		src, dst, sp, dp = server, c.ip, serverPort, c.port
		seq, ackn = c.sseq, c.cseq
	}
	b := g.buf[:0]
	b = append(b, 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00)
	ip := len(b)
	b = append(b, 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[ip+2:], uint16(20+20+len(payload)))
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
	if flags&ack != 0 {
		b = binary.BigEndian.AppendUint32(b, ackn)
	} else {
		b = binary.BigEndian.AppendUint32(b, 0)
	}
	b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
	b = append(b, payload...)
	g.buf = b
	n := uint32(len(payload))
	if flags&(syn|fin) != 0 {
		n++
	}
	if fromClient {
		c.cseq += n
	} else {
		c.sseq += n
	}
	g.n++
	g.t = g.t.Add(200 * time.Microsecond)
	if g.ring.inFile >= g.ring.perFile && g.ring.files < g.ring.maxFiles {
		if err := g.ring.next(); err != nil {
			return err
		}
		g.w = g.ring.w
	}
	g.ring.inFile++
	return g.w.WritePacket(gopacket.CaptureInfo{Timestamp: g.t, CaptureLength: len(b), Length: len(b)}, b)
}

func (g *gen) open(c *client) error {
	return g.all(
		g.emit(c, true, syn, nil),
		g.emit(c, false, syn|ack, nil),
		g.emit(c, true, ack, nil),
		g.emit(c, true, psh|ack, connect(c.id)),
		g.emit(c, false, psh|ack, []byte{0x20, 2, 0, 0}),
	)
}

func (g *gen) close(c *client) error {
	return g.all(
		g.emit(c, true, psh|ack, []byte{0xe0, 0}),
		g.emit(c, true, fin|ack, nil),
		g.emit(c, false, fin|ack, nil),
		g.emit(c, true, ack, nil),
	)
}

func (g *gen) all(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// exchange is one client turn: mostly a QoS 1 PUBLISH and its PUBACK.
func (g *gen) exchange(c *client, round int) error {
	switch r := g.rnd.IntN(100); {
	case r < 5: // keepalive
		return g.all(g.emit(c, true, psh|ack, []byte{0xc0, 0}), g.emit(c, false, psh|ack, []byte{0xd0, 0}))
	case r < 12: // three QoS 0 readings coalesced into one segment
		var seg []byte
		for range 3 {
			seg = append(seg, g.publish(c, 0, 40+g.rnd.IntN(80))...)
		}
		g.coal++
		return g.all(g.emit(c, true, psh|ack, seg), g.emit(c, false, ack, nil))
	case r < 20: // a larger PUBLISH split across two segments
		p := g.publish(c, 1, 150+g.rnd.IntN(1200))
		cut := 1 + g.rnd.IntN(len(p)-1)
		if r < 13 {
			cut = 2 // inside the 2-byte Remaining Length
		}
		g.split++
		return g.all(g.emit(c, true, psh|ack, p[:cut]), g.emit(c, true, psh|ack, p[cut:]),
			g.emit(c, false, psh|ack, puback(c.nextID)))
	default:
		return g.all(g.emit(c, true, psh|ack, g.publish(c, 1, 30+g.rnd.IntN(150))),
			g.emit(c, false, psh|ack, puback(c.nextID)))
	}
}

func connect(id string) []byte {
	body := []byte{0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, byte(len(id))}
	body = append(body, id...)
	return append(append([]byte{0x10}, varint(len(body))...), body...)
}

func puback(id uint16) []byte { return []byte{0x40, 2, byte(id >> 8), byte(id)} }

// publish builds a PUBLISH with a telemetry-like JSON payload of about n bytes.
func (g *gen) publish(c *client, qos byte, n int) []byte {
	topic := "devices/" + c.id + "/telemetry"
	body := binary.BigEndian.AppendUint16(nil, uint16(len(topic)))
	body = append(body, topic...)
	if qos > 0 {
		c.nextID++
		if c.nextID == 0 {
			c.nextID = 1
		}
		body = binary.BigEndian.AppendUint16(body, c.nextID)
	}
	payload := fmt.Appendf(nil, `{"t":%d,"temp":%.1f,"rssi":-%d,"pad":"`, g.n, 20+g.rnd.Float64()*5, 50+g.rnd.IntN(40))
	for len(payload) < n-2 {
		payload = append(payload, 'x')
	}
	payload = append(payload, '"', '}')
	body = append(body, payload...)
	return append(append([]byte{0x30 | qos<<1}, varint(len(body))...), body...)
}

func varint(n int) []byte {
	var b []byte
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		b = append(b, d)
		if n == 0 {
			return b
		}
	}
}

// writePopulation writes a fleet of n clients: most healthy, the rest with
// the problems a broker operator meets, in proportions seen in the field.
func writePopulation(path string, n int) error {
	pct := func(p float64) int { return int(float64(n)*p/100 + 0.5) }
	p := fleetgen.Population{
		OpenAtEnd: pct(20), NoUsername: pct(6), UnknownUser: pct(0.5), WrongPassword: pct(0.1),
		TakeoverLoops: pct(1), Keepalive60: pct(4), Keepalive30: pct(0.2), Storms: pct(0.1),
		Unanswered: pct(0.4), TLSUnknownCA: pct(0.2),
	}
	p.Healthy = max(0, n-p.Clients())
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fleetgen.Write(bw, p); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gencap: %s: %d clients (%+v)\n", path, p.Clients(), p)
	return f.Close()
}
