package netcap

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
)

// connKind says what atmq does with a connection's bytes.
type connKind uint8

const (
	kindProbe connKind = iota // no known port: watching for a CONNECT
	kindMQTT
	kindTLS
	kindOther // not MQTT: only its number and close are tracked
)

// Directions index conn.dirs.
const (
	toServer = 0 // client → server
	toClient = 1 // server → client
)

// conn is one TCP connection's state.
type conn struct {
	id             int
	kind           connKind
	client, server netip.AddrPort
	rolesKnown     bool // from a SYN/SYN-ACK or a known server port
	handshake      bool // the capture holds the connection's start
	lastSeen       time.Time
	last           stamp // the connection's latest frame

	synCount  int
	synISN    uint32 // the client's initial sequence number, once known
	synEnd    uint32 // one past the SYN and the data it carried (TCP Fast Open)
	synFirst  stamp
	synLast   stamp
	synAck    stamp // zero frame: no SYN-ACK seen
	answered  bool  // the server sent something, or the client acknowledged it: the SYN got through
	synNoted  bool  // the unanswered SYN was reported
	rstByPeer bool  // the server answered with RST
	rstSeen   bool
	finSeen   [2]bool
	done      [2]bool // the direction ended at its FIN: later bytes are retransmissions
	closed    bool

	dirs  [2]*direction
	mq    *mqtt.Conn // MQTT connection state (version, topic aliases)
	tls   *tlsConnState
	probe [2]probeState
}

// direction is one half of a connection: reassembly plus what consumes
// the bytes.
type direction struct {
	hs   halfStream
	sink streamSink
}

// streamSink is a byteSink that is told when its stream ends.
type streamSink interface {
	byteSink
	// end is called once when the direction closes or is flushed.
	end(st stamp)
}

func (d *Decoder) tcp(s *segment, st stamp) {
	key := keyOf(s.src, s.dst)
	c := d.lastConn
	if c == nil || key != d.lastKey {
		c = d.conns[key]
	}
	if c != nil && s.syn && c.reusedBy(s) {
		// The port pair is reused by a new connection.
		c.end(d, st)
		delete(d.conns, key)
		c = nil
	}
	if c == nil {
		if len(d.conns) >= d.maxConns {
			d.evictOldest()
		}
		c = d.newConn(s)
		d.conns[key] = c
	}
	d.lastKey, d.lastConn = key, c
	c.lastSeen = d.now
	c.last = st
	c.segment(d, s, st)
}

// reusedBy says whether a SYN or SYN-ACK starts a new connection rather
// than belonging to c's own handshake (known from its SYN, or from the
// SYN-ACK's acknowledgement). A SYN-ACK counts too: the new connection's
// SYN may be missing from the capture, and the old connection must not
// swallow the new one's segments as trailing ones.
func (c *conn) reusedBy(s *segment) bool {
	if c.closed || !c.handshake {
		return true
	}
	if !s.ackf {
		return s.seq != c.synISN
	}
	// A SYN-ACK acknowledges the SYN, and maybe the data it carried.
	return seqDiff(s.ack, c.synISN+1) < 0 || seqDiff(s.ack, c.synEnd) > 0
}

func (d *Decoder) newConn(s *segment) *conn {
	d.nextConn++
	c := &conn{id: d.nextConn, client: s.src, server: s.dst}
	known := func(p uint16) bool { return d.mqttPort[p] || d.tlsPort[p] }
	switch {
	case s.syn && !s.ackf:
		c.rolesKnown = true
	case s.syn && s.ackf:
		c.client, c.server, c.rolesKnown = s.dst, s.src, true
	case known(s.dst.Port()):
		c.rolesKnown = true
	case known(s.src.Port()):
		c.client, c.server, c.rolesKnown = s.dst, s.src, true
	}
	switch {
	case d.mqttPort[c.server.Port()]:
		c.becomeMQTT(d)
	case d.tlsPort[c.server.Port()]:
		c.kind = kindTLS
		d.stats.TLSConns++
	default:
		c.kind = kindProbe
	}
	return c
}

// becomeMQTT starts decoding MQTT on the connection.
func (c *conn) becomeMQTT(d *Decoder) {
	d.stats.MQTTConns++
	c.kind = kindMQTT
	c.mq = &mqtt.Conn{ForceVersion: d.opts.ForceVersion}
}

// becomeMQTTState gives a decrypted TLS connection its MQTT state.
func (c *conn) becomeMQTTState(d *Decoder) {
	c.mq = &mqtt.Conn{ForceVersion: d.opts.ForceVersion}
}

// announced says whether the connection's events are reported.
func (c *conn) announced() bool { return c.kind == kindMQTT || c.kind == kindTLS }

// dir returns direction i, creating it with the sink the kind needs.
func (c *conn) dir(d *Decoder, i int) *direction {
	if c.dirs[i] == nil {
		dr := &direction{hs: halfStream{total: &d.held, limit: d.opts.ReorderLimit}}
		dr.sink = c.newSink(d, i, dr)
		c.dirs[i] = dr
	}
	return c.dirs[i]
}

func (c *conn) newSink(d *Decoder, i int, dr *direction) streamSink {
	switch c.kind {
	case kindMQTT:
		if i == toClient && d.tlsPort[c.server.Port()] {
			// Plain MQTT from a client on a TLS port: the server's first
			// byte says whether it answers in TLS or in MQTT.
			return &tlsSink{d: d, c: c, dir: dr}
		}
		return c.newMQTTSink(d, i)
	case kindTLS:
		return &tlsSink{d: d, c: c, dir: dr, fromClient: i == toServer}
	case kindProbe:
		return &probeSink{d: d, c: c, dir: dr, i: i}
	}
	return discardSink{}
}

func (c *conn) newMQTTSink(d *Decoder, i int) *mqttSink {
	return &mqttSink{d: d, c: c, fromClient: i == toServer, midstream: !c.handshake}
}

func (c *conn) segment(d *Decoder, s *segment, st stamp) {
	from := toServer
	if s.src != c.client {
		from = toClient
	}
	if c.kind == kindOther {
		if s.rst || (s.fin && c.finSeen[1-from]) {
			c.closed = true
		}
		if s.fin {
			c.finSeen[from] = true
		}
		return
	}
	if c.closed {
		return // trailing ACKs and retransmitted FINs of a finished connection
	}
	if from == toClient || s.ackf {
		// Even when the capture missed the SYN-ACK.
		c.answered = true
	}
	seq := s.seq
	if s.syn {
		if !s.ackf && from == toServer {
			c.synCount++
			c.synLast = st
			if end := s.seq + 1 + uint32(s.wireLen); c.synCount == 1 && c.synAck.frame == 0 || seqDiff(end, c.synEnd) > 0 {
				c.synEnd = end // a retransmitted SYN may carry more data
			}
			if c.synCount == 1 {
				c.synFirst, c.synISN, c.handshake = st, s.seq, true
				// Unless the SYN-ACK (captured first) anchored it already.
				if dr := c.dir(d, toServer); !dr.hs.started {
					dr.hs.start(s.seq + 1)
				}
				if c.announced() {
					d.emitEvent(c, st, EventSYN, "client", "")
				}
			}
		} else if s.ackf && from == toClient && c.synAck.frame == 0 {
			c.synAck, c.handshake = st, true
			if c.synCount == 0 {
				c.synISN, c.synEnd = s.ack-1, s.ack // the SYN was not captured
			}
			if dr := c.dir(d, toClient); !dr.hs.started {
				dr.hs.start(s.seq + 1)
			}
			if c.announced() {
				d.emitEvent(c, st, EventSYNACK, "server", "")
			}
		}
		seq++ // the SYN occupies one sequence number
	}
	if s.rst {
		c.rst(d, from, st)
		return
	}
	if s.ackf && c.handshake {
		// The peer's first acknowledgement anchors a direction whose SYN
		// or SYN-ACK was not captured, so a lost first segment is a gap,
		// not a stream silently starting inside a packet.
		if r := c.dir(d, 1-from); !r.hs.started {
			r.hs.start(s.ack)
		}
	}
	if s.wireLen > 0 && !c.done[from] {
		dr := c.dir(d, from)
		dr.hs.add(seq, s.payload, s.wireLen, st, dr.sink)
		if c.kind == kindOther {
			c.dropStreams() // the probe decided the connection is not MQTT
			return
		}
		if d.held > d.maxHeld {
			dr.hs.skipAll(st, dr.sink, gapHeldTotal) // over the global bound: give up waiting
		}
		if s.src != c.client && from == toServer || s.src == c.client && from == toClient {
			from = 1 - from // a CONNECT from the side first taken for the server swapped the roles
		}
	}
	if s.ackf {
		if r := c.dirs[1-from]; r != nil && r.hs.started {
			r.hs.noteAck(s.ack, st, r.sink)
			if c.kind == kindOther {
				c.dropStreams()
				return
			}
		}
	}
	if s.fin && !c.done[from] {
		dr := c.dir(d, from)
		if !dr.hs.finSeen {
			dr.hs.finSeen = true
			dr.hs.finSeq = seq + uint32(s.wireLen)
			if !dr.hs.started {
				dr.hs.start(dr.hs.finSeq)
			}
			if c.announced() {
				d.emitEvent(c, st, EventFIN, byName(from), "")
			}
		}
		c.finSeen[from] = true
	}
	for i, dr := range c.dirs {
		if dr != nil && dr.hs.finSeen && len(dr.hs.pending) == 0 && dr.hs.next == dr.hs.finSeq {
			dr.sink.end(st)
			c.dirs[i] = nil
			c.done[i] = true
		}
	}
	if c.finSeen[toServer] && c.finSeen[toClient] && c.dirs[toServer] == nil && c.dirs[toClient] == nil {
		c.close(d, st)
	}
}

// dropStreams forgets both directions of a connection that is not decoded.
func (c *conn) dropStreams() {
	for i, dr := range c.dirs {
		if dr != nil {
			dr.hs.release()
			c.dirs[i] = nil
		}
	}
}

func byName(from int) string {
	if from == toServer {
		return "client"
	}
	return "server"
}

func (c *conn) rst(d *Decoder, from int, st stamp) {
	if c.rstSeen {
		return
	}
	c.rstSeen = true
	detail := ""
	if from == toClient && c.synCount > 0 && c.synAck.frame == 0 {
		c.rstByPeer = true
		detail = "connection refused: RST in answer to SYN"
	}
	if c.announced() {
		d.emitEvent(c, st, EventRST, byName(from), detail)
	}
	c.close(d, st)
}

// close delivers what each direction holds, reports unfinished packets,
// an unanswered SYN, and frees the reassembly and MQTT state.
func (c *conn) close(d *Decoder, st stamp) {
	if c.closed {
		return
	}
	if st.frame == 0 {
		st = c.last
	}
	for i, dr := range c.dirs {
		if dr == nil {
			continue
		}
		dr.hs.flush(st, dr.sink)
		dr.sink.end(st)
		c.dirs[i] = nil
	}
	c.noteUnansweredSYN(d)
	c.closed = true
	c.mq = nil
	c.probe = [2]probeState{}
}

// noteUnansweredSYN reports a connection attempt nobody answered (once).
func (c *conn) noteUnansweredSYN(d *Decoder) {
	if c.synNoted || c.synCount == 0 || c.synAck.frame != 0 || c.answered || c.rstByPeer || !c.announced() {
		return
	}
	c.synNoted = true
	detail := fmt.Sprintf("%d SYN(s) over %s, no SYN-ACK", c.synCount,
		c.synLast.time.Sub(c.synFirst.time).Round(time.Millisecond))
	d.emitEvent(c, c.synLast, EventSYNUnanswered, "client", detail)
}

// end finishes a connection at Flush or idle expiry.
func (c *conn) end(d *Decoder, st stamp) {
	if c.kind == kindOther {
		c.closed = true
		return
	}
	c.close(d, st)
}

// emitEvent sends one connection event.
func (d *Decoder) emitEvent(c *conn, st stamp, typ, by, detail string) {
	d.emit(Record{
		Kind:       KindEvent,
		Frame:      st.frame,
		Time:       st.time,
		Conn:       c.id,
		Client:     c.client,
		Server:     c.server,
		FromClient: by == "client",
		Event:      &Event{Type: typ, By: by, Detail: detail},
	})
}

// discardSink swallows bytes of connections that are not decoded.
type discardSink struct{}

func (discardSink) data([]byte, stamp)       {}
func (discardSink) gap(int, stamp, gapCause) {}
func (discardSink) end(stamp)                {}
