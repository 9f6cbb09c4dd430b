package modemsim

import (
	"fmt"
	"net"
	"strconv"
	"sync"
)

// Socket dialects: the module is only a TCP socket and the host builds the
// MQTT packets itself (PubSubClient over TinyGSM). Two families:
//
//   - SIM800 (SIM800 Series TCPIP Application Note V1.03): AT+CIPMUX,
//     AT+CIPSTART → "<id>, CONNECT OK" / "CONNECT FAIL", AT+CIPSEND=<id>,<len>
//     → "> " → "<id>, SEND OK" / "SEND FAIL", data pushed as
//     "+RECEIVE,<id>,<len>:" (multi-link) or "+IPD,<len>:" (single),
//     "<id>, CLOSED", AT+CIPCLOSE → "<id>, CLOSE OK". One send takes at
//     most 1460 bytes; a longer AT+CIPSEND is answered ERROR.
//   - Quectel QI (BG96 TCP/IP AT Commands Manual V1.1): AT+QIOPEN →
//     OK, "+QIOPEN: <id>,<err>"; AT+QISEND=<id>,<len> → "> " → "SEND OK";
//     buffer access mode: "+QIURC: "recv",<id>" then AT+QIRD=<id>,<len> →
//     "+QIRD: <n>" and the bytes; "+QIURC: "closed",<id>"; AT+QICLOSE.
const (
	DialectSIM800Socket = "sim800-socket"
	DialectQISocket     = "qi-socket"
)

// socketMaxSend is the largest payload one send command takes.
const socketMaxSend = 1460

type socketConn struct {
	id     int
	conn   net.Conn
	rx     []byte // Quectel buffer access mode: bytes not read yet
	closed bool
}

type socketDialect struct {
	m     *Module
	qi    bool
	mux   bool
	mu    sync.Mutex // guards conns against the reader goroutines
	conns map[int]*socketConn
}

func newSocketDialect(m *Module, qi bool) *socketDialect {
	return &socketDialect{m: m, qi: qi, conns: map[int]*socketConn{}}
}

func (d *socketDialect) escapes() bool { return false }

func (d *socketDialect) shutdown() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.closed = true
		c.conn.Close()
	}
	d.conns = map[int]*socketConn{}
}

func (d *socketDialect) handle(cmd command) bool {
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	switch {
	case !d.qi && cmd.Name == "+CIPMUX" && cmd.Kind == kindSet && len(cmd.Args) == 1:
		d.mux = cmd.Args[0].Text == "1"
		d.m.final("OK")
	case !d.qi && cmd.Name == "+CIPSTART" && cmd.Kind == kindSet:
		d.open(cmd.Args, false)
	case d.qi && cmd.Name == "+QIOPEN" && cmd.Kind == kindSet && len(cmd.Args) >= 5:
		d.open(cmd.Args[1:], true)
	case (!d.qi && cmd.Name == "+CIPSEND" || d.qi && cmd.Name == "+QISEND") && cmd.Kind == kindSet:
		d.send(cmd.Args)
	case d.qi && cmd.Name == "+QIRD" && cmd.Kind == kindSet:
		d.read(cmd.Args)
	case (!d.qi && cmd.Name == "+CIPCLOSE" || d.qi && cmd.Name == "+QICLOSE") && cmd.Kind != kindTest:
		d.close(cmd.Args)
	default:
		return false
	}
	return true
}

// link reads the link number: the first argument in multi-link and
// Quectel modes, 0 in single-link SIM800 mode.
func (d *socketDialect) link(args []arg) (id int, rest []arg, ok bool) {
	if !d.qi && !d.mux {
		return 0, args, true
	}
	if len(args) == 0 {
		return 0, nil, false
	}
	n, err := strconv.Atoi(args[0].Text)
	return n, args[1:], err == nil && n >= 0 && n <= 11
}

// prefix is what SIM800 prints before its status texts in multi-link mode.
func (d *socketDialect) prefix(id int) string {
	if d.mux {
		return fmt.Sprintf("%d, ", id)
	}
	return ""
}

func (d *socketDialect) open(args []arg, qi bool) {
	id, rest, ok := d.link(args)
	if !ok || len(rest) < 3 || rest[0].Text != "TCP" {
		d.m.final("ERROR")
		return
	}
	port, err := strconv.Atoi(rest[2].Text)
	if err != nil {
		d.m.final("ERROR")
		return
	}
	host := rest[1].Text
	d.mu.Lock()
	_, busy := d.conns[id]
	d.mu.Unlock()
	if busy {
		if qi {
			d.m.final("ERROR")
		} else {
			d.m.final("OK")
			d.m.urc(d.prefix(id) + "ALREADY CONNECT")
		}
		return
	}
	d.m.final("OK")
	d.m.async(func() {
		conn, err := d.m.dial(host, port)
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		if err != nil {
			if qi {
				d.m.urc(fmt.Sprintf("+QIOPEN: %d,566", id))
			} else {
				d.m.urc(d.prefix(id) + "CONNECT FAIL")
			}
			return
		}
		c := &socketConn{id: id, conn: conn}
		d.mu.Lock()
		d.conns[id] = c
		d.mu.Unlock()
		if qi {
			d.m.urc(fmt.Sprintf("+QIOPEN: %d,0", id))
		} else {
			d.m.urc(d.prefix(id) + "CONNECT OK")
		}
		go d.receive(c)
	})
}

// receive hands the peer's bytes to the host until the peer closes.
func (d *socketDialect) receive(c *socketConn) {
	buf := make([]byte, 2048)
	for {
		n, err := c.conn.Read(buf)
		if n > 0 {
			d.m.mu.Lock()
			d.arrived(c, buf[:n])
			d.m.mu.Unlock()
		}
		if err != nil {
			d.m.mu.Lock()
			d.mu.Lock()
			gone := c.closed
			if !gone {
				c.closed = true
				delete(d.conns, c.id)
			}
			d.mu.Unlock()
			if !gone {
				if d.qi {
					d.m.urc(fmt.Sprintf("+QIURC: \"closed\",%d", c.id))
				} else {
					d.m.urc(d.prefix(c.id) + "CLOSED")
				}
			}
			d.m.mu.Unlock()
			return
		}
	}
}

// arrived reports received bytes: pushed with a header (SIM800) or kept
// for AT+QIRD with a "recv" URC when the buffer was empty (Quectel).
func (d *socketDialect) arrived(c *socketConn, b []byte) {
	if d.qi {
		d.mu.Lock()
		empty := len(c.rx) == 0
		if len(c.rx)+len(b) <= 1<<20 {
			c.rx = append(c.rx, b...)
		}
		d.mu.Unlock()
		if empty {
			d.m.urc(fmt.Sprintf("+QIURC: \"recv\",%d", c.id))
		}
		return
	}
	var framed []byte
	if d.mux {
		framed = fmt.Appendf(nil, "\r\n+RECEIVE,%d,%d:\r\n", c.id, len(b))
	} else {
		framed = fmt.Appendf(nil, "\r\n+IPD,%d:", len(b))
	}
	framed = append(framed, b...)
	framed = append(framed, "\r\n"...)
	d.m.urcRaw("+RECEIVE", framed)
}

func (d *socketDialect) conn(id int) *socketConn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conns[id]
}

func (d *socketDialect) send(args []arg) {
	id, rest, ok := d.link(args)
	if !ok || len(rest) != 1 {
		d.m.final("ERROR")
		return
	}
	n, err := strconv.Atoi(rest[0].Text)
	c := d.conn(id)
	if err != nil || n <= 0 || n > socketMaxSend || c == nil {
		// Longer than the send buffer, or no connection: no prompt.
		d.m.final("ERROR")
		return
	}
	d.m.prompt("\r\n> ", &dataMode{fixed: n, finish: func(b []byte, _ bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		_, werr := c.conn.Write(b)
		switch {
		case werr != nil && d.qi:
			d.m.final("SEND FAIL")
		case werr != nil:
			d.m.final(d.prefix(id) + "SEND FAIL")
		case d.qi:
			d.m.final("SEND OK")
		default:
			d.m.final(d.prefix(id) + "SEND OK")
		}
	}})
}

// read answers AT+QIRD=<id>[,<len>] with what the buffer holds.
func (d *socketDialect) read(args []arg) {
	id, rest, ok := d.link(args)
	if !ok {
		d.m.final("ERROR")
		return
	}
	want := 1500
	if len(rest) == 1 {
		n, err := strconv.Atoi(rest[0].Text)
		if err != nil || n < 0 || n > 1500 {
			d.m.final("ERROR")
			return
		}
		want = n
	}
	c := d.conn(id)
	if c == nil {
		d.m.final("ERROR")
		return
	}
	d.mu.Lock()
	n := min(want, len(c.rx))
	data := append([]byte(nil), c.rx[:n]...)
	c.rx = c.rx[n:]
	d.mu.Unlock()
	out := fmt.Appendf(nil, "\r\n+QIRD: %d\r\n", n)
	if n > 0 {
		out = append(append(out, data...), "\r\n"...)
	}
	d.m.write(append(out, "\r\nOK\r\n"...))
}

func (d *socketDialect) close(args []arg) {
	id, _, ok := d.link(args)
	if !ok {
		d.m.final("ERROR")
		return
	}
	d.mu.Lock()
	c := d.conns[id]
	if c != nil {
		c.closed = true
		delete(d.conns, id)
	}
	d.mu.Unlock()
	if c == nil {
		d.m.final("ERROR")
		return
	}
	c.conn.Close()
	if d.qi {
		d.m.final("OK")
	} else {
		d.m.final(d.prefix(id) + "CLOSE OK")
	}
}
