// Package fleet is the broker-side view of a capture: thousands of clients
// connecting to one broker, and which of them fail and why. It consumes
// decoded capture records one at a time (decode/netcap streams them) and
// keeps state only for live connections and for the report itself (one
// small entry per client id, counters per cause), never the capture.
package fleet

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// Options tune the analysis; the zero value uses the defaults.
type Options struct {
	// StormConnects connections of one client id within StormWindow make
	// a reconnect storm (defaults 10 and 10 minutes).
	StormConnects int
	StormWindow   time.Duration
	// LoopTakeovers takeovers of one client id make a takeover loop
	// (default 3).
	LoopTakeovers int
	// Examples is how many example client ids (or addresses) each finding
	// names (default 5).
	Examples int
	// AllClients lists every client id in the report's client table, not
	// only those with a problem.
	AllClients bool
}

// Defaults.
const (
	defaultStormConnects = 10
	defaultStormWindow   = 10 * time.Minute
	defaultLoopTakeovers = 3
	defaultExamples      = 5
	// takeoverWindow: the broker closes the old connection within this
	// time of the new CONNECT with the same client id (mosquitto: < 1 ms).
	takeoverWindow = time.Second
	// closeAfterRequest: a broker close this soon after a request it did
	// not answer is its answer (an invalid topic, an ACL denial).
	closeAfterRequest = 2 * time.Second
	// keepaliveSlack: how late after 1.5 × keepalive a broker's close
	// still counts as the keepalive expiry.
	keepaliveSlack = 10 * time.Second
	// forgetAfter is how long a connection may be silent before it is
	// ended here: longer than the decoder's idle timeout (5 min), after
	// which the decoder has forgotten it too and its 4-tuple would start a
	// new connection number.
	forgetAfter   = 6 * time.Minute
	sweepInterval = 30 * time.Second
	// maxStormTimes bounds the connect times kept per client for the
	// storm window; a client connecting faster is counted as at least
	// this many.
	maxStormTimes = 4096
	// maxLiveConns bounds the live connections, as the decoder bounds its
	// table (decode/netcap maxConns).
	maxLiveConns = 1 << 18
)

// Analyzer accumulates the fleet report from records in capture order.
type Analyzer struct {
	opts Options

	conns   map[int]*connState
	clients map[string]*clientState
	order   []*clientState // by first CONNECT

	acceptedUsers map[string]bool
	kaExpired     map[uint16]int // keepalive → expired sessions
	sni           map[string]*sniStats
	noConnect     map[string]*addrGroup // address-keyed problems (SYN, RST, DNS, TLS alerts)
	trackedAddrs  int                   // client addresses held in noConnect's groups

	maxLive   int // maxLiveConns; tests lower it
	sum       Summary
	first     time.Time
	now       time.Time
	lastSweep time.Time
}

// New returns an empty Analyzer.
func New(opts Options) *Analyzer {
	if opts.StormConnects <= 0 {
		opts.StormConnects = defaultStormConnects
	}
	if opts.StormWindow <= 0 {
		opts.StormWindow = defaultStormWindow
	}
	if opts.LoopTakeovers <= 0 {
		opts.LoopTakeovers = defaultLoopTakeovers
	}
	if opts.Examples <= 0 {
		opts.Examples = defaultExamples
	}
	return &Analyzer{
		opts:          opts,
		maxLive:       maxLiveConns,
		conns:         map[int]*connState{},
		clients:       map[string]*clientState{},
		acceptedUsers: map[string]bool{},
		sni:           map[string]*sniStats{},
		noConnect:     map[string]*addrGroup{},
	}
}

// Add takes one record; records must come in the order the decoder emits
// them.
func (a *Analyzer) Add(r netcap.Record) {
	if a.first.IsZero() || r.Time.Before(a.first) {
		a.first = r.Time
	}
	if r.Time.After(a.now) {
		a.now = r.Time
	}
	if a.now.Sub(a.lastSweep) >= sweepInterval {
		a.sweep()
	}
	if r.Kind == netcap.KindEvent && r.Event != nil && r.Event.Type == netcap.EventDNS {
		a.dns(r)
		return
	}
	if r.Conn == 0 {
		return
	}
	c := a.conns[r.Conn]
	if c == nil {
		if len(a.conns) >= a.maxLive {
			a.evictSilent()
		}
		c = &connState{id: r.Conn, client: r.Client, server: r.Server, connack: -1}
		a.conns[r.Conn] = c
		a.sum.Connections++
	}
	ns := r.Time.UnixNano()
	c.last = ns
	if r.FromClient {
		c.lastFromClient = ns
	}
	switch r.Kind {
	case netcap.KindPacket:
		if r.Packet != nil {
			a.packet(c, r)
		}
	case netcap.KindEvent:
		if r.Event != nil {
			a.event(c, r)
		}
	}
}

func (a *Analyzer) packet(c *connState, r netcap.Record) {
	p := r.Packet
	a.sum.Packets++
	switch {
	case p.Type == mqtt.CONNECT && r.FromClient:
		if c.cl != nil {
			return // a second CONNECT on one connection: the broker drops it anyway
		}
		a.connect(c, r)
	case p.Type == mqtt.CONNACK && !r.FromClient:
		if c.connack < 0 {
			a.connack(c, p)
		}
	case p.Type == mqtt.DISCONNECT && r.FromClient:
		c.flags |= fDisconnect
	case p.Type == mqtt.DISCONNECT && !r.FromClient:
		code := byte(0)
		if p.HasReasonCode {
			code = p.ReasonCode
		}
		a.serverClose(c, r.Time, closeDisconnect, code)
	case r.FromClient:
		switch {
		case p.Type == mqtt.PINGREQ, p.Type == mqtt.SUBSCRIBE, p.Type == mqtt.UNSUBSCRIBE,
			p.Type == mqtt.PUBLISH:
			c.pending, c.pendingAt = p.Type, r.Time.UnixNano()
		}
	default:
		switch p.Type {
		case mqtt.PINGRESP, mqtt.SUBACK, mqtt.UNSUBACK, mqtt.PUBACK, mqtt.PUBREC:
			c.pending = 0
		}
	}
}

func (a *Analyzer) event(c *connState, r netcap.Record) {
	e := r.Event
	switch e.Type {
	case netcap.EventSYN:
		c.flags |= fSYN
	case netcap.EventSYNACK:
		c.flags |= fSYNACK
	case netcap.EventSYNUnanswered:
		a.addrProblem(kindSYNUnanswered, c.server.String(), c.client.Addr())
		c.flags |= fCounted
		a.end(c)
	case netcap.EventRST:
		if e.By == "server" && c.flags&fSYNACK == 0 && c.cl == nil {
			a.addrProblem(kindTCPRefused, c.server.String(), c.client.Addr())
			c.flags |= fCounted
			a.end(c)
			return
		}
		if e.By == "server" {
			a.serverClose(c, r.Time, closeRST, 0)
		} else {
			a.clientClose(c, true)
		}
		a.end(c)
	case netcap.EventFIN:
		if e.By == "server" {
			a.serverClose(c, r.Time, closeFIN, 0)
			c.flags |= fServerFIN
		} else {
			a.clientClose(c, false)
			c.flags |= fClientFIN
		}
		if c.flags&(fServerFIN|fClientFIN) == fServerFIN|fClientFIN {
			a.end(c)
		}
	case netcap.EventTLSHello:
		c.flags |= fTLS
		c.sni = boundedKey(e.SNI)
		s := a.sniOf(c.sni)
		s.connections++
	case netcap.EventTLSAlert:
		c.flags |= fTLS
		if e.By == "server" || e.By == "client" {
			s := a.sniOf(c.sni)
			s.alert(e.By + " " + e.Detail)
			a.addrProblem(kindTLSAlert, sniLabel(c.sni)+"\x00"+e.By+" "+e.Detail, c.client.Addr())
		}
	}
}

// dns counts failed lookups: an error rcode or an A/AAAA answer without
// addresses.
func (a *Analyzer) dns(r netcap.Record) {
	d := r.Event.DNS
	if d == nil || !d.Response {
		return
	}
	if d.Rcode == 0 && (len(d.Answers) > 0 || (d.QType != "A" && d.QType != "AAAA")) {
		return
	}
	a.addrProblem(kindDNSFailure, d.Name+"\x00"+rcodeName(d.Rcode), d.Client.Addr())
}

// sweep ends connections silent for longer than the decoder keeps them.
func (a *Analyzer) sweep() {
	a.lastSweep = a.now
	for _, c := range a.conns {
		if a.now.UnixNano()-c.last > int64(forgetAfter) {
			a.end(c)
		}
	}
}

// evictSilent ends the quarter of the live connections silent longest:
// the decoder's table holds no more than maxLiveConns either, and those it
// ends early come back, if at all, as new connections.
func (a *Analyzer) evictSilent() {
	live := make([]*connState, 0, len(a.conns))
	for _, c := range a.conns {
		live = append(live, c)
	}
	slices.SortFunc(live, func(x, y *connState) int {
		if x.last != y.last {
			return cmp.Compare(x.last, y.last)
		}
		return x.id - y.id
	})
	for _, c := range live[:len(live)/4] {
		a.end(c)
	}
}

// Report ends every open connection and returns the report. The Analyzer
// must not be used afterwards.
func (a *Analyzer) Report() *Report {
	for _, c := range a.conns {
		a.end(c)
	}
	return a.build()
}

func (a *Analyzer) sniOf(name string) *sniStats {
	s := a.sni[name]
	if s == nil && len(a.sni) >= maxGroups {
		name = otherNames
		s = a.sni[name]
	}
	if s == nil {
		s = &sniStats{name: name}
		a.sni[name] = s
	}
	return s
}

// addrGroup collects a problem seen by address rather than client id.
type addrGroup struct {
	kind     problemKind
	key      string
	count    int
	addrs    map[netip.Addr]bool // distinct client addresses, up to a bound
	manyAddr bool
	examples []string
}

// Bounds: distinct client addresses counted per group, and groups
// (server addresses, server names, DNS names) kept before the rest are
// lumped together.
const (
	maxGroupAddrs   = 1 << 16
	maxTrackedAddrs = 1 << 18 // over all groups
	maxGroups       = 4096
	otherNames      = "(other names and servers)"
)

func (a *Analyzer) addrProblem(kind problemKind, key string, client netip.Addr) {
	k := string(rune('a'+kind)) + key
	g := a.noConnect[k]
	if g == nil && len(a.noConnect) >= maxGroups {
		// A capture naming thousands of servers or names: the rest share
		// one group per kind.
		key = otherNames
		if kind == kindTLSAlert || kind == kindDNSFailure {
			key += "\x00various"
		}
		k = string(rune('a'+kind)) + key
		g = a.noConnect[k]
	}
	if g == nil {
		g = &addrGroup{kind: kind, key: key, addrs: map[netip.Addr]bool{}}
		a.noConnect[k] = g
	}
	g.count++
	if !g.addrs[client] {
		if len(g.addrs) < maxGroupAddrs && a.trackedAddrs < maxTrackedAddrs {
			g.addrs[client] = true
			a.trackedAddrs++
		} else {
			g.manyAddr = true
		}
		if len(g.examples) < a.opts.Examples && client.IsValid() {
			g.examples = append(g.examples, client.String())
		}
	}
}

func rcodeName(rc int) string {
	switch rc {
	case 0:
		return "no address"
	case 1:
		return "FORMERR"
	case 2:
		return "SERVFAIL"
	case 3:
		return "NXDOMAIN"
	case 4:
		return "NOTIMP"
	case 5:
		return "REFUSED"
	}
	return "rcode " + itoa(rc)
}
