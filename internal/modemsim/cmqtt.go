package modemsim

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// SIMCom CMQTT (SIM7500/SIM7600, A7600/A7670), at-dialects.md §3: START
// the service, ACCQ a client with its id, CONNECT does TCP + MQTT in one
// step, topics and payloads are typed after a `>` prompt with a declared
// length, results are +CMQTT…: <idx>,<err> URCs where CONNACK refusals
// are rc + 26 (SIM-ERR table), and inbound messages come as a
// +CMQTTRXSTART … +CMQTTRXEND block.

// SIMCom error codes used here (SIM-ERR).
const (
	cmqttOK           = 0
	cmqttFailed       = 1
	cmqttSockConnect  = 3
	cmqttNoConnection = 11
	cmqttTimeout      = 17
	cmqttClientUsed   = 19
	cmqttNetOpened    = 23
	cmqttConnackBase  = 26 // +CMQTTCONNECT: <idx>,<CONNACK rc + 26>
)

type cmqttClient struct {
	idx        int
	acquired   bool
	clientID   string
	conn       *mqttConn
	connecting bool // CONNECT command in progress
	connected  bool
	url        string
	keepalive  int
	clean      bool
	user       *string
	// typed through prompts, consumed by SUB/UNSUB/PUB
	topic       []byte
	payload     []byte
	subTopics   []subscription
	unsubTopics []string
	willTopic   []byte
	willMsg     []byte
	willQoS     byte
	nextID      uint16
}

type cmqttDialect struct {
	m       *Module
	started bool
	clients [2]*cmqttClient
}

func newCMQTTDialect(m *Module) *cmqttDialect {
	d := &cmqttDialect{m: m}
	for i := range d.clients {
		d.clients[i] = &cmqttClient{idx: i}
	}
	return d
}

func (d *cmqttDialect) escapes() bool { return false }

func (d *cmqttDialect) shutdown() {
	for _, c := range d.clients {
		if c.conn != nil {
			c.conn.close()
			c.conn = nil
		}
	}
}

// cmqttPrompt is what SIM7600 prints before the data of TOPIC, PAYLOAD,
// SUBTOPIC…: a bare '>' on its own line.
const cmqttPrompt = "\r\n>"

// maxCMQTTData bounds one typed field (SIMCom: topic ≤1024, payload
// ≤10240).
const (
	maxCMQTTTopic   = 1024
	maxCMQTTPayload = 10240
)

func (d *cmqttDialect) handle(cmd command) bool {
	op, ok := strings.CutPrefix(cmd.Name, "+CMQTT")
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
	case "START":
		good = d.start(cmd)
	case "STOP":
		good = d.stop(cmd)
	case "ACCQ":
		good = d.accq(cmd)
	case "REL":
		good = d.rel(cmd)
	case "CFG", "SSLCFG":
		// Settings the simulator does not model (UTF-8 checks, TLS
		// context binding); TLS itself is refused at ACCQ.
		good = cmd.Kind == kindSet || cmd.Kind == kindRead
		if good {
			d.m.final("OK")
		}
	case "WILLTOPIC":
		good = d.typed(cmd, maxCMQTTTopic, func(c *cmqttClient, b []byte) { c.willTopic = b })
	case "WILLMSG":
		good = d.typed(cmd, maxCMQTTPayload, func(c *cmqttClient, b []byte) {
			c.willMsg = b
			if q, ok := cmd.num(2, 0, 2); ok {
				c.willQoS = byte(q)
			}
		})
	case "CONNECT":
		good = d.connect(cmd)
	case "TOPIC":
		good = d.typed(cmd, maxCMQTTTopic, func(c *cmqttClient, b []byte) { c.topic = b })
	case "PAYLOAD":
		good = d.typed(cmd, maxCMQTTPayload, func(c *cmqttClient, b []byte) { c.payload = b })
	case "SUBTOPIC":
		good = d.subTopic(cmd)
	case "SUB":
		good = d.sub(cmd)
	case "UNSUBTOPIC":
		good = d.typed(cmd, maxCMQTTTopic, func(c *cmqttClient, b []byte) { c.unsubTopics = append(c.unsubTopics, string(b)) })
	case "UNSUB":
		good = d.unsub(cmd)
	case "PUB":
		good = d.pub(cmd)
	case "DISC":
		good = d.disc(cmd)
	default:
		return false
	}
	if !good {
		d.m.final("ERROR")
	}
	return true
}

func (d *cmqttDialect) client(cmd command) (*cmqttClient, bool) {
	idx, ok := cmd.num(0, 0, len(d.clients)-1)
	if !ok {
		return nil, false
	}
	return d.clients[idx], true
}

func (d *cmqttDialect) start(cmd command) bool {
	if cmd.Kind != kindExec {
		return false
	}
	d.m.final("OK")
	if d.started {
		d.m.urc(fmt.Sprintf("+CMQTTSTART: %d", cmqttNetOpened))
		return true
	}
	d.started = true
	d.m.urc("+CMQTTSTART: 0")
	return true
}

func (d *cmqttDialect) stop(cmd command) bool {
	if cmd.Kind != kindExec || !d.started {
		return false
	}
	for _, c := range d.clients {
		if c.conn != nil {
			c.conn.close()
		}
		c.reset()
	}
	d.started = false
	d.m.final("OK")
	d.m.urc("+CMQTTSTOP: 0")
	return true
}

// accq handles AT+CMQTTACCQ=<idx>,"<clientID>"[,<server_type>].
func (d *cmqttDialect) accq(cmd command) bool {
	if cmd.Kind == kindRead {
		for _, c := range d.clients {
			if c.acquired {
				d.m.info(fmt.Sprintf("+CMQTTACCQ: %d,\"%s\",0", c.idx, c.clientID))
			}
		}
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet || !d.started {
		return false
	}
	c, ok := d.client(cmd)
	if !ok {
		return false
	}
	id, ok := cmd.str(1)
	if !ok || len(id) > 128 {
		return false
	}
	if cmd.has(2) {
		// 1 = SSL/TLS: not simulated, refuse rather than send plaintext.
		if t, ok := cmd.num(2, 0, 0); !ok || t != 0 {
			return false
		}
	}
	if c.acquired {
		d.m.info(fmt.Sprintf("+CMQTTACCQ: %d,%d", c.idx, cmqttClientUsed))
		return false
	}
	c.acquired, c.clientID = true, id
	d.m.final("OK")
	return true
}

func (d *cmqttDialect) rel(cmd command) bool {
	if cmd.Kind != kindSet {
		return false
	}
	c, ok := d.client(cmd)
	if !ok || c.connected {
		return false
	}
	if c.conn != nil {
		c.conn.close()
	}
	c.reset()
	d.m.final("OK")
	return true
}

// typed handles the `AT+CMQTT…=<idx>,<len>[,…]` → `>` → <len> bytes
// commands; set stores the bytes.
func (d *cmqttDialect) typed(cmd command, max int, set func(*cmqttClient, []byte)) bool {
	if cmd.Kind != kindSet || len(cmd.Args) < 2 {
		return false
	}
	c, ok := d.client(cmd)
	if !ok || !c.acquired {
		return false
	}
	n, ok := cmd.num(1, 1, max)
	if !ok {
		return false
	}
	d.m.prompt(cmqttPrompt, &dataMode{fixed: n, finish: func(b []byte, _ bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		set(c, b)
		d.m.final("OK")
	}})
	return true
}

// connect handles AT+CMQTTCONNECT=<idx>,"tcp://<host>:<port>",<keepalive>,
// <clean_session>[,"<user>"[,"<pass>"]].
func (d *cmqttDialect) connect(cmd command) bool {
	if cmd.Kind == kindRead {
		for _, c := range d.clients {
			if c.connected {
				d.m.info(fmt.Sprintf("+CMQTTCONNECT: %d,\"%s\",%d,%d", c.idx, c.url, c.keepalive, boolInt(c.clean)))
			}
		}
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet || len(cmd.Args) < 4 || len(cmd.Args) > 6 {
		return false
	}
	c, ok := d.client(cmd)
	if !ok || !c.acquired || c.conn != nil || c.connecting {
		return false
	}
	url, ok := cmd.str(1)
	if !ok {
		return false
	}
	hostport, ok := strings.CutPrefix(url, "tcp://")
	if !ok {
		return false
	}
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil || host == "" {
		return false
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return false
	}
	keepalive, ok1 := cmd.num(2, 1, 64800)
	clean, ok2 := cmd.num(3, 0, 1)
	if !ok1 || !ok2 {
		return false
	}
	p := connectParams{Version: d.m.defaultVersion(), ClientID: c.clientID, CleanSession: clean == 1, KeepAlive: uint16(keepalive)}
	if cmd.has(4) {
		u, ok := cmd.str(4)
		if !ok || len(u) > 256 {
			return false
		}
		p.Username = &u
	}
	if cmd.has(5) {
		pw, ok := cmd.str(5)
		if !ok || len(pw) > 256 {
			return false
		}
		pw = d.m.password(pw)
		p.Password = &pw
	}
	if len(c.willTopic) > 0 {
		p.Will = &will{Topic: string(c.willTopic), Message: c.willMsg, QoS: c.willQoS}
	}
	c.url, c.keepalive, c.clean, c.user = url, keepalive, clean == 1, p.Username
	c.connecting = true
	d.m.final("OK")
	timeout := d.m.opts.PacketTimeout
	d.m.async(func() {
		result := d.dialAndConnect(c, host, port, p, timeout)
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		c.connecting = false
		d.m.urc(fmt.Sprintf("+CMQTTCONNECT: %d,%d", c.idx, result))
	})
	return true
}

// dialAndConnect returns the +CMQTTCONNECT error code.
func (d *cmqttDialect) dialAndConnect(c *cmqttClient, host string, port int, p connectParams, timeout time.Duration) int {
	nc, err := d.m.dial(host, port)
	if err != nil {
		return cmqttSockConnect
	}
	conn := newMQTTConn(nc)
	conn.onMessage = func(msg message) { d.received(c, msg) }
	conn.onClosed = func(r closeReason, _ error) { d.closed(c, conn, r) }
	d.m.mu.Lock()
	if d.m.ctx.Err() != nil { // Serve ended while we dialled
		d.m.mu.Unlock()
		nc.Close()
		return cmqttSockConnect
	}
	c.conn = conn // so shutdown() can close it while CONNECT is pending
	d.m.mu.Unlock()
	conn.start()
	rc, err := conn.connect(p, timeout)
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	if err != nil || rc != 0 {
		if c.conn == conn {
			c.conn = nil
		}
		conn.close()
		if err != nil {
			return cmqttTimeout
		}
		return cmqttConnackBase + int(rc)
	}
	if c.conn != conn {
		return cmqttSockConnect // released or stopped meanwhile
	}
	c.connected = true
	conn.startKeepalive(time.Duration(p.KeepAlive)*time.Second, d.m.opts.Faults.NoPingreq)
	return cmqttOK
}

func (d *cmqttDialect) connectedClient(cmd command) (*cmqttClient, bool) {
	c, ok := d.client(cmd)
	if !ok || !c.connected || c.conn == nil {
		return nil, false
	}
	return c, true
}

// reset forgets everything but the index, field by field: idx is read
// without the lock by the connection's reader goroutines.
func (c *cmqttClient) reset() {
	c.acquired, c.clientID = false, ""
	c.conn, c.connecting, c.connected = nil, false, false
	c.url, c.keepalive, c.clean, c.user = "", 0, false, nil
	c.topic, c.payload, c.subTopics, c.unsubTopics = nil, nil, nil, nil
	c.willTopic, c.willMsg, c.willQoS = nil, nil, 0
}

func (c *cmqttClient) packetID() uint16 {
	c.nextID++
	if c.nextID == 0 {
		c.nextID = 1
	}
	return c.nextID
}

// subTopic handles AT+CMQTTSUBTOPIC=<idx>,<len>,<qos>: the topic typed
// after the prompt joins the next SUB.
func (d *cmqttDialect) subTopic(cmd command) bool {
	qos, ok := cmd.num(2, 0, 2)
	if !ok {
		return false
	}
	return d.typed(cmd, maxCMQTTTopic, func(c *cmqttClient, b []byte) {
		c.subTopics = append(c.subTopics, subscription{Filter: string(b), QoS: byte(qos)})
	})
}

// sub handles AT+CMQTTSUB=<idx> (topics from SUBTOPIC) and
// AT+CMQTTSUB=<idx>,<len>,<qos>[,<dup>] (one topic typed after `>`).
func (d *cmqttDialect) sub(cmd command) bool {
	if cmd.Kind != kindSet {
		return false
	}
	c, ok := d.connectedClient(cmd)
	if !ok {
		return false
	}
	run := func(subs []subscription) {
		conn, id := c.conn, c.packetID()
		d.m.async(func() {
			granted, err := conn.subscribe(id, subs, d.m.opts.PacketTimeout)
			code := cmqttOK
			switch {
			case err == errTimeout:
				code = cmqttTimeout
			case err != nil:
				code = cmqttNoConnection
			default:
				for _, g := range granted {
					if g == 0x80 {
						code = cmqttFailed
					}
				}
			}
			d.m.urc(fmt.Sprintf("+CMQTTSUB: %d,%d", c.idx, code))
		})
	}
	if len(cmd.Args) == 1 {
		if len(c.subTopics) == 0 {
			return false
		}
		subs := c.subTopics
		c.subTopics = nil
		d.m.final("OK")
		run(subs)
		return true
	}
	n, ok1 := cmd.num(1, 1, maxCMQTTTopic)
	qos, ok2 := cmd.num(2, 0, 2)
	if !ok1 || !ok2 {
		return false
	}
	d.m.prompt(cmqttPrompt, &dataMode{fixed: n, finish: func(b []byte, _ bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		d.m.final("OK")
		if c.connected {
			run([]subscription{{Filter: string(b), QoS: byte(qos)}})
		}
	}})
	return true
}

// unsub handles AT+CMQTTUNSUB=<idx>,<dup> (topics from UNSUBTOPIC) and
// AT+CMQTTUNSUB=<idx>,<len>,<dup> (one topic typed after `>`).
func (d *cmqttDialect) unsub(cmd command) bool {
	if cmd.Kind != kindSet {
		return false
	}
	c, ok := d.connectedClient(cmd)
	if !ok {
		return false
	}
	run := func(topics []string) {
		conn, id := c.conn, c.packetID()
		d.m.async(func() {
			code := cmqttOK
			if err := conn.unsubscribe(id, topics, d.m.opts.PacketTimeout); err == errTimeout {
				code = cmqttTimeout
			} else if err != nil {
				code = cmqttNoConnection
			}
			d.m.urc(fmt.Sprintf("+CMQTTUNSUB: %d,%d", c.idx, code))
		})
	}
	if len(cmd.Args) <= 2 {
		if len(c.unsubTopics) == 0 {
			return false
		}
		topics := c.unsubTopics
		c.unsubTopics = nil
		d.m.final("OK")
		run(topics)
		return true
	}
	n, ok := cmd.num(1, 1, maxCMQTTTopic)
	if !ok {
		return false
	}
	d.m.prompt(cmqttPrompt, &dataMode{fixed: n, finish: func(b []byte, _ bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		d.m.final("OK")
		if c.connected {
			run([]string{string(b)})
		}
	}})
	return true
}

// pub handles AT+CMQTTPUB=<idx>,<qos>,<pub_timeout>[,<retain>[,<dup>]]
// with the topic and payload typed before; both are cleared afterwards.
func (d *cmqttDialect) pub(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) < 3 {
		return false
	}
	c, ok := d.connectedClient(cmd)
	if !ok || len(c.topic) == 0 {
		return false
	}
	qos, ok1 := cmd.num(1, 0, 2)
	secs, ok2 := cmd.num(2, 1, 180)
	retain := 0
	ok3 := true
	if cmd.has(3) {
		retain, ok3 = cmd.num(3, 0, 1)
	}
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	msg := message{Topic: string(c.topic), Payload: c.payload, QoS: byte(qos), Retain: retain == 1}
	if qos > 0 {
		msg.ID = c.packetID()
	}
	c.topic, c.payload = nil, nil
	d.m.final("OK")
	conn := c.conn
	d.m.async(func() {
		code := cmqttOK
		if err := conn.publish(msg, time.Duration(secs)*time.Second); err == errTimeout {
			code = cmqttTimeout
		} else if err != nil {
			code = cmqttNoConnection
		}
		d.m.urc(fmt.Sprintf("+CMQTTPUB: %d,%d", c.idx, code))
	})
	return true
}

// disc handles AT+CMQTTDISC=<idx>,<timeout>; AT+CMQTTDISC? lists
// <idx>,<0 connected | 1 disconnected>.
func (d *cmqttDialect) disc(cmd command) bool {
	if cmd.Kind == kindRead {
		for _, c := range d.clients {
			d.m.info(fmt.Sprintf("+CMQTTDISC: %d,%d", c.idx, boolInt(!c.connected)))
		}
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet {
		return false
	}
	c, ok := d.connectedClient(cmd)
	if !ok {
		return false
	}
	conn := c.conn
	c.conn, c.connected = nil, false
	d.m.final("OK")
	d.m.async(func() {
		code := cmqttOK
		if err := conn.disconnect(); err != nil {
			code = cmqttFailed
		}
		d.m.urc(fmt.Sprintf("+CMQTTDISC: %d,%d", c.idx, code))
	})
	return true
}

// received prints the receive block; lengths come first so a host can
// read the raw topic and payload lines exactly.
func (d *cmqttDialect) received(c *cmqttClient, msg message) {
	var b strings.Builder
	fmt.Fprintf(&b, "\r\n+CMQTTRXSTART: %d,%d,%d\r\n", c.idx, len(msg.Topic), len(msg.Payload))
	fmt.Fprintf(&b, "+CMQTTRXTOPIC: %d,%d\r\n%s\r\n", c.idx, len(msg.Topic), msg.Topic)
	fmt.Fprintf(&b, "+CMQTTRXPAYLOAD: %d,%d\r\n%s\r\n", c.idx, len(msg.Payload), msg.Payload)
	fmt.Fprintf(&b, "+CMQTTRXEND: %d\r\n", c.idx)
	d.m.urcRaw("+CMQTTRXSTART", []byte(b.String()))
}

// closed prints +CMQTTCONNLOST: <idx>,1 (socket closed passively) when a
// connected client loses its connection without DISC.
func (d *cmqttDialect) closed(c *cmqttClient, conn *mqttConn, r closeReason) {
	if r == closedByUs {
		return
	}
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	if c.conn != conn || !c.connected {
		return
	}
	c.conn, c.connected = nil, false
	d.m.urc(fmt.Sprintf("+CMQTTCONNLOST: %d,1", c.idx))
}
