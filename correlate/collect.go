package correlate

import (
	"net/netip"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// DefaultCollectLimit is how many records a Collector keeps in full before
// it starts dropping what cannot concern the device.
const DefaultCollectLimit = 50000

// Collector gathers the capture records an analysis of a serial log can
// use. A broker-side capture can hold millions of packets of other
// clients; once more than Limit records have arrived, the collector keeps
// only what the analysis reads: every TCP/TLS/DNS event, every CONNECT,
// CONNACK and DISCONNECT (to compare the device with the clients the
// broker accepted and to see takeovers), and all packets of connections
// that can be the device's — whose CONNECT carries a client id of the
// log's connect commands (or --client-id), whose client is --device, or,
// for connections the capture joined mid-stream, that carry a topic the
// log names. Small captures are kept whole, so their analysis is exact.
type Collector struct {
	// Limit is the record count after which pruning starts; 0 means
	// DefaultCollectLimit.
	Limit int

	recs    []netcap.Record
	ids     map[string]bool
	topics  map[string]bool
	device  netip.Addr
	canTell bool // a log or the options say which connections can be the device's
	pruning bool
	dropped int
	state   map[int]int8 // per connection: 1 can be the device's, -1 cannot, 0 unknown
}

// NewCollector prepares a collector for analysing log with opts.
func NewCollector(log *at.Log, opts Options) *Collector {
	c := &Collector{ids: map[string]bool{}, topics: map[string]bool{}, state: map[int]int8{}}
	if opts.ClientID != "" {
		c.ids[opts.ClientID] = true
	}
	if opts.Device != "" {
		if ap, err := netip.ParseAddrPort(opts.Device); err == nil {
			c.device = ap.Addr()
		} else if a, err := netip.ParseAddr(opts.Device); err == nil {
			c.device = a
		}
	}
	if log != nil {
		for _, t := range effectiveConnectArgs(log.Transactions) {
			if cid, ok := arg(t.Args, at.ArgClientID); ok && t.Op == at.OpConnect {
				c.ids[cid] = true
			}
			if topic, ok := arg(t.Args, at.ArgTopic); ok && topic != "" {
				c.topics[topic] = true
			}
		}
		for _, e := range log.Events {
			if topic, ok := arg(e.Args, at.ArgTopic); ok && topic != "" {
				c.topics[topic] = true
			}
		}
	}
	// A log that names no client id (an open that failed, a log cut
	// before the connect) still pairs only with connections its topics
	// point to, or with CONNECTs and TCP events, which pruning keeps: it
	// is a clue too, or a broker capture would be kept whole.
	c.canTell = len(c.ids) > 0 || c.device.IsValid() || log != nil
	return c
}

// Add takes one record, in capture order.
func (c *Collector) Add(r netcap.Record) {
	c.classify(r)
	if c.pruning && !c.keep(r) {
		c.dropped++
		return
	}
	c.recs = append(c.recs, r)
	limit := c.Limit
	if limit <= 0 {
		limit = DefaultCollectLimit
	}
	if !c.pruning && c.canTell && len(c.recs) > limit {
		c.pruning = true
		kept := c.recs[:0]
		for _, k := range c.recs {
			if c.keep(k) {
				kept = append(kept, k)
			} else {
				c.dropped++
			}
		}
		clear(c.recs[len(kept):]) // let the dropped packets be collected
		c.recs = kept
	}
}

// Records returns what was kept, in the order it arrived.
func (c *Collector) Records() []netcap.Record { return c.recs }

// Dropped is how many records were left out as other clients' traffic.
func (c *Collector) Dropped() int { return c.dropped }

// classify updates what is known of r's connection.
func (c *Collector) classify(r netcap.Record) {
	if r.Conn == 0 || c.state[r.Conn] != 0 && !(r.Kind == netcap.KindPacket && r.Packet.Type == mqtt.CONNECT) {
		return
	}
	if c.device.IsValid() && r.Client.Addr() == c.device {
		c.state[r.Conn] = 1
		return
	}
	if r.Kind != netcap.KindPacket {
		return
	}
	p := r.Packet
	switch p.Type {
	case mqtt.CONNECT:
		// A new CONNECT decides (or, on a reused connection, re-decides).
		if c.ids[p.ClientID] {
			c.state[r.Conn] = 1
		} else if len(c.ids) > 0 {
			c.state[r.Conn] = -1
		}
	case mqtt.PUBLISH:
		if c.topics[p.Topic] {
			c.state[r.Conn] = 1
		}
	case mqtt.SUBSCRIBE, mqtt.UNSUBSCRIBE:
		for _, s := range p.Subscriptions {
			if c.topics[s.Filter] {
				c.state[r.Conn] = 1
			}
		}
	}
}

// keep says whether the analysis can use r once pruning has started.
func (c *Collector) keep(r netcap.Record) bool {
	if r.Kind != netcap.KindPacket || c.state[r.Conn] == 1 {
		return true
	}
	switch r.Packet.Type {
	case mqtt.CONNECT, mqtt.CONNACK, mqtt.DISCONNECT:
		return true
	}
	return false
}
