package correlate

import "sort"

// maxSessionConns bounds the device connections a session lists.
const maxSessionConns = 1000

// view is the result a Session shows for window w: its items not settled,
// numbered in the session, every finding so far and every connection of
// the device so far. Before anything was settled it is Analyze's result
// unchanged.
func (s *Session) view(w *window) *Result {
	res := w.res
	if !s.settledAny() && len(w.now.txs) == 0 && len(w.now.evs) == 0 && len(w.now.frames) == 0 {
		return res
	}
	out := *res
	out.Transactions = nil
	for i := range w.txs {
		if !w.now.txs[i] && !w.done.txs[i] {
			out.Transactions = append(out.Transactions, res.Transactions[i])
		}
	}
	out.Events = nil
	for i := range w.evs {
		if !w.now.evs[i] && !w.done.evs[i] {
			out.Events = append(out.Events, res.Events[i])
		}
	}
	out.Timeline = nil
	for _, row := range res.Timeline {
		if !w.doneRow(row) {
			out.Timeline = append(out.Timeline, w.number(row))
		}
	}
	out.Findings = s.findings.merge(res.Findings)
	if len(s.conns) > 0 {
		for _, c := range res.Device.Connections {
			s.addConn(c)
		}
		out.Device.Connections = make([]Connection, 0, len(s.conns))
		for _, c := range s.conns {
			out.Device.Connections = append(out.Device.Connections, c)
		}
		sort.Slice(out.Device.Connections, func(i, j int) bool {
			return out.Device.Connections[i].Conn < out.Device.Connections[j].Conn
		})
	}
	return &out
}

// addConn remembers one of the device's connections.
func (s *Session) addConn(c Connection) {
	old, ok := s.conns[c.Conn]
	if !ok {
		if len(s.conns) >= maxSessionConns {
			return
		}
		s.conns[c.Conn] = c
		return
	}
	if c.FirstFrame < old.FirstFrame {
		old.FirstFrame = c.FirstFrame
	}
	if c.LastFrame > old.LastFrame {
		old.LastFrame = c.LastFrame
	}
	if old.ClientID == "" {
		old.ClientID = c.ClientID
	}
	s.conns[c.Conn] = old
}
