package fleet

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
)

// cause is how one MQTT session ended.
type cause uint8

const (
	causeNone               cause = iota
	causeOpen                     // still open when the capture (or the connection's traffic) ended
	causeClean                    // the client sent DISCONNECT
	causeRefusedNoUser            // CONNACK not authorized / bad credentials, no username sent
	causeRefusedUser              // the same with a username
	causeRefusedClientID          // CONNACK identifier rejected
	causeRefusedVersion           // CONNACK unacceptable protocol version
	causeRefusedOther             // any other refusing CONNACK
	causeNoConnack                // the connection ended before a CONNACK
	causeTakeover                 // another connection took the client id over
	causeKeepalive                // broker closed after 1.5 × keepalive of silence
	causeClosedAfterRequest       // broker closed right after a request it did not answer
	causeServerClosed             // broker closed, no better reason in the capture
	causeClientGone               // client FIN without DISCONNECT
	causeClientReset              // client RST
	numCauses
)

// problem reports whether a session that ended so is worth a look.
func (c cause) problem() bool { return c >= causeRefusedNoUser }

// clientState is what the report keeps per client id: about 120 bytes,
// plus a problems record for the clients that had any.
type clientState struct {
	id              string
	conns           uint32
	accepted        uint32
	refused         uint32
	keepalive       uint16
	last            cause
	addr            [2]netip.Addr // the first two distinct client addresses
	lastConnectAt   int64         // Unix nanoseconds
	lastConnectConn int
	storm           *stormWindow
	p               *clientProblems
}

// clientProblems is kept only for clients with a problem.
type clientProblems struct {
	causes       [numCauses]uint32
	refusedCode  int16
	refusedV5    bool
	refusedUser  string
	lastRequest  mqtt.Type
	takeovers    uint32
	lastTakeover time.Time
	minGap       time.Duration
	maxGap       time.Duration
}

func (cl *clientState) prob() *clientProblems {
	if cl.p == nil {
		cl.p = &clientProblems{}
	}
	return cl.p
}

func (cl *clientState) count(cs cause) uint32 {
	if cl.p == nil {
		return 0
	}
	return cl.p.causes[cs]
}

func (cl *clientState) noteAddr(ip netip.Addr) {
	switch {
	case !cl.addr[0].IsValid():
		cl.addr[0] = ip
	case cl.addr[0] != ip && !cl.addr[1].IsValid():
		cl.addr[1] = ip
	}
}

func (cl *clientState) noteTakeover(t time.Time) {
	p := cl.prob()
	if p.takeovers > 0 {
		gap := t.Sub(p.lastTakeover)
		if p.minGap == 0 || gap < p.minGap {
			p.minGap = gap
		}
		p.maxGap = max(p.maxGap, gap)
	}
	p.takeovers++
	p.lastTakeover = t
}

// stormWindow finds the most connects of one client id within the storm
// window, sliding over its connect times.
type stormWindow struct {
	times []time.Time // connects inside the current window, oldest first
	best  int
	from  time.Time // start of the busiest window
	to    time.Time
}

// noteConnect adds a connect time; the window is allocated at the second
// connect, so a client that connects once costs nothing.
func (cl *clientState) noteConnect(t time.Time, o Options) {
	if cl.storm == nil {
		if cl.conns < 2 {
			cl.lastConnectAt = t.UnixNano()
			return
		}
		first := time.Unix(0, cl.lastConnectAt).UTC()
		cl.storm = &stormWindow{times: []time.Time{first}, best: 1, from: first, to: first}
	}
	s := cl.storm
	s.times = append(s.times, t)
	drop := 0
	for drop < len(s.times) && t.Sub(s.times[drop]) > o.StormWindow {
		drop++
	}
	if len(s.times)-drop > maxStormTimes {
		drop = len(s.times) - maxStormTimes
	}
	if drop > 0 {
		s.times = append(s.times[:0], s.times[drop:]...)
	}
	if len(s.times) > s.best {
		s.best, s.from, s.to = len(s.times), s.times[0], t
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
