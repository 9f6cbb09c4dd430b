package netcap

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// Options configure a Decoder.
type Options struct {
	// Ports carry plain MQTT (default 1883). MQTT is also recognised on
	// any other port when a connection's first client bytes are a CONNECT.
	Ports []uint16
	// TLSPorts carry MQTT over TLS (default 8883): only the ClientHello's
	// server name and TLS alerts are reported.
	TLSPorts []uint16
	// TLSKeys decrypt the TLS sessions they hold secrets for (NSS key
	// log, pcapng Decryption Secrets Block): the MQTT inside is decoded
	// as on a plain port.
	TLSKeys *KeyLog
	// ForceVersion decodes every connection as this MQTT protocol level
	// (3, 4 or 5) instead of the level its CONNECT announces; 0 = auto.
	ForceVersion byte
	// IdleTimeout (capture time) after which a silent connection's state
	// is flushed and freed; default 5 minutes. A SYN that gets no answer
	// within it is reported as unanswered.
	IdleTimeout time.Duration
	// ReorderLimit is how many segments one direction of a connection may
	// hold out of order, waiting for the bytes before them (default 512,
	// and at most 1 MiB): past it those bytes are given up on and a
	// TCP-GAP says the limit was reached, not that the wire lost them.
	ReorderLimit int
}

// Defaults.
const (
	DefaultMQTTPort    = 1883
	DefaultTLSPort     = 8883
	defaultIdleTimeout = 5 * time.Minute
	// sweepEvery frames (or sweepInterval of capture time) the connection
	// table is scanned for idle connections.
	sweepEvery    = 1 << 18
	sweepInterval = 10 * time.Second
	// synTimeout (capture time) after the last SYN without an answer, the
	// attempt is reported as unanswered even if the capture goes on.
	synTimeout = 20 * time.Second
	// maxConns bounds the connection table (about 1 KiB per connection):
	// past it the connections silent for longest are ended early, so a
	// capture of a SYN flood or a port scan cannot exhaust memory before
	// the idle timeout frees anything.
	maxConns = 1 << 18
)

// Stats counts what a Decoder saw and skipped, for a summary line.
type Stats struct {
	Frames          int
	UnsupportedLink map[int]int // link type → frames
	MQTTConns       int         // connections decoded as MQTT
	TLSConns        int         // connections on a TLS port
	TLSDecrypted    int         // of them, decrypted with the key log
}

// Decoder turns frames into Records. It is incremental — live capture feeds
// it frame by frame — and keeps per-connection state only while a
// connection is open (or until it has been idle for Options.IdleTimeout).
type Decoder struct {
	opts     Options
	emit     func(Record)
	mqttPort map[uint16]bool
	tlsPort  map[uint16]bool

	parser *frameParser
	seg    segment

	conns    map[connKey]*conn
	lastKey  connKey // the previous frame's connection, looked up without the map
	lastConn *conn
	nextConn int
	held     int // cost of the out-of-order data held over all connections
	maxHeld  int // bound on held (maxHeldTotal; tests lower it)
	maxConns int // bound on len(conns) (maxConns; tests lower it)

	now       time.Time // latest capture time seen (captures may step back)
	sinceScan int
	lastScan  time.Time

	stats Stats
}

// NewDecoder returns a Decoder that calls emit for every record, in the
// order the capture completes them. Records own their data (packets hold
// copies of their bytes), so emit may keep them.
func NewDecoder(opts Options, emit func(Record)) *Decoder {
	if len(opts.Ports) == 0 {
		opts.Ports = []uint16{DefaultMQTTPort}
	}
	if opts.TLSPorts == nil {
		opts.TLSPorts = []uint16{DefaultTLSPort}
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = defaultIdleTimeout
	}
	d := &Decoder{
		opts:     opts,
		emit:     emit,
		mqttPort: map[uint16]bool{},
		tlsPort:  map[uint16]bool{},
		parser:   newFrameParser(),
		conns:    map[connKey]*conn{},
		maxHeld:  maxHeldTotal,
		maxConns: maxConns,
		stats:    Stats{UnsupportedLink: map[int]int{}},
	}
	for _, p := range opts.Ports {
		d.mqttPort[p] = true
	}
	for _, p := range opts.TLSPorts {
		if !d.mqttPort[p] {
			d.tlsPort[p] = true
		}
	}
	return d
}

// Frame decodes one frame. f.Data is not retained. The error is non-nil
// only for a frame of a link type atmq cannot read; decoding can go on.
func (d *Decoder) Frame(f record.Frame) error {
	d.stats.Frames++
	if f.Time.After(d.now) {
		d.now = f.Time
	}
	d.sinceScan++
	if d.sinceScan >= sweepEvery || d.now.Sub(d.lastScan) >= sweepInterval {
		d.sweep()
	}
	s := &d.seg
	*s = segment{}
	ok, err := d.parser.parse(f.LinkType, f.Data, s)
	if err != nil {
		d.stats.UnsupportedLink[f.LinkType]++
		return err
	}
	if !ok {
		return nil
	}
	st := stamp{frame: f.Number, time: f.Time}
	switch s.proto {
	case protoUDP:
		if s.src.Port() == 53 || s.dst.Port() == 53 {
			d.dns(s, st)
		}
	case protoTCP:
		d.tcp(s, st)
	}
	return nil
}

// Flush ends every open connection: held data is delivered (holes become
// gaps), unfinished packets and unanswered SYNs are reported.
func (d *Decoder) Flush() {
	d.lastConn = nil
	keys := make([]connKey, 0, len(d.conns))
	for k := range d.conns {
		keys = append(keys, k)
	}
	// Close in order of appearance so the output does not depend on map order.
	slices.SortFunc(keys, func(a, b connKey) int { return d.conns[a].id - d.conns[b].id })
	for _, k := range keys {
		d.conns[k].end(d, stamp{})
		delete(d.conns, k)
	}
}

// Stats reports what was skipped so far.
func (d *Decoder) Stats() Stats { return d.stats }

// sweep frees connections idle for longer than the idle timeout, so state
// stays bounded on captures with many connections that never close.
func (d *Decoder) sweep() {
	d.lastConn = nil
	d.sinceScan = 0
	d.lastScan = d.now
	var idle, unanswered []connKey
	for k, c := range d.conns {
		if d.now.Sub(c.lastSeen) > d.idleFor(c) {
			idle = append(idle, k)
		} else if !c.synNoted && c.synCount > 0 && c.synAck.frame == 0 && !c.answered && d.now.Sub(c.synLast.time) > synTimeout {
			unanswered = append(unanswered, k)
		}
	}
	slices.SortFunc(unanswered, func(a, b connKey) int { return d.conns[a].id - d.conns[b].id })
	for _, k := range unanswered {
		d.conns[k].noteUnansweredSYN(d)
	}
	slices.SortFunc(idle, func(a, b connKey) int { return d.conns[a].id - d.conns[b].id })
	for _, k := range idle {
		d.conns[k].end(d, stamp{})
		delete(d.conns, k)
	}
}

// evictOldest ends the quarter of the connections that have been silent
// longest, making room in a full table at an amortised O(log n) per new
// connection.
func (d *Decoder) evictOldest() {
	d.lastConn = nil
	keys := make([]connKey, 0, len(d.conns))
	for k := range d.conns {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b connKey) int {
		ca, cb := d.conns[a], d.conns[b]
		if c := ca.lastSeen.Compare(cb.lastSeen); c != 0 {
			return c
		}
		return ca.id - cb.id
	})
	evict := keys[:max(1, len(keys)/4)]
	slices.SortFunc(evict, func(a, b connKey) int { return d.conns[a].id - d.conns[b].id })
	for _, k := range evict {
		d.conns[k].end(d, stamp{})
		delete(d.conns, k)
	}
}

// idleFor is how long a connection may stay silent before it is dropped:
// closed connections only linger to absorb their last ACKs.
func (d *Decoder) idleFor(c *conn) time.Duration {
	if c.closed {
		return min(d.opts.IdleTimeout, 30*time.Second)
	}
	return d.opts.IdleTimeout
}

// connKey identifies a connection regardless of direction: both endpoints
// as bytes (address, port, family), the smaller first. A byte array hashes
// and compares much faster than a pair of netip.AddrPort.
type connKey [2 * endpointLen]byte

const endpointLen = 16 + 2 + 1

func keyOf(x, y netip.AddrPort) connKey {
	var k connKey
	a, b := k[:endpointLen], k[endpointLen:]
	putEndpoint(a, x)
	putEndpoint(b, y)
	if bytes.Compare(a, b) > 0 {
		var tmp [endpointLen]byte
		copy(tmp[:], a)
		copy(a, b)
		copy(b, tmp[:])
	}
	return k
}

func putEndpoint(dst []byte, e netip.AddrPort) {
	ip := e.Addr().As16()
	copy(dst, ip[:])
	binary.BigEndian.PutUint16(dst[16:], e.Port())
	if e.Addr().Is4() {
		dst[18] = 4 // keeps 1.2.3.4 apart from ::ffff:1.2.3.4
	}
}
