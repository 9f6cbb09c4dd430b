package modemsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Eigencomm ECMT and Quectel QMT are one command family with different
// prefixes and a few differences (at-dialects.md §1 and §2): OPEN makes the
// TCP connection only, CONN sends CONNECT, the host's <msgID> becomes the
// MQTT packet identifier, every command answers OK at once and its result
// comes as a URC named like the command.

// mtFlavor holds what differs between ECMT and QMT.
type mtFlavor struct {
	prefix        string // "+ECMT" or "+QMT"
	maxIdx        int    // highest connection index (ECMT 0, QMT 5)
	multiTopic    bool   // SUB/UNS take several topics (QMT)
	quotedRecv    bool   // RECV payload in quotes (QMT) or raw (ECMT)
	hasPubEx      bool   // AT+QMTPUBEX
	busyOpenURC   bool   // OPEN on a busy index: URC result 2 (QMT) or ERROR (ECMT)
	statPing      int    // STAT code when PINGRESP never came (QMT 2; ECMT 1)
	statRefused   int    // STAT code after a refused CONNACK (QMT 4 as seen in atlogs/10; 0 = none)
	clientIDMax   int    // longest client id the firmware takes
	userMax       int    // longest user name
	passMax       int    // longest password
	payloadMax    int    // prompt-mode payload buffer
	retainWithRAI bool   // ECMT: <retain> = retain + 10×RAI
}

// ECMT limits: atec_mqtt.h buffers (client id 49, user 49, password 129
// bytes with NUL), payload 1024 in data mode (EC-DOC), one context.
var ecmtFlavor = mtFlavor{
	prefix: "+ECMT", maxIdx: 0, statPing: 1,
	clientIDMax: 48, userMax: 48, passMax: 128, payloadMax: 1024,
	retainWithRAI: true,
}

// QMT: client_idx 0–5, multi-topic SUB/UNS, quoted RECV payload,
// QMTPUBEX, +QMTOPEN: <idx>,2 when the index is in use (BG9X-RS, QUEC-UFP).
var qmtFlavor = mtFlavor{
	prefix: "+QMT", maxIdx: 5, multiTopic: true, quotedRecv: true, hasPubEx: true,
	busyOpenURC: true, statPing: 2, statRefused: 4,
	clientIDMax: 256, userMax: 256, passMax: 256, payloadMax: 4096,
}

// mtState is the read-command state numbering both dialects use for
// AT+…CONN? (EC616-SRC mqttCONN(); LOOUQ for QMT).
type mtState int

const (
	mtIdle       mtState = 1 // initial / nothing open
	mtConnecting mtState = 2 // OPEN or CONNECT in progress
	mtConnected  mtState = 3
	mtOpened     mtState = 4 // TCP open, no MQTT session (disconnected)
)

// mtClient is one connection index.
type mtClient struct {
	idx int
	// configuration (…CFG)
	version      byte // 0 = firmware default
	keepalive    int
	clean        bool
	will         *will
	pktTimeout   time.Duration
	recvWithLen  bool
	hostsRecvLen bool
	tls          bool // …CFG="ssl": the open runs a TLS handshake
	// connection
	host    string
	port    int
	state   mtState
	conn    *mqttConn
	refused bool // last CONNACK refused: the broker's close is expected
	// connecting is closed when the CONNECT in flight has its answer;
	// a close report waits for it so +…CONN always precedes +…STAT.
	connecting chan struct{}
}

type mtDialect struct {
	m       *Module
	f       mtFlavor
	clients []*mtClient
}

func newMTDialect(m *Module, f mtFlavor) *mtDialect {
	d := &mtDialect{m: m, f: f}
	for i := 0; i <= f.maxIdx; i++ {
		d.clients = append(d.clients, &mtClient{idx: i, keepalive: 120, clean: true, state: mtIdle})
	}
	return d
}

func (d *mtDialect) escapes() bool { return false }

func (d *mtDialect) shutdown() {
	for _, c := range d.clients {
		if c.conn != nil {
			c.conn.close()
			c.conn = nil
		}
	}
}

func (d *mtDialect) handle(cmd command) bool {
	if cmd.Name == "+QSSLCFG" && d.f.hasPubEx {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		d.sslCfg(cmd)
		return true
	}
	op, ok := strings.CutPrefix(cmd.Name, d.f.prefix)
	if !ok {
		return false
	}
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	if cmd.Kind == kindTest {
		d.m.final("OK")
		return true
	}
	var good bool
	switch op {
	case "CFG":
		good = d.cfg(cmd)
	case "OPEN":
		good = d.open(cmd)
	case "CONN":
		good = d.conn(cmd)
	case "SUB":
		good = d.sub(cmd)
	case "UNS":
		good = d.uns(cmd)
	case "PUB":
		good = d.pub(cmd, "PUB")
	case "PUBEX":
		good = d.f.hasPubEx && d.pub(cmd, "PUBEX")
	case "DISC":
		good = d.closeCmd(cmd, "DISC")
	case "CLOSE":
		good = d.closeCmd(cmd, "CLOSE")
	default:
		return false
	}
	if !good {
		d.m.final("ERROR")
	}
	return true
}

func (d *mtDialect) name(op string) string { return d.f.prefix + op }

// client returns the connection index in parameter i.
func (d *mtDialect) client(cmd command, i int) (*mtClient, bool) {
	idx, ok := cmd.num(i, 0, d.f.maxIdx)
	if !ok {
		return nil, false
	}
	return d.clients[idx], true
}

// cfg handles AT+…CFG="<option>",<idx>[,<values>]; without values it
// prints the current setting.
func (d *mtDialect) cfg(cmd command) bool {
	if cmd.Kind != kindSet {
		return false
	}
	opt, ok := cmd.str(0)
	if !ok {
		return false
	}
	c, ok := d.client(cmd, 1)
	if !ok {
		return false
	}
	query := len(cmd.Args) == 2
	show := func(vals ...any) {
		parts := []string{`"` + opt + `"`}
		for _, v := range vals {
			parts = append(parts, fmt.Sprint(v))
		}
		d.m.info(d.name("CFG") + ": " + strings.Join(parts, ","))
	}
	switch strings.ToLower(opt) {
	case "version":
		if query {
			v := c.version
			if v == 0 {
				v = d.m.defaultVersion()
			}
			show(v)
			break
		}
		v, ok := cmd.num(2, 3, 4)
		if !ok {
			return false
		}
		c.version = byte(v)
	case "keepalive":
		if query {
			show(c.keepalive)
			break
		}
		v, ok := cmd.num(2, 0, 3600)
		if !ok {
			return false
		}
		c.keepalive = v
	case "session":
		if query {
			show(boolInt(c.clean))
			break
		}
		v, ok := cmd.num(2, 0, 1)
		if !ok {
			return false
		}
		c.clean = v == 1
	case "timeout":
		if query {
			show(int(d.timeout(c)/time.Second), 3, 0)
			break
		}
		v, ok := cmd.num(2, 1, 60)
		if !ok {
			return false
		}
		c.pktTimeout = time.Duration(v) * time.Second
	case "will":
		if query {
			if c.will == nil {
				show(0)
			} else {
				show(1, c.will.QoS, boolInt(c.will.Retain), `"`+c.will.Topic+`"`, `"`+string(c.will.Message)+`"`)
			}
			break
		}
		flag, ok := cmd.num(2, 0, 1)
		if !ok {
			return false
		}
		if flag == 0 {
			c.will = nil
			break
		}
		qos, ok1 := cmd.num(3, 0, 2)
		retain, ok2 := cmd.num(4, 0, 1)
		topic, ok3 := cmd.str(5)
		msg, ok4 := cmd.str(6)
		if !ok1 || !ok2 || !ok3 || !ok4 || topic == "" || len(topic) > 256 || len(msg) > 256 {
			return false
		}
		c.will = &will{Topic: topic, Message: []byte(msg), QoS: byte(qos), Retain: retain == 1}
	case "recv/mode":
		// Only mode 0 (payload in the URC) is simulated; the length flag
		// adds the payload length field to +QMTRECV.
		if !d.f.quotedRecv {
			return false
		}
		if query {
			show(0, boolInt(c.recvWithLen))
			break
		}
		mode, ok := cmd.num(2, 0, 0)
		if !ok {
			return false
		}
		_ = mode
		if cmd.has(3) {
			l, ok := cmd.num(3, 0, 1)
			if !ok {
				return false
			}
			c.recvWithLen = l == 1
		}
	case "ssl":
		if query {
			show(boolInt(c.tls))
			break
		}
		on, ok := d.sslRequested(cmd)
		if !ok || (on && d.m.opts.TLS == nil) {
			// TLS without certificates configured for the simulator
			// would silently lie: ERROR, never plaintext.
			return false
		}
		c.tls = on
	case "dataformat", "echomode", "pdpcid":
		// Accepted when they ask for what the simulator does (text
		// payloads); hex would silently lie, so ERROR.
		if query {
			show(0)
			break
		}
		switch strings.ToLower(opt) {
		case "dataformat":
			for i := 2; i < len(cmd.Args); i++ {
				if v, ok := cmd.num(i, 0, 0); !ok || v != 0 {
					return false
				}
			}
		}
	default:
		return false
	}
	d.m.final("OK")
	return true
}

// sslCfg handles Quectel's AT+QSSLCFG="<option>",<ssl_ctx>,<value>
// (cacert, clientcert, clientkey, seclevel, sslversion, ciphersuite…):
// accepted when the simulator has TLSOptions, whose certificates stand for
// the files named; without them ERROR, as TLS is not available.
func (d *mtDialect) sslCfg(cmd command) {
	_, optOK := cmd.str(0)
	if d.m.opts.TLS == nil || (cmd.Kind != kindSet && cmd.Kind != kindTest) ||
		(cmd.Kind == kindSet && (!optOK || !validNum(cmd, 1, 0, 5) || !cmd.has(2))) {
		d.m.final("ERROR")
		return
	}
	d.m.final("OK")
}

// sslRequested reads the values of AT+…CFG="ssl",<idx>,…: QMT's
// <enable>[,<ssl_ctx>] (QUEC-UFP); ECMT's numeric form with certificate
// file names (EC626-RPT: "ssl",<idx>,2,"ca","cert","key") or its
// string form "ssl",<idx>,"ca",<cert>[,<hostname>] (EC616-SRC). All zeros
// turn TLS off. The certificates used are the simulator's TLSOptions; PSK
// and raw-key modes are not simulated (ok=false).
func (d *mtDialect) sslRequested(cmd command) (on, ok bool) {
	if !cmd.has(2) {
		return false, false
	}
	if mode, quoted := cmd.str(2); quoted {
		return true, strings.EqualFold(mode, "ca")
	}
	if d.f.quotedRecv { // QMT: <enable>,<ssl_ctx 0-5>
		enable, ok := cmd.num(2, 0, 1)
		if !ok || (cmd.has(3) && !validNum(cmd, 3, 0, 5)) {
			return false, false
		}
		return enable == 1, true
	}
	mode, ok := cmd.num(2, 0, 2)
	if !ok {
		return false, false
	}
	return mode != 0, true
}

func validNum(cmd command, i, lo, hi int) bool {
	_, ok := cmd.num(i, lo, hi)
	return ok
}

func (d *mtDialect) timeout(c *mtClient) time.Duration {
	if c.pktTimeout > 0 {
		return c.pktTimeout
	}
	return d.m.opts.PacketTimeout
}

// open handles AT+…OPEN=<idx>,"<host>",<port>: TCP only, result in
// +…OPEN: <idx>,0 or <idx>,-1.
func (d *mtDialect) open(cmd command) bool {
	if cmd.Kind == kindRead {
		for _, c := range d.clients {
			if c.conn != nil {
				d.m.info(fmt.Sprintf("%s: %d,\"%s\",%d", d.name("OPEN"), c.idx, c.host, c.port))
			}
		}
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet || len(cmd.Args) != 3 {
		return false
	}
	c, ok := d.client(cmd, 0)
	if !ok {
		return false
	}
	host, ok := cmd.str(1)
	if !ok || host == "" || len(host) > 128 {
		return false
	}
	port, ok := cmd.num(2, 1, 65535)
	if !ok {
		return false
	}
	if c.refused && c.conn != nil {
		// The broker refused the CONNECT and is closing this socket; a
		// host that reopens at once must not depend on who wins that
		// race, so the dying socket is dropped here.
		c.conn.close()
		c.conn, c.state, c.refused = nil, mtIdle, false
	}
	if c.state != mtIdle {
		if !d.f.busyOpenURC {
			return false
		}
		d.m.final("OK")
		d.m.urc(fmt.Sprintf("%s: %d,2", d.name("OPEN"), c.idx))
		return true
	}
	c.state, c.host, c.port, c.refused = mtConnecting, host, port, false
	d.m.final("OK")
	dial := d.m.dial
	if c.tls {
		dial = d.m.dialTLS // a failed handshake is a failed open
	}
	d.m.async(func() {
		nc, err := dial(host, port)
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		if err != nil {
			c.state = mtIdle
			d.m.urc(fmt.Sprintf("%s: %d,-1", d.name("OPEN"), c.idx))
			return
		}
		if d.m.ctx.Err() != nil { // Serve ended while we dialled
			nc.Close()
			return
		}
		conn := newMQTTConn(nc)
		conn.onMessage = func(msg message) { d.received(c, msg) }
		conn.onClosed = func(r closeReason, _ error) { d.closed(c, conn, r) }
		c.conn = conn
		c.state = mtOpened
		conn.start()
		d.m.urc(fmt.Sprintf("%s: %d,0", d.name("OPEN"), c.idx))
	})
	return true
}

// conn handles AT+…CONN=<idx>,"<clientID>"[,"<user>"[,"<password>"]].
func (d *mtDialect) conn(cmd command) bool {
	if cmd.Kind == kindRead {
		for _, c := range d.clients {
			if c.state != mtIdle {
				d.m.info(fmt.Sprintf("%s: %d,%d", d.name("CONN"), c.idx, c.state))
			}
		}
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet || len(cmd.Args) < 2 || len(cmd.Args) > 4 {
		return false
	}
	c, ok := d.client(cmd, 0)
	if !ok {
		return false
	}
	p := connectParams{Version: c.version, CleanSession: c.clean, KeepAlive: uint16(c.keepalive), Will: c.will}
	if p.Version == 0 {
		p.Version = d.m.defaultVersion()
	}
	if p.ClientID, ok = cmd.str(1); !ok || len(p.ClientID) > d.f.clientIDMax {
		return false
	}
	if cmd.has(2) {
		u, ok := cmd.str(2)
		if !ok || len(u) > d.f.userMax {
			return false
		}
		if u != "" {
			p.Username = &u
		}
	}
	if cmd.has(3) {
		pw, ok := cmd.str(3)
		if !ok || len(pw) > d.f.passMax {
			return false
		}
		if pw != "" {
			pw = d.m.password(pw)
			p.Password = &pw
		}
	}
	switch c.state {
	case mtConnected, mtConnecting:
		// EC616-SRC mqtt_client_connect(): OK, no new URC.
		d.m.final("OK")
		return true
	case mtIdle:
		return false
	}
	conn := c.conn
	c.state = mtConnecting
	inflight := make(chan struct{})
	c.connecting = inflight
	d.m.final("OK")
	timeout := d.timeout(c)
	keepalive := time.Duration(c.keepalive) * time.Second
	d.m.async(func() {
		rc, err := conn.connect(p, timeout)
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		defer close(inflight)
		if c.connecting == inflight {
			c.connecting = nil
		}
		if c.conn != conn {
			return // closed by DISC/CLOSE meanwhile
		}
		switch {
		case err != nil:
			// The CONNECT could not be sent or no CONNACK came: ECMT
			// prints the hard-coded "2,2" (EC616-SRC), QMT result 2.
			c.state = mtOpened
			if d.f.prefix == "+ECMT" {
				d.m.urc(fmt.Sprintf("%s: %d,2,2", d.name("CONN"), c.idx))
			} else {
				d.m.urc(fmt.Sprintf("%s: %d,2", d.name("CONN"), c.idx))
			}
		case rc != 0:
			c.state = mtOpened
			c.refused = true
			d.m.urc(fmt.Sprintf("%s: %d,0,%d", d.name("CONN"), c.idx, rc))
		default:
			c.state = mtConnected
			conn.startKeepalive(keepalive, d.m.opts.Faults.NoPingreq)
			d.m.urc(fmt.Sprintf("%s: %d,0,0", d.name("CONN"), c.idx))
		}
	})
	return true
}

// connected returns the client for a command that needs an MQTT session.
func (d *mtDialect) connected(cmd command) (*mtClient, bool) {
	c, ok := d.client(cmd, 0)
	if !ok || c.state != mtConnected || c.conn == nil {
		return nil, false
	}
	return c, true
}

// sub handles AT+…SUB=<idx>,<msgID>,"<topic>",<qos>[,"<topic>",<qos>…].
func (d *mtDialect) sub(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) < 4 || len(cmd.Args)%2 != 0 {
		return false
	}
	if !d.f.multiTopic && len(cmd.Args) != 4 {
		return false
	}
	c, ok := d.connected(cmd)
	if !ok {
		return false
	}
	id, ok := cmd.num(1, 1, 65535)
	if !ok {
		return false
	}
	var subs []subscription
	for i := 2; i+1 < len(cmd.Args); i += 2 {
		t, ok1 := cmd.str(i)
		q, ok2 := cmd.num(i+1, 0, 2)
		if !ok1 || !ok2 || t == "" || len(t) > 256 {
			return false
		}
		subs = append(subs, subscription{Filter: t, QoS: byte(q)})
	}
	d.m.final("OK")
	conn, timeout := c.conn, d.timeout(c)
	d.m.async(func() {
		granted, err := conn.subscribe(uint16(id), subs, timeout)
		if err != nil {
			d.m.urc(fmt.Sprintf("%s: %d,%d,2", d.name("SUB"), c.idx, id))
			return
		}
		vals := make([]string, len(granted))
		for i, g := range granted {
			vals[i] = strconv.Itoa(int(g))
		}
		d.m.urc(fmt.Sprintf("%s: %d,%d,0,%s", d.name("SUB"), c.idx, id, strings.Join(vals, ",")))
	})
	return true
}

// uns handles AT+…UNS=<idx>,<msgID>,"<topic>"[,"<topic>"…].
func (d *mtDialect) uns(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) < 3 || (!d.f.multiTopic && len(cmd.Args) != 3) {
		return false
	}
	c, ok := d.connected(cmd)
	if !ok {
		return false
	}
	id, ok := cmd.num(1, 1, 65535)
	if !ok {
		return false
	}
	var topics []string
	for i := 2; i < len(cmd.Args); i++ {
		t, ok := cmd.str(i)
		if !ok || t == "" || len(t) > 256 {
			return false
		}
		topics = append(topics, t)
	}
	d.m.final("OK")
	conn, timeout := c.conn, d.timeout(c)
	d.m.async(func() {
		result := 0
		if err := conn.unsubscribe(uint16(id), topics, timeout); err != nil {
			result = 2
		}
		d.m.urc(fmt.Sprintf("%s: %d,%d,%d", d.name("UNS"), c.idx, id, result))
	})
	return true
}

// pub handles AT+…PUB=<idx>,<msgID>,<qos>,<retain>,"<topic>"[,"<msg>"]
// (without <msg>: `>` prompt, data until Ctrl-Z, ESC cancels) and
// AT+QMTPUBEX=…,"<topic>",<length> (`>` prompt, exactly <length> bytes).
func (d *mtDialect) pub(cmd command, op string) bool {
	if cmd.Kind != kindSet || len(cmd.Args) < 5 || len(cmd.Args) > 6 {
		return false
	}
	c, ok := d.connected(cmd)
	if !ok {
		return false
	}
	id, ok1 := cmd.num(1, 0, 65535)
	qos, ok2 := cmd.num(2, 0, 2)
	retainMax := 1
	if d.f.retainWithRAI {
		retainMax = 21
	}
	retain, ok3 := cmd.num(3, 0, retainMax)
	topic, ok4 := cmd.str(4)
	if !ok1 || !ok2 || !ok3 || !ok4 || topic == "" || len(topic) > 256 {
		return false
	}
	if qos > 0 && id == 0 {
		return false // a QoS 1/2 PUBLISH needs a packet identifier [MQTT-2.3.1-1]
	}
	msg := message{Topic: topic, QoS: byte(qos), Retain: retain%10 == 1}
	if qos > 0 {
		msg.ID = uint16(id)
	}
	send := func(payload []byte) {
		msg.Payload = payload
		conn, timeout := c.conn, d.timeout(c)
		d.m.async(func() {
			result := 0
			if err := conn.publish(msg, timeout); err != nil {
				result = 2
			}
			d.m.urc(fmt.Sprintf("%s: %d,%d,%d", d.name(op), c.idx, id, result))
		})
	}
	if len(cmd.Args) == 6 {
		if payload, ok := cmd.str(5); ok {
			d.m.final("OK")
			send([]byte(payload))
			return true
		}
		if op != "PUBEX" {
			return false
		}
		n, ok := cmd.num(5, 1, d.f.payloadMax)
		if !ok {
			return false
		}
		d.m.prompt("\r\n> ", &dataMode{fixed: n, finish: func(data []byte, _ bool) {
			d.m.mu.Lock()
			defer d.m.mu.Unlock()
			d.m.final("OK")
			if c.state == mtConnected {
				send(data)
			}
		}})
		return true
	}
	d.m.prompt("\r\n> ", &dataMode{limit: d.f.payloadMax, finish: func(data []byte, cancelled bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		d.m.final("OK")
		if !cancelled && c.state == mtConnected {
			send(data)
		}
	}})
	return true
}

// closeCmd handles AT+…DISC=<idx> (DISCONNECT, then close the socket) and
// AT+…CLOSE=<idx> (DISCONNECT first if connected, then close).
func (d *mtDialect) closeCmd(cmd command, op string) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 1 {
		return false
	}
	c, ok := d.client(cmd, 0)
	if !ok {
		return false
	}
	d.m.final("OK")
	conn, wasConnected := c.conn, c.state == mtConnected
	if conn == nil {
		d.m.urc(fmt.Sprintf("%s: %d,-1", d.name(op), c.idx))
		return true
	}
	c.conn, c.state = nil, mtIdle
	d.m.async(func() {
		if wasConnected {
			_ = conn.disconnect()
		} else {
			conn.close()
		}
		d.m.urc(fmt.Sprintf("%s: %d,0", d.name(op), c.idx))
	})
	return true
}

// received prints an inbound PUBLISH (acked by mqttConn already).
func (d *mtDialect) received(c *mtClient, msg message) {
	var line string
	switch {
	case !d.f.quotedRecv:
		// ECMT: payload raw and unquoted (EC616-SRC mqttRecvInd()).
		line = fmt.Sprintf("%s: %d,%d,\"%s\",%s", d.name("RECV"), c.idx, msg.ID, msg.Topic, msg.Payload)
	default:
		d.m.mu.Lock()
		withLen := c.recvWithLen
		d.m.mu.Unlock()
		if withLen {
			line = fmt.Sprintf("%s: %d,%d,\"%s\",%d,\"%s\"", d.name("RECV"), c.idx, msg.ID, msg.Topic, len(msg.Payload), msg.Payload)
		} else {
			line = fmt.Sprintf("%s: %d,%d,\"%s\",\"%s\"", d.name("RECV"), c.idx, msg.ID, msg.Topic, msg.Payload)
		}
	}
	d.m.urc(line)
}

// closed reports a connection that ended without a DISC/CLOSE command:
// +…STAT: <idx>,1 when the peer closed (ECMT and QMT), QMT 2 for a
// missing PINGRESP, QMT 4 after a refused CONNACK.
func (d *mtDialect) closed(c *mtClient, conn *mqttConn, r closeReason) {
	if r == closedByUs {
		return
	}
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	if inflight := c.connecting; inflight != nil && c.conn == conn {
		d.m.mu.Unlock()
		<-inflight
		d.m.mu.Lock()
	}
	if c.conn != conn {
		return
	}
	refused := c.refused
	c.conn, c.state, c.refused = nil, mtIdle, false
	code := 1
	switch {
	case refused:
		code = d.f.statRefused
	case r == closedPing:
		code = d.f.statPing
	}
	if code != 0 {
		d.m.urc(fmt.Sprintf("%s: %d,%d", d.name("STAT"), c.idx, code))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
