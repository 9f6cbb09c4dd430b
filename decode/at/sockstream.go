package at

import (
	"sort"
	"strings"
	"time"
)

// SocketStream is one socket's traffic rebuilt from the log: what the
// host sent through the send commands and what the module handed back in
// read replies and receive URCs, in log order.
type SocketStream struct {
	Dialect string
	Conn    string // the module's socket / link number
	Host    string
	Port    string
	// OpenLine is the open command's line (0: the log starts with the
	// socket open); OpenOutcome its outcome.
	OpenLine    int
	OpenOutcome Outcome
	// CloseLine is where the socket was closed; ClosedBy "host" (a close
	// command) or "peer" (a closed URC); "" while open.
	CloseLine int
	CloseTime time.Time
	ClosedBy  string
	Segments  []SocketSegment
}

// SocketSegment is the bytes of one send or receive.
type SocketSegment struct {
	FromHost bool
	Line     int
	Time     time.Time
	Data     []byte
	// Declared is the length the command or the module declared; -1
	// when none was given (Ctrl-Z ended data).
	Declared int
	// Failed is the module's answer when it refused to send ("SEND
	// FAIL", "ERROR"): the bytes never reached the network.
	Failed string
	// Unconfirmed: the log ends before the module answered the send.
	Unconfirmed bool
}

// Intact says the log holds every byte of the segment.
func (s SocketSegment) Intact() bool { return s.Declared < 0 || len(s.Data) == s.Declared }

// SocketStreams rebuilds every socket of the log.
func SocketStreams(l *Log) []*SocketStream {
	type item struct {
		line int
		time time.Time
		tx   *Transaction
		ev   *Event
	}
	var items []item
	for i := range l.Transactions {
		if t := &l.Transactions[i]; IsSocketDialect(t.Dialect) {
			items = append(items, item{t.Line, t.Time, t, nil})
		}
	}
	for i := range l.Events {
		if e := &l.Events[i]; IsSocketDialect(e.Dialect) {
			items = append(items, item{e.Line, e.Time, nil, e})
		}
	}
	// Files number their lines; live recordings (line 0) have times.
	byTime := false
	for _, it := range items {
		byTime = byTime || it.line == 0
	}
	sort.SliceStable(items, func(i, j int) bool {
		if byTime {
			return items[i].time.Before(items[j].time)
		}
		return items[i].line < items[j].line
	})
	var out []*SocketStream
	open := map[string]*SocketStream{}
	get := func(dialect, conn string) *SocketStream {
		if conn == "" {
			conn = "0"
		}
		if s := open[conn]; s != nil {
			return s
		}
		s := &SocketStream{Dialect: dialect, Conn: conn}
		open[conn] = s
		out = append(out, s)
		return s
	}
	for _, it := range items {
		if t := it.tx; t != nil {
			sockTransaction(t, open, get, &out)
			continue
		}
		sockEvent(it.ev, open, get)
	}
	return out
}

func sockTransaction(t *Transaction, open map[string]*SocketStream, get func(string, string) *SocketStream, out *[]*SocketStream) {
	conn := t.Args[ArgConn]
	switch SocketOp(t) {
	case SockCreate:
		// u-blox "+USOCR: 0", BC95 "0": the socket number is the answer.
		for _, r := range t.Responses {
			r = strings.TrimSpace(strings.TrimPrefix(r, "+USOCR:"))
			if _, ok := atoi(r); ok {
				delete(open, r)
				get(t.Dialect, r)
			}
		}
	case SockOpen:
		if conn == "" {
			conn = "0"
		}
		if s := open[conn]; s != nil && (len(s.Segments) > 0 || s.OpenLine > 0) {
			delete(open, conn)
		}
		s := get(t.Dialect, conn)
		s.OpenLine, s.OpenOutcome = t.Line, t.Outcome
		s.Host, s.Port = t.Args[ArgHost], t.Args[ArgPort]
		if t.Outcome == OutcomeFailed {
			delete(open, conn)
		}
	case SockSend:
		s := get(t.Dialect, conn)
		seg := SocketSegment{FromHost: true, Line: t.Line, Time: t.Time, Data: t.Payload, Declared: -1}
		if n, ok := atoi(t.Args["length"]); ok {
			seg.Declared = n
		}
		switch {
		case t.Outcome == OutcomeFailed:
			seg.Failed = t.Final
		case t.Final == "":
			seg.Unconfirmed = true
		}
		s.Segments = append(s.Segments, seg)
	case SockRead:
		n, ok := atoi(t.Args["read_length"])
		if !ok || (n == 0 && len(t.Received) == 0) {
			return
		}
		s := get(t.Dialect, conn)
		s.Segments = append(s.Segments, SocketSegment{Line: t.Line, Time: t.Time, Data: t.Received, Declared: n})
	case SockClose:
		if s := open[orZero(conn)]; s != nil {
			if s.ClosedBy == "" {
				s.CloseLine, s.CloseTime, s.ClosedBy = t.Line, t.Time, "host"
			}
			delete(open, orZero(conn))
		}
	}
}

func sockEvent(e *Event, open map[string]*SocketStream, get func(string, string) *SocketStream) {
	conn := e.Args[ArgConn]
	if conn == "" {
		conn = leadingConn(e.Text)
	}
	switch {
	case e.Payload != nil || (e.Name == "QIURC" && e.Args["what"] == "recv" && e.Args["length"] != ""):
		n, ok := atoi(e.Args["length"])
		if !ok {
			n = -1
		}
		s := get(e.Dialect, conn)
		s.Segments = append(s.Segments, SocketSegment{Line: e.Line, Time: e.Time, Data: e.Payload, Declared: n})
	case sockClosedEvent(e):
		if s := open[orZero(conn)]; s != nil {
			s.CloseLine, s.CloseTime, s.ClosedBy = e.Line, e.Time, "peer"
			delete(open, orZero(conn))
		}
	}
}

// sockClosedEvent says a URC reports the socket closed by the peer or the
// network.
func sockClosedEvent(e *Event) bool {
	switch e.Name {
	case "IPCLOSE", "UUSOCL", "NSOCLI":
		return true
	case "QIURC":
		return e.Args["what"] == "closed"
	case "CASTATE":
		return e.Args["state"] == "0"
	}
	return strings.HasSuffix(e.Name, "CLOSED")
}

func orZero(conn string) string {
	if conn == "" {
		return "0"
	}
	return conn
}

// maxCollected bounds the socket traffic a SocketCollector keeps.
const maxCollected = 64 << 20

// SocketCollector keeps the socket dialects' transactions and events of a
// streamed log (ReadLogEach keeps none), so the sockets can be rebuilt at
// the end; past maxCollected bytes of data it keeps no more and says so.
type SocketCollector struct {
	log       Log
	bytes     int
	Truncated bool
}

// Add takes one item of the stream.
func (c *SocketCollector) Add(it Item) {
	if c.Truncated {
		return
	}
	switch {
	case it.Txn != nil && IsSocketDialect(it.Txn.Dialect):
		c.bytes += len(it.Txn.Payload) + len(it.Txn.Received)
		c.log.Transactions = append(c.log.Transactions, *it.Txn)
	case it.Event != nil && IsSocketDialect(it.Event.Dialect):
		c.bytes += len(it.Event.Payload)
		c.log.Events = append(c.log.Events, *it.Event)
	}
	if c.bytes > maxCollected {
		c.Truncated = true
	}
}

// Streams rebuilds the sockets from what was collected.
func (c *SocketCollector) Streams() []*SocketStream { return SocketStreams(&c.log) }
