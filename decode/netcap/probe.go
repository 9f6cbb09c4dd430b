package netcap

// A connection on a port that is not configured for MQTT is decoded as MQTT
// when the first bytes one side sends are the start of a CONNECT packet:
// type 1 with flags 0, a Remaining Length, then the protocol name and level
// of MQTT 3.1 ("MQIsdp", 3) or 3.1.1/5.0 ("MQTT", 4 or 5) [MQTT-3.1.2-1].

// probeState is what one direction has shown so far.
type probeState struct {
	buf     [connectPrefixMax]byte
	n       int
	decided bool
}

// connectPrefixMax covers type, a 4-byte Remaining Length, the 8-byte
// "MQIsdp" name and the level.
const connectPrefixMax = 1 + 4 + 8 + 1

// connectVerdict says whether b starts a CONNECT.
type connectVerdict int8

const (
	needMore connectVerdict = iota
	isConnect
	notConnect
)

// looksLikeConnect checks the fixed header and protocol name/level.
func looksLikeConnect(b []byte) connectVerdict {
	if len(b) == 0 {
		return needMore
	}
	if b[0] != 0x10 {
		return notConnect
	}
	// Remaining Length: at most 4 bytes, and at least 10 for a CONNECT.
	i, rl, mult := 1, 0, 1
	for {
		if i >= len(b) {
			return needMore
		}
		if i > 4 {
			return notConnect
		}
		rl += int(b[i]&0x7f) * mult
		mult *= 128
		i++
		if b[i-1]&0x80 == 0 {
			break
		}
	}
	if rl < 10 {
		return notConnect
	}
	for _, want := range []struct {
		name  string
		level byte
	}{{"\x00\x04MQTT", 0}, {"\x00\x06MQIsdp", 3}} {
		rest := b[i:]
		n := min(len(rest), len(want.name))
		if string(rest[:n]) != want.name[:n] {
			continue
		}
		if len(rest) <= len(want.name) {
			return needMore
		}
		lvl := rest[len(want.name)]
		if want.level == 3 && lvl == 3 || want.level == 0 && (lvl == 4 || lvl == 5) {
			return isConnect
		}
		return notConnect
	}
	return notConnect
}

// probeSink collects a direction's first bytes until they show whether
// the connection is MQTT.
type probeSink struct {
	d   *Decoder
	c   *conn
	dir *direction
	i   int // index of dir in c.dirs while probing
}

// forward hands bytes that arrive after the connection was classified (in
// the same reassembly pass) to the sink that replaced this one.
func (p *probeSink) forward() (streamSink, bool) {
	if p.c.kind == kindProbe {
		return nil, false
	}
	if p.c.kind == kindOther || p.dir.sink == p {
		return discardSink{}, true
	}
	return p.dir.sink, true
}

func (p *probeSink) data(b []byte, st stamp) {
	if next, ok := p.forward(); ok {
		next.data(b, st)
		return
	}
	c := p.c
	ps := &c.probe[p.i]
	if ps.decided {
		return
	}
	k := copy(ps.buf[ps.n:], b)
	switch looksLikeConnect(ps.buf[:ps.n+k]) {
	case needMore:
		ps.n += k
		return
	case notConnect:
		p.reject()
		return
	}
	// A CONNECT: this direction's sender is the client.
	if p.i == toClient {
		if c.rolesKnown {
			p.reject() // a server does not send CONNECT
			return
		}
		c.client, c.server = c.server, c.client
		c.dirs[0], c.dirs[1] = c.dirs[1], c.dirs[0]
	}
	seen := append([]byte(nil), ps.buf[:ps.n]...)
	c.rolesKnown = true
	c.becomeMQTT(p.d)
	c.probe = [2]probeState{}
	for i, dr := range c.dirs {
		if dr != nil {
			dr.sink = c.newSink(p.d, i, dr)
		}
	}
	// Report the handshake now that the connection turned out to matter.
	if c.synCount > 0 {
		p.d.emitEvent(c, c.synFirst, EventSYN, "client", "")
	}
	if c.synAck.frame != 0 {
		p.d.emitEvent(c, c.synAck, EventSYNACK, "server", "")
	}
	p.dir.sink.data(seen, st)
	p.dir.sink.data(b, st)
}

// reject records that this direction did not start with a CONNECT; the
// connection is not MQTT once its client (or both sides) did not.
func (p *probeSink) reject() {
	c := p.c
	c.probe[p.i].decided = true
	if c.rolesKnown && p.i == toServer || c.probe[1-p.i].decided {
		// The reassembler calling us may still be iterating its held
		// segments: conn.segment drops the streams once it returns.
		c.kind = kindOther
		c.probe = [2]probeState{}
	}
}

// A hole in the first bytes leaves nothing to recognise.
func (p *probeSink) gap(n int, st stamp, why gapCause) {
	if next, ok := p.forward(); ok {
		next.gap(n, st, why)
		return
	}
	if !p.c.probe[p.i].decided {
		p.reject()
	}
}

func (p *probeSink) end(stamp) {}
