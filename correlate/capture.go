package correlate

import (
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// connInfo indexes one TCP connection of the capture.
type connInfo struct {
	id     int
	client netip.AddrPort
	server netip.AddrPort
	recs   []int // indices into the record slice, in capture order
	// connect is the index of the connection's first client CONNECT, -1
	// when it carried none.
	connect int
	connack int // first CONNACK, -1 when none
}

// connectPacket returns the connection's CONNECT packet or nil.
func (a *captureIndex) connectPacket(c *connInfo) *mqtt.Packet {
	if c == nil || c.connect < 0 {
		return nil
	}
	return a.recs[c.connect].Packet
}

// indexCapture groups records by connection. Records of Conn 0 (DNS over
// UDP) stay in a.dns.
func indexCapture(recs []netcap.Record) *captureIndex {
	a := &captureIndex{recs: recs}
	a.index()
	return a
}

func (a *captureIndex) index() {
	a.conns = map[int]*connInfo{}
	a.byClient = map[string][]int{}
	a.subByID = map[uint16][]int{}
	a.unsByID = map[uint16][]int{}
	a.pubs = newPubIndex()
	for i := range a.recs {
		r := &a.recs[i]
		if r.Kind == netcap.KindEvent && r.Event != nil && r.Event.Type == netcap.EventDNS {
			if r.Event.DNS != nil {
				a.dns = append(a.dns, i)
			}
			continue
		}
		if r.Conn == 0 {
			continue
		}
		c := a.conns[r.Conn]
		if c == nil {
			c = &connInfo{id: r.Conn, client: r.Client, server: r.Server, connect: -1, connack: -1}
			a.conns[r.Conn] = c
			a.connOrder = append(a.connOrder, r.Conn)
		}
		c.recs = append(c.recs, i)
		p := r.Packet
		if p == nil || r.Kind != netcap.KindPacket {
			continue
		}
		switch {
		case p.Type == mqtt.CONNECT && r.FromClient:
			if c.connect < 0 {
				c.connect = i
			}
			a.byClient[p.ClientID] = append(a.byClient[p.ClientID], i)
		case p.Type == mqtt.CONNACK && !r.FromClient && c.connack < 0:
			c.connack = i
		case p.Type == mqtt.SUBSCRIBE && r.FromClient:
			a.subByID[p.PacketID] = append(a.subByID[p.PacketID], i)
		case p.Type == mqtt.UNSUBSCRIBE && r.FromClient:
			a.unsByID[p.PacketID] = append(a.unsByID[p.PacketID], i)
		case p.Type == mqtt.PUBLISH:
			a.pubs.add(i, p, r.FromClient)
		}
	}
}

// isPacket reports whether record i is an MQTT packet of type t going the
// given way.
func (a *captureIndex) isPacket(i int, t mqtt.Type, fromClient bool) bool {
	r := &a.recs[i]
	return r.Kind == netcap.KindPacket && r.Packet != nil && r.Packet.Type == t && r.FromClient == fromClient
}

// isEvent reports whether record i is a TCP event of the given type.
func (a *captureIndex) isEvent(i int, typ string) bool {
	r := &a.recs[i]
	return r.Kind == netcap.KindEvent && r.Event != nil && r.Event.Type == typ
}

// isServerClose reports whether record i is the broker ending the
// connection: a FIN or RST it sent, or an MQTT 5.0 DISCONNECT from it.
func (a *captureIndex) isServerClose(i int) bool {
	r := &a.recs[i]
	if r.Kind == netcap.KindEvent && r.Event != nil {
		return (r.Event.Type == netcap.EventFIN || r.Event.Type == netcap.EventRST) && r.Event.By == "server"
	}
	return a.isPacket(i, mqtt.DISCONNECT, false)
}

// isClientClose reports whether record i is the device ending the
// connection: its FIN, RST or DISCONNECT.
func (a *captureIndex) isClientClose(i int) bool {
	r := &a.recs[i]
	if r.Kind == netcap.KindEvent && r.Event != nil {
		return (r.Event.Type == netcap.EventFIN || r.Event.Type == netcap.EventRST) && r.Event.By == "client"
	}
	return a.isPacket(i, mqtt.DISCONNECT, true)
}

// dnsName normalises a DNS name for comparison.
func dnsName(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }

// resolve returns the addresses host stands for: itself when it is an IP
// literal, else every A/AAAA answer for it in the capture.
func (a *captureIndex) resolve(host string) []netip.Addr {
	if host == "" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}
	}
	var out []netip.Addr
	for _, i := range a.dns {
		d := a.recs[i].Event.DNS
		if d.Response && dnsName(d.Name) == dnsName(host) {
			for _, ip := range d.Answers {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// lastClientActivity returns the index of the last record the device sent
// on c before record idx (any packet or event), or -1.
func (a *captureIndex) lastClientActivity(c *connInfo, idx int) int {
	last := -1
	for _, i := range c.recs {
		if i >= idx {
			break
		}
		if a.recs[i].FromClient {
			last = i
		}
	}
	return last
}

// connOf returns the connection record i belongs to, or nil.
func (a *captureIndex) connOf(i int) *connInfo { return a.conns[a.recs[i].Conn] }

// posInConn returns the position of record i in c.recs.
func posInConn(c *connInfo, i int) int {
	return sort.SearchInts(c.recs, i)
}

// maxConnScan bounds how many records of one connection a follow-up
// search (an ack after its request) looks at, so hostile captures cannot
// make pairing quadratic.
const maxConnScan = 4096

// nextOnConn returns the first record after record i on i's connection
// satisfying pred, or -1.
func (a *captureIndex) nextOnConn(i int, pred func(j int) bool) int {
	c := a.connOf(i)
	if c == nil {
		return -1
	}
	p := posInConn(c, i)
	for k := p + 1; k < len(c.recs) && k <= p+maxConnScan; k++ {
		if pred(c.recs[k]) {
			return c.recs[k]
		}
	}
	return -1
}

// firstAtOrAfter returns the index of the first record whose time is not
// before t (records are in capture order, which is time order up to
// reassembly reordering).
func (a *captureIndex) firstAtOrAfter(t time.Time) int {
	return sort.Search(len(a.recs), func(i int) bool { return !a.recs[i].Time.Before(t) })
}
