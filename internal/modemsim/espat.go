package modemsim

import (
	"fmt"
	"strings"
	"time"
)

// Espressif ESP-AT MQTT (at-dialects.md §4, ESPAT-MQTT): USERCFG and
// CONNCFG configure, MQTTCONN connects and — unlike the cellular dialects
// — answers only when the CONNACK is in: +MQTTCONNECTED then OK, or
// +MQTTDISCONNECTED then ERROR (atlogs/02). SUB, UNSUB and PUB also answer
// after the broker's ack. Strings take \" \, \\ escapes (ESPAT-IDX).

// ESP-AT connection states for AT+MQTTCONN? (ESPAT-MQTT).
const (
	espUninit       = 0
	espUserCfg      = 1
	espConnCfg      = 2
	espDisconnected = 3
	espConnected    = 4
	espSubscribed   = 6
)

type espatDialect struct {
	m *Module

	state        int
	clientID     string
	user, pass   string
	keepalive    int
	disableClean bool
	will         *will

	host      string
	port      int
	reconnect int
	conn      *mqttConn
	subs      []subscription
	nextID    uint16
}

func newESPATDialect(m *Module) *espatDialect { return &espatDialect{m: m, keepalive: 120} }

func (d *espatDialect) escapes() bool { return true }

func (d *espatDialect) shutdown() {
	if d.conn != nil {
		d.conn.close()
		d.conn = nil
	}
}

// maxESPCommand: "the whole command must be shorter than 256 bytes"
// (ESPAT-MQTT, AT+MQTTUSERCFG); longer values go through the
// AT+MQTTCLIENTID/USERNAME/PASSWORD commands.
const maxESPCommand = 256

func (d *espatDialect) handle(cmd command) bool {
	op, ok := strings.CutPrefix(cmd.Name, "+MQTT")
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
	case "USERCFG":
		good = d.userCfg(cmd)
	case "CLIENTID", "LONGCLIENTID":
		good = d.longValue(cmd, 256, func(v string) { d.clientID = v })
	case "USERNAME", "LONGUSERNAME":
		good = d.longValue(cmd, 1024, func(v string) { d.user = v })
	case "PASSWORD", "LONGPASSWORD":
		good = d.longValue(cmd, 1024, func(v string) { d.pass = v })
	case "CONNCFG":
		good = d.connCfg(cmd)
	case "CONN":
		good = d.connect(cmd)
	case "SUB":
		good = d.sub(cmd)
	case "UNSUB":
		good = d.unsub(cmd)
	case "PUB":
		good = d.pub(cmd)
	case "PUBRAW":
		good = d.pubRaw(cmd)
	case "CLEAN":
		good = d.clean(cmd)
	default:
		return false
	}
	if !good {
		d.m.final("ERROR")
	}
	return true
}

// userCfg: AT+MQTTUSERCFG=0,<scheme>,"<client_id>","<username>",
// "<password>",<cert_key_ID>,<CA_ID>,"<path>". Only scheme 1 (MQTT over
// TCP) is simulated.
func (d *espatDialect) userCfg(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 8 || len(cmd.Line) >= maxESPCommand {
		return false
	}
	if _, ok := cmd.num(0, 0, 0); !ok {
		return false
	}
	if s, ok := cmd.num(1, 1, 1); !ok || s != 1 {
		return false
	}
	id, ok1 := cmd.str(2)
	user, ok2 := cmd.str(3)
	pass, ok3 := cmd.str(4)
	_, ok4 := cmd.num(5, 0, 255)
	_, ok5 := cmd.num(6, 0, 255)
	path, ok6 := cmd.str(7)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || len(id) > 256 || len(user) > 64 || len(pass) > 64 || len(path) > 32 {
		return false
	}
	d.clientID, d.user, d.pass = id, user, pass
	if d.state < espUserCfg {
		d.state = espUserCfg
	}
	d.m.final("OK")
	return true
}

// longValue: AT+MQTTCLIENTID=0,"<v>" (older firmware) or
// AT+MQTTLONGCLIENTID=0,<length> → OK → `>` → <length> bytes → OK.
func (d *espatDialect) longValue(cmd command, max int, set func(string)) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 2 || d.state < espUserCfg {
		return false
	}
	if _, ok := cmd.num(0, 0, 0); !ok {
		return false
	}
	if v, ok := cmd.str(1); ok {
		if len(v) > max {
			return false
		}
		set(v)
		d.m.final("OK")
		return true
	}
	n, ok := cmd.num(1, 1, max)
	if !ok {
		return false
	}
	d.m.final("OK")
	d.m.prompt("\r\n>", &dataMode{fixed: n, finish: func(b []byte, _ bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		set(string(b))
		d.m.final("OK")
	}})
	return true
}

// connCfg: AT+MQTTCONNCFG=0,<keepalive>,<disable_clean_session>,
// "<lwt_topic>","<lwt_msg>",<lwt_qos>,<lwt_retain>; keepalive 0 means 120.
func (d *espatDialect) connCfg(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 7 || d.state < espUserCfg {
		return false
	}
	ka, ok1 := cmd.num(1, 0, 7200)
	dc, ok2 := cmd.num(2, 0, 1)
	topic, ok3 := cmd.str(3)
	msg, ok4 := cmd.str(4)
	qos, ok5 := cmd.num(5, 0, 2)
	retain, ok6 := cmd.num(6, 0, 1)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return false
	}
	if ka == 0 {
		ka = 120
	}
	d.keepalive, d.disableClean, d.will = ka, dc == 1, nil
	if topic != "" {
		d.will = &will{Topic: topic, Message: []byte(msg), QoS: byte(qos), Retain: retain == 1}
	}
	if d.state < espConnCfg {
		d.state = espConnCfg
	}
	d.m.final("OK")
	return true
}

func (d *espatDialect) connected() bool {
	return d.conn != nil && (d.state == espConnected || d.state == espSubscribed)
}

// connect: AT+MQTTCONN=0,"<host>",<port>,<reconnect>. It blocks the
// command line until the CONNACK, as ESP-AT does.
func (d *espatDialect) connect(cmd command) bool {
	if cmd.Kind == kindRead {
		d.m.info(fmt.Sprintf("+MQTTCONN:0,%d,1,\"%s\",\"%d\",\"\",%d", d.state, d.host, d.port, d.reconnect))
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet || len(cmd.Args) != 4 || d.state < espUserCfg || d.conn != nil {
		return false
	}
	host, ok1 := cmd.str(1)
	port, ok2 := cmd.num(2, 1, 65535)
	rec, ok3 := cmd.num(3, 0, 1)
	if !ok1 || !ok2 || !ok3 || host == "" {
		return false
	}
	d.host, d.port, d.reconnect = host, port, rec
	p := connectParams{Version: d.m.defaultVersion(), ClientID: d.clientID, CleanSession: !d.disableClean, KeepAlive: uint16(d.keepalive), Will: d.will}
	if d.user != "" {
		u := d.user
		p.Username = &u
	}
	if d.pass != "" {
		pw := d.m.password(d.pass)
		p.Password = &pw
	}
	// The command line is busy until the answer: release the state lock
	// while the network works, as the URC goroutines need it.
	d.m.mu.Unlock()
	conn, rc, err := d.dialAndConnect(p)
	d.m.mu.Lock()
	if err != nil || rc != 0 {
		if conn != nil {
			conn.close()
		}
		d.state = espDisconnected
		d.m.urc("+MQTTDISCONNECTED:0")
		return false
	}
	d.conn, d.state, d.subs = conn, espConnected, nil
	conn.startKeepalive(time.Duration(d.keepalive)*time.Second, d.m.opts.Faults.NoPingreq)
	d.m.urc(fmt.Sprintf("+MQTTCONNECTED:0,1,\"%s\",\"%d\",\"\",%d", host, port, rec))
	d.m.final("OK")
	return true
}

func (d *espatDialect) dialAndConnect(p connectParams) (*mqttConn, byte, error) {
	nc, err := d.m.dial(d.host, d.port)
	if err != nil {
		return nil, 0, err
	}
	conn := newMQTTConn(nc)
	conn.onMessage = d.received
	conn.onClosed = func(r closeReason, _ error) { d.closed(conn, r) }
	conn.start()
	rc, err := conn.connect(p, d.m.opts.PacketTimeout)
	return conn, rc, err
}

func (d *espatDialect) packetID() uint16 {
	d.nextID++
	if d.nextID == 0 {
		d.nextID = 1
	}
	return d.nextID
}

// sub: AT+MQTTSUB=0,"<topic>",<qos>; AT+MQTTSUB? lists subscriptions.
func (d *espatDialect) sub(cmd command) bool {
	if cmd.Kind == kindRead {
		for _, s := range d.subs {
			d.m.info(fmt.Sprintf("+MQTTSUB:0,%d,\"%s\",%d", d.state, s.Filter, s.QoS))
		}
		d.m.final("OK")
		return true
	}
	if cmd.Kind != kindSet || len(cmd.Args) != 3 || !d.connected() {
		return false
	}
	topic, ok1 := cmd.str(1)
	qos, ok2 := cmd.num(2, 0, 2)
	if !ok1 || !ok2 || topic == "" {
		return false
	}
	for _, s := range d.subs {
		if s.Filter == topic {
			d.m.info("ALREADY SUBSCRIBE")
			d.m.final("OK")
			return true
		}
	}
	conn, id := d.conn, d.packetID()
	d.m.mu.Unlock()
	granted, err := conn.subscribe(id, []subscription{{topic, byte(qos)}}, d.m.opts.PacketTimeout)
	d.m.mu.Lock()
	if err != nil {
		d.lost(conn, err)
		return false
	}
	if len(granted) != 1 || granted[0] == 0x80 || d.conn != conn {
		return false
	}
	d.subs = append(d.subs, subscription{topic, byte(qos)})
	d.state = espSubscribed
	d.m.final("OK")
	return true
}

// unsub: AT+MQTTUNSUB=0,"<topic>"; an unknown topic answers
// NO UNSUBSCRIBE.
func (d *espatDialect) unsub(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 2 || !d.connected() {
		return false
	}
	topic, ok := cmd.str(1)
	if !ok {
		return false
	}
	i := -1
	for j, s := range d.subs {
		if s.Filter == topic {
			i = j
		}
	}
	if i < 0 {
		d.m.info("NO UNSUBSCRIBE")
		d.m.final("OK")
		return true
	}
	conn, id := d.conn, d.packetID()
	d.m.mu.Unlock()
	err := conn.unsubscribe(id, []string{topic}, d.m.opts.PacketTimeout)
	d.m.mu.Lock()
	if err != nil {
		d.lost(conn, err)
		return false
	}
	if d.conn != conn {
		return false
	}
	d.subs = append(d.subs[:i], d.subs[i+1:]...)
	if len(d.subs) == 0 {
		d.state = espConnected
	}
	d.m.final("OK")
	return true
}

// publish sends msg with the state lock released and reports success.
func (d *espatDialect) publish(msg message) bool {
	if !d.connected() {
		return false
	}
	if msg.QoS > 0 {
		msg.ID = d.packetID()
	}
	conn := d.conn
	d.m.mu.Unlock()
	err := conn.publish(msg, d.m.opts.PacketTimeout)
	d.m.mu.Lock()
	if err != nil {
		d.lost(conn, err)
		return false
	}
	return true
}

// pub: AT+MQTTPUB=0,"<topic>","<data>",<qos>,<retain> → OK once sent (and
// acked for QoS 1/2).
func (d *espatDialect) pub(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 5 || !d.connected() {
		return false
	}
	topic, ok1 := cmd.str(1)
	data, ok2 := cmd.str(2)
	qos, ok3 := cmd.num(3, 0, 2)
	retain, ok4 := cmd.num(4, 0, 1)
	if !ok1 || !ok2 || !ok3 || !ok4 || topic == "" {
		return false
	}
	if !d.publish(message{Topic: topic, Payload: []byte(data), QoS: byte(qos), Retain: retain == 1}) {
		return false
	}
	d.m.final("OK")
	return true
}

// pubRaw: AT+MQTTPUBRAW=0,"<topic>",<length>,<qos>,<retain> → OK, `>`,
// <length> bytes → +MQTTPUB:OK or +MQTTPUB:FAIL.
func (d *espatDialect) pubRaw(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 5 || !d.connected() {
		return false
	}
	topic, ok1 := cmd.str(1)
	n, ok2 := cmd.num(2, 1, 1<<16)
	qos, ok3 := cmd.num(3, 0, 2)
	retain, ok4 := cmd.num(4, 0, 1)
	if !ok1 || !ok2 || !ok3 || !ok4 || topic == "" {
		return false
	}
	d.m.final("OK")
	d.m.prompt("\r\n>", &dataMode{fixed: n, finish: func(b []byte, _ bool) {
		d.m.mu.Lock()
		defer d.m.mu.Unlock()
		if d.publish(message{Topic: topic, Payload: b, QoS: byte(qos), Retain: retain == 1}) {
			d.m.info("+MQTTPUB:OK")
		} else {
			d.m.info("+MQTTPUB:FAIL")
		}
	}})
	return true
}

// clean: AT+MQTTCLEAN=0 sends DISCONNECT (if connected), closes and
// forgets the configuration.
func (d *espatDialect) clean(cmd command) bool {
	if cmd.Kind != kindSet || len(cmd.Args) != 1 {
		return false
	}
	if _, ok := cmd.num(0, 0, 0); !ok {
		return false
	}
	if d.conn != nil {
		conn := d.conn
		d.conn = nil
		_ = conn.disconnect()
	}
	// Field by field, not *d = …: d.m is read without the lock by the
	// closing connection's reader.
	d.state, d.clientID, d.user, d.pass = espUninit, "", "", ""
	d.keepalive, d.disableClean, d.will = 120, false, nil
	d.host, d.port, d.reconnect, d.subs = "", 0, 0, nil
	d.m.final("OK")
	return true
}

// received prints +MQTTSUBRECV:0,"<topic>",<len>,<data>.
func (d *espatDialect) received(msg message) {
	d.m.urc(fmt.Sprintf("+MQTTSUBRECV:0,\"%s\",%d,%s", msg.Topic, len(msg.Payload), msg.Payload))
}

// lost handles a command whose connection died under it: the
// +MQTTDISCONNECTED URC comes before the command's ERROR (atlogs/03), so
// it is printed here rather than left to the reader goroutine's report,
// whichever gets the lock first prints it once. Called with the lock held.
func (d *espatDialect) lost(conn *mqttConn, err error) {
	if err == errTimeout || d.conn != conn {
		return
	}
	d.conn, d.state, d.subs = nil, espDisconnected, nil
	conn.close()
	d.m.urc("+MQTTDISCONNECTED:0")
}

// closed prints +MQTTDISCONNECTED:0 when the broker (or a missing
// PINGRESP) ends a session the host did not CLEAN.
func (d *espatDialect) closed(conn *mqttConn, r closeReason) {
	if r == closedByUs {
		return
	}
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	if d.conn != conn {
		return
	}
	d.conn, d.state, d.subs = nil, espDisconnected, nil
	d.m.urc("+MQTTDISCONNECTED:0")
}
