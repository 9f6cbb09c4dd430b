package fleet

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// connState is what is kept of one live TCP connection (about 170 bytes;
// times as Unix nanoseconds, a third the size of a time.Time), freed when
// the connection ends.
type connState struct {
	id             int
	client, server netip.AddrPort
	cl             *clientState // from its CONNECT; nil before
	last           int64
	lastFromClient int64
	connectAt      int64
	pendingAt      int64 // when the unanswered request was sent
	sni            string
	user           string // CONNECT username, until the CONNACK
	keepalive      uint16
	connack        int16 // CONNACK code, -1 before one
	pending        mqtt.Type
	flags          connFlags
	cause          cause // why it ended, once known
}

type connFlags uint16

const (
	fSYN connFlags = 1 << iota
	fSYNACK
	fTLS
	fV5
	fUser
	fDisconnect // the client sent DISCONNECT
	fServerFIN
	fClientFIN
	fClosed  // the first close has been classified
	fCounted // the connection's fate is already counted
	fEnded
)

type closeKind uint8

const (
	closeFIN closeKind = iota
	closeRST
	closeDisconnect
)

// connect starts the MQTT session of c.
func (a *Analyzer) connect(c *connState, r netcap.Record) {
	p := r.Packet
	id := boundedKey(p.ClientID)
	cl := a.clients[id]
	if cl == nil {
		cl = &clientState{id: id}
		a.clients[id] = cl
		a.order = append(a.order, cl)
	}
	c.cl = cl
	c.connectAt = r.Time.UnixNano()
	c.keepalive = p.KeepAlive
	if p.Version == mqtt.Version5 {
		c.flags |= fV5
	}
	if p.UsernameFlag {
		c.flags |= fUser
		c.user = boundedKey(p.Username)
	}
	a.sum.Connects++
	cl.conns++
	cl.keepalive = p.KeepAlive
	cl.noteAddr(c.client.Addr())
	cl.noteConnect(r.Time, a.opts)
	cl.lastConnectAt, cl.lastConnectConn = r.Time.UnixNano(), c.id
}

// connack records the broker's answer to the CONNECT.
func (a *Analyzer) connack(c *connState, p *mqtt.Packet) {
	code := p.ReturnCode
	accepted := code == 0
	if p.Version == mqtt.Version5 || c.flags&fV5 != 0 {
		code = p.ReasonCode
		accepted = code < 0x80
	}
	c.connack = int16(code)
	if c.cl == nil {
		return // a CONNACK without the CONNECT (capture began mid-handshake)
	}
	if accepted {
		a.sum.Accepted++
		c.cl.accepted++
		if c.flags&fUser != 0 {
			a.acceptedUsers[c.user] = true
		}
		c.user = ""
		return
	}
	a.sum.Refused++
	c.cl.refused++
	v5 := c.flags&fV5 != 0
	cs := causeRefusedOther
	switch {
	case refusedAuth(v5, code) && c.flags&fUser == 0:
		cs = causeRefusedNoUser
	case refusedAuth(v5, code):
		cs = causeRefusedUser
		c.cl.prob().refusedUser = c.user
	case v5 && code == 0x85, !v5 && code == 2:
		cs = causeRefusedClientID
	case v5 && code == 0x84, !v5 && code == 1:
		cs = causeRefusedVersion
	}
	c.cl.prob().refusedCode = int16(code)
	c.cl.prob().refusedV5 = v5
	c.user = ""
	a.setCause(c, cs)
}

func refusedAuth(v5 bool, code byte) bool {
	if v5 {
		return code == 0x86 || code == 0x87 || code == 0x8C
	}
	return code == 4 || code == 5
}

// serverClose classifies the broker ending c (FIN, RST or DISCONNECT).
func (a *Analyzer) serverClose(c *connState, t time.Time, kind closeKind, reason byte) {
	if c.flags&fClosed != 0 {
		return
	}
	c.flags |= fClosed
	if c.cl == nil || c.cause != causeNone {
		return // no MQTT session, or already refused
	}
	if c.flags&fDisconnect != 0 {
		c.cause = causeClean // the broker's FIN answers the client's DISCONNECT
		return
	}
	if c.connack < 0 {
		a.setCause(c, causeNoConnack)
		return
	}
	cl := c.cl
	now := t.UnixNano()
	if kind == closeDisconnect && reason == 0x8E ||
		cl.lastConnectConn != c.id && cl.lastConnectAt > c.connectAt && now >= cl.lastConnectAt && now-cl.lastConnectAt <= int64(takeoverWindow) {
		a.setCause(c, causeTakeover)
		cl.noteTakeover(t)
		return
	}
	if kind == closeDisconnect && reason == 0x8D || c.pending == mqtt.PINGREQ {
		a.keepaliveExpired(c)
		return
	}
	if c.pending != 0 && now-c.pendingAt <= int64(closeAfterRequest) && c.lastFromClient == c.pendingAt {
		a.setCause(c, causeClosedAfterRequest)
		cl.prob().lastRequest = c.pending
		return
	}
	if ka := time.Duration(c.keepalive) * time.Second; ka > 0 {
		silence := time.Duration(now - c.lastFromClient)
		// Brokers check keepalives on a timer (mosquitto closed a 1 s
		// keepalive after 6 s of silence): allow 10 s beyond 1.5 ×.
		if silence >= ka && silence <= max(ka*5/2, ka*3/2+keepaliveSlack) {
			a.keepaliveExpired(c)
			return
		}
	}
	a.setCause(c, causeServerClosed)
}

func (a *Analyzer) keepaliveExpired(c *connState) {
	a.setCause(c, causeKeepalive)
	if a.kaExpired == nil {
		a.kaExpired = map[uint16]int{}
	}
	a.kaExpired[c.keepalive]++
}

// clientClose notes the client ending c; without a DISCONNECT before it,
// the session ended abnormally (the device lost power or coverage, or its
// stack reset).
func (a *Analyzer) clientClose(c *connState, rst bool) {
	if c.flags&fClosed != 0 {
		return
	}
	c.flags |= fClosed
	if c.cl == nil || c.cause != causeNone {
		return
	}
	switch {
	case c.flags&fDisconnect != 0:
		c.cause = causeClean
	case c.connack < 0:
		a.setCause(c, causeNoConnack)
	case rst:
		a.setCause(c, causeClientReset)
	default:
		a.setCause(c, causeClientGone)
	}
}

// setCause records why c ended (once).
func (a *Analyzer) setCause(c *connState, cs cause) {
	if c.cause != causeNone {
		return
	}
	c.cause = cs
	if c.cl != nil {
		c.cl.prob().causes[cs]++
	}
}

// end forgets c, after counting how its session ended.
func (a *Analyzer) end(c *connState) {
	if c.flags&fEnded != 0 {
		return
	}
	c.flags |= fEnded
	delete(a.conns, c.id)
	if c.flags&fTLS != 0 {
		a.sum.TLSConnections++
	}
	if c.cl == nil {
		if c.flags&(fCounted|fTLS) == 0 {
			a.sum.WithoutConnect++
		}
		return
	}
	if c.cause == causeNone {
		if c.flags&fClosed == 0 {
			c.cause = causeOpen
		} else {
			c.cause = causeClean
		}
	}
	c.cl.last = c.cause
	if c.cause == causeOpen {
		a.sum.OpenAtEnd++
	}
	if c.cause == causeClean {
		a.sum.Disconnected++
	}
}

// maxKeyLen bounds the client ids, usernames and server names the report
// keeps: the wire allows 65,535 bytes each, and a capture of many
// connections with huge distinct ids must not make the report huge.
const maxKeyLen = 256

// boundedKey returns s, or for a longer s its first bytes, its length and
// a hash of the whole, which still tells different values apart.
func boundedKey(s string) string {
	if len(s) <= maxKeyLen {
		return s
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%s…(%d bytes, fnv %016x)", strings.ToValidUTF8(s[:maxKeyLen-48], ""), len(s), h.Sum64())
}
