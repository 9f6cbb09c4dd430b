package fleet

import (
	"net/netip"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// Selection keeps, while the capture streams past, every record of the
// connections one client id or one client address used, so their timeline
// can be drawn without keeping the rest of the capture. A connection's
// SYN and SYN-ACK arrive before its CONNECT names the client id: they are
// held (a few per open connection) until the CONNECT decides.
type Selection struct {
	clientID string
	device   netip.AddrPort // port 0: any port
	state    map[int]int8   // per connection: 1 selected, -1 not
	pending  map[int][]netcap.Record
	recs     []netcap.Record
	dns      int
}

// Bounds on what is held for undecided connections and on DNS records.
const (
	maxPendingPerConn = 4
	maxPendingConns   = 1 << 16
	maxSelectionDNS   = 1 << 12
	maxSelectionState = 1 << 18
)

// NewSelection selects by client id and/or client address ("IP" or
// "IP:port"); it returns nil when neither is given.
func NewSelection(clientID, device string) *Selection {
	s := &Selection{clientID: clientID, state: map[int]int8{}, pending: map[int][]netcap.Record{}}
	if ap, err := netip.ParseAddrPort(device); err == nil {
		s.device = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	} else if ip, err := netip.ParseAddr(device); err == nil {
		s.device = netip.AddrPortFrom(ip.Unmap(), 0)
	}
	if clientID == "" && !s.device.Addr().IsValid() {
		return nil
	}
	return s
}

// Add takes one record in capture order.
func (s *Selection) Add(r netcap.Record) {
	if r.Conn == 0 {
		// DNS answers let the analysis resolve names; keep a bounded number.
		if r.Kind == netcap.KindEvent && r.Event != nil && r.Event.DNS != nil && s.dns < maxSelectionDNS {
			s.dns++
			s.recs = append(s.recs, r)
		}
		return
	}
	switch s.state[r.Conn] {
	case 1:
		s.recs = append(s.recs, r)
		return
	case -1:
		if !s.isConnect(r) {
			return
		}
	}
	if s.deviceMatch(r.Client) {
		s.decide(r.Conn, true)
		s.recs = append(s.recs, r)
		return
	}
	if s.isConnect(r) {
		if s.clientID != "" && r.Packet.ClientID == s.clientID {
			s.decide(r.Conn, true)
			s.recs = append(s.recs, r)
			return
		}
		s.decide(r.Conn, false)
		return
	}
	if s.clientID == "" || r.Kind != netcap.KindEvent {
		s.reject(r.Conn) // by address only, or traffic without a CONNECT
		delete(s.pending, r.Conn)
		return
	}
	switch r.Event.Type {
	case netcap.EventFIN, netcap.EventRST, netcap.EventSYNUnanswered:
		delete(s.pending, r.Conn) // the connection ends without a CONNECT
		return
	}
	if p := s.pending[r.Conn]; len(p) < maxPendingPerConn && (p != nil || len(s.pending) < maxPendingConns) {
		s.pending[r.Conn] = append(p, r)
	}
}

func (s *Selection) isConnect(r netcap.Record) bool {
	return r.Kind == netcap.KindPacket && r.Packet != nil && r.Packet.Type == mqtt.CONNECT && r.FromClient
}

func (s *Selection) deviceMatch(client netip.AddrPort) bool {
	if !s.device.Addr().IsValid() || client.Addr().Unmap() != s.device.Addr() {
		return false
	}
	return s.device.Port() == 0 || client.Port() == s.device.Port()
}

func (s *Selection) decide(conn int, selected bool) {
	if selected {
		s.state[conn] = 1
		s.recs = append(s.recs, s.pending[conn]...)
	} else {
		s.reject(conn)
	}
	delete(s.pending, conn)
}

// reject marks conn as not selected. The marks are forgotten in bulk when
// there are many: a forgotten connection's packets are marked again (none
// of them is a CONNECT naming the id), so only the selected ones must stay.
func (s *Selection) reject(conn int) {
	if len(s.state) >= maxSelectionState {
		for c, st := range s.state {
			if st < 0 {
				delete(s.state, c)
			}
		}
	}
	s.state[conn] = -1
}

// Records returns the selected records in the order they arrived.
func (s *Selection) Records() []netcap.Record { return s.recs }
