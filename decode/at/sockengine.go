package at

import (
	"encoding/hex"
	"strings"
)

// The engine's part of the socket dialects: the data forms the module
// uses (read replies of a declared length, raw or hex, inline "+IPD,<n>:"
// data, data pushed after "+RECEIVE,<id>,<n>:" or "+QIURC: "recv",<id>,<n>")
// and the send forms whose arguments shift.

// sockState is what the engine tracks for socket dialects.
type sockState struct {
	mux int // AT+CIPMUX seen: 1 multi-link, 0 single, -1 unknown
	// read is the read command whose data is still coming; want its
	// declared length; text: the data comes as log lines (a text log or
	// hex), not as exact bytes.
	read *txnState
	recv *Event // a receive URC whose data is still coming
	want int
	text bool
	hex  bool
	// exact: the log holds the module's bytes as sent (atmq-serial,
	// jpnevulator, live chunks), so data of a declared length is read as
	// bytes; saved terminal text lost line ends and control bytes.
	exact bool
}

// sockCommand adjusts a socket command once it is parsed: the link and
// length of the CIPSEND forms, hex data given inline.
func (e *engine) sockCommand(p *txnState) {
	e.sock.read, e.sock.recv, e.sock.text = nil, nil, false
	t := p.t
	if t.Name == "CIPMUX" && len(p.fields) == 1 {
		e.sock.mux, _ = atoi(p.fields[0].Value)
		if p.fields[0].Value != "1" {
			e.sock.mux = 0
		}
	}
	c := sockDialects[t.Dialect][t.Name]
	if c == nil || p.query || c.op != SockSend {
		return
	}
	if c.hexArg != "" {
		p.data = DataNone
		if b, err := hex.DecodeString(t.Args[c.hexArg]); err == nil {
			t.Payload = b
		}
		return
	}
	switch len(p.fields) {
	case 0:
		p.data = DataCtrlZ
		t.Args[ArgConn] = "0"
	case 1:
		if e.sock.mux == 1 || t.Dialect != "sock-cip" {
			// AT+CIPSEND=<link> (multi-link) / AT+QISEND=<id>: Ctrl-Z ends the data.
			p.data, p.length = DataCtrlZ, 0
			return
		}
		t.Args["length"], t.Args[ArgConn] = t.Args[ArgConn], "0"
		p.data = DataLength
		p.length, _ = atoi(t.Args["length"])
	default:
		p.data = DataLength
		p.length, _ = atoi(t.Args["length"])
	}
	if p.data == DataLength && p.length <= 0 {
		p.data = DataNone // AT+QISEND=0,0 asks for the send counters
	}
}

// sockInline answers the splitter's question after a ':' from the module:
// "+IPD,<n>:" / "+IPD,<link>,<n>:" start n bytes of data on the same line.
// Only logs that record both directions byte for byte carry them exactly.
func (e *engine) sockInline(head []byte) int {
	if !e.sock.exact || !e.hostSeen || len(head) < 7 || head[0] != '+' || !strings.HasPrefix(string(head), "+IPD,") {
		return 0
	}
	n, _, ok := ipdHeader(string(head[:len(head)-1]))
	if !ok || n <= 0 {
		return 0
	}
	return n
}

// ipdHeader reads "+IPD,<n>", "+IPD,<link>,<n>" (ESP-AT may add
// ",<ip>,<port>") and "+RECEIVE,<link>,<n>".
func ipdHeader(s string) (n int, conn string, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(s, "+IPD,"):
		rest = s[5:]
	case strings.HasPrefix(s, "+RECEIVE,"):
		rest = s[9:]
	default:
		return 0, "", false
	}
	f := strings.Split(rest, ",")
	if len(f) > 4 {
		return 0, "", false
	}
	if len(f) == 1 {
		n, ok = atoi(f[0])
		return n, "0", ok
	}
	n, ok = atoi(f[1])
	return n, strings.TrimSpace(f[0]), ok
}

// sockLine handles the module lines only socket dialects know; true when
// the line is taken.
func (e *engine) sockLine(text string, l Line) bool {
	s := &e.sock
	if e.pending == nil || !e.pending.prompted {
		if e.mcuPrint(text, l) {
			return true
		}
	}
	if s.text && (s.read != nil || s.recv != nil) {
		if _, fin := parseFinal(text); !fin {
			if _, sf := socketFinal(text); !sf {
				e.sockTextData(text)
				return true
			}
		}
		s.read, s.recv, s.text = nil, nil, false
	}
	p := e.pending
	if p != nil && !p.query {
		if c := sockDialects[p.t.Dialect][p.t.Name]; c != nil && c.readHeader != nil {
			if n, inline, hx, ok := c.readHeader(text); ok {
				e.response(p, text)
				e.sockRead(p, n, inline, hx)
				return true
			}
		}
	}
	if strings.HasPrefix(text, "+IPD,") || strings.HasPrefix(text, "+RECEIVE,") {
		if i := strings.IndexByte(text, ':'); i > 0 {
			if n, conn, ok := ipdHeader(text[:i]); ok {
				name := "IPD"
				if text[1] == 'R' {
					name = "RECEIVE"
				}
				ev := &Event{Line: l.Line, Time: l.Time, Text: text, Dialect: "sock-cip", Name: name,
					Args: map[string]string{ArgConn: conn, "length": itoa(n)}, Meaning: "data received on the socket"}
				e.event(ev)
				// The splitter already collects "+IPD,<n>:" data exactly.
				e.sockRecv(ev, n, text[i+1:], name == "IPD" && l.End == EndPartial && e.sock.exact && e.hostSeen)
				return true
			}
		}
	}
	if f, _, ok := headerAfter(text, "+QIURC:"); ok && len(f) == 3 && f[0] == "recv" {
		// Direct push mode: the data follows the URC.
		n, _ := atoi(f[2])
		ev := &Event{Line: l.Line, Time: l.Time, Text: text, Dialect: "sock-qi", Name: "QIURC",
			Args: map[string]string{"what": "recv", ArgConn: f[1], "length": f[2]}, Meaning: "data received on the socket"}
		e.event(ev)
		e.sockRecv(ev, n, "", false)
		return true
	}
	if p != nil && strings.HasPrefix(text, "Recv ") && strings.HasSuffix(text, " bytes") {
		e.response(p, text) // ESP-AT: the data was taken
		return true
	}
	if p != nil && p.d != nil && IsSocketDialect(p.d.Name) {
		if f, ok := socketFinal(text); ok {
			e.final(f, l)
			return true
		}
	}
	return false
}

// sockRead records a read reply's data (inline) or waits for it.
func (e *engine) sockRead(p *txnState, n int, inline string, hx bool) {
	s := &e.sock
	if p.t.Args == nil {
		p.t.Args = map[string]string{}
	}
	p.t.Args["read_length"] = itoa(n)
	if inline != "" || n <= 0 {
		p.t.Received = append(p.t.Received, decodeData(inline, hx)...)
		return
	}
	s.read, s.recv, s.want, s.hex = p, nil, n, hx
	s.text = hx || !e.sock.exact || !e.hostSeen
	if !s.text {
		e.split.SetModuleDataMode(n)
	}
}

// sockRecv records a receive URC's data (on its own line) or waits for
// it; splitting says the splitter already reads it as bytes.
func (e *engine) sockRecv(ev *Event, n int, inline string, splitting bool) {
	s := &e.sock
	if inline != "" || n <= 0 {
		ev.Payload = []byte(inline)
		return
	}
	s.read, s.recv, s.want, s.hex = nil, ev, n, false
	s.text = !e.sock.exact || !e.hostSeen
	if !s.text && !splitting {
		e.split.SetModuleDataMode(n)
	}
}

// sockTextData takes a log line as (part of) the data awaited: text logs
// lose the line ends and control bytes, so it is joined with "\n".
func (e *engine) sockTextData(text string) {
	s := &e.sock
	b := decodeData(text, s.hex)
	if s.read != nil {
		if len(s.read.t.Received) > 0 && !s.hex {
			s.read.t.Received = append(s.read.t.Received, '\n')
		}
		if len(s.read.t.Received)+len(b) <= MaxLine {
			s.read.t.Received = append(s.read.t.Received, b...)
		}
		if s.hex || len(s.read.t.Received) >= s.want {
			s.read, s.text = nil, false
		}
		return
	}
	if len(s.recv.Payload) > 0 {
		s.recv.Payload = append(s.recv.Payload, '\n')
	}
	if len(s.recv.Payload)+len(b) <= MaxLine {
		s.recv.Payload = append(s.recv.Payload, b...)
	}
	if len(s.recv.Payload) >= s.want {
		s.recv, s.text = nil, false
	}
}

// sockData takes the exact bytes the module sent in data mode.
func (e *engine) sockData(l Line) {
	s := &e.sock
	switch {
	case s.read != nil:
		s.read.t.Received = append(s.read.t.Received, l.Text...)
	case s.recv != nil:
		s.recv.Payload = append(s.recv.Payload, l.Text...)
	default:
		e.problem("line %d: %d bytes of socket data with nothing waiting for them", l.Line, len(l.Text))
	}
	s.read, s.recv = nil, nil
}

// decodeData turns data written as hex into bytes (kept as text when it
// is not hex after all).
func decodeData(s string, hx bool) []byte {
	if hx && hexDigits(s) {
		if b, err := hex.DecodeString(s); err == nil {
			return b
		}
	}
	return []byte(s)
}
