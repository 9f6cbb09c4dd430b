package modemsim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// closeReason says why a connection ended; dialects map it to their
// status URC codes.
type closeReason int

const (
	closedByUs   closeReason = iota // DISC/CLOSE command: no URC
	closedByPeer                    // EOF or reset from the broker
	closedPing                      // PINGRESP never came
	closedBadPkt                    // broker sent something unparsable
)

var (
	errConnClosed = errors.New("connection closed")
	errTimeout    = errors.New("no answer from the broker in time")
)

// ackKey identifies an awaited answer: CONNACK (id 0), SUBACK/UNSUBACK/
// PUBACK/PUBREC/PUBCOMP by packet identifier.
type ackKey struct {
	typ byte
	id  uint16
}

// mqttConn is one TCP connection speaking MQTT as a module does: a reader
// goroutine that acks inbound QoS 1/2 by itself [MQTT-4.3.2, 4.3.3] and
// hands messages up, a keepalive timer that sends PINGREQ when nothing was
// sent for KeepAlive seconds [MQTT-3.1.2-23], and waiters for acks.
type mqttConn struct {
	nc net.Conn
	br *bufio.Reader

	// onMessage and onClosed are set before start and called from the
	// reader goroutine.
	onMessage func(message)
	onClosed  func(closeReason, error)

	wmu      sync.Mutex // serialises writes and guards lastSend
	lastSend time.Time

	mu          sync.Mutex
	waiters     map[ackKey]chan inbound
	awaitingRel map[uint16]bool // inbound QoS 2 ids between PUBREC and PUBREL
	pingOut     bool            // a PINGREQ is unanswered
	closing     bool            // we closed it: the reader reports closedByUs
	done        chan struct{}
	kaStop      chan struct{} // non-nil once the keepalive timer runs
	finished    sync.Once
}

func newMQTTConn(nc net.Conn) *mqttConn {
	return &mqttConn{
		nc:          nc,
		br:          bufio.NewReader(nc),
		waiters:     map[ackKey]chan inbound{},
		awaitingRel: map[uint16]bool{},
		done:        make(chan struct{}),
	}
}

// start runs the reader. Call once, after setting the callbacks.
func (c *mqttConn) start() { go c.readLoop() }

// send writes one packet.
func (c *mqttConn) send(pkt []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.done:
		return errConnClosed
	default:
	}
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(pkt); err != nil {
		return err
	}
	c.lastSend = time.Now()
	return nil
}

// expect registers interest in an answer before the request is sent, so a
// fast broker cannot answer before anyone listens.
func (c *mqttConn) expect(k ackKey) chan inbound {
	ch := make(chan inbound, 1)
	c.mu.Lock()
	c.waiters[k] = ch
	c.mu.Unlock()
	return ch
}

func (c *mqttConn) forget(k ackKey) {
	c.mu.Lock()
	delete(c.waiters, k)
	c.mu.Unlock()
}

// wait blocks for the answer registered with expect.
func (c *mqttConn) wait(k ackKey, ch chan inbound, timeout time.Duration) (inbound, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case p := <-ch:
		return p, nil
	case <-c.done:
		c.forget(k)
		// The answer may have arrived just before the close (a refused
		// CONNACK is followed by the broker's FIN at once): prefer it.
		select {
		case p := <-ch:
			return p, nil
		default:
		}
		return inbound{}, errConnClosed
	case <-t.C:
		c.forget(k)
		return inbound{}, errTimeout
	}
}

// request sends pkt and waits for the answer k.
func (c *mqttConn) request(pkt []byte, k ackKey, timeout time.Duration) (inbound, error) {
	ch := c.expect(k)
	if err := c.send(pkt); err != nil {
		c.forget(k)
		return inbound{}, err
	}
	return c.wait(k, ch, timeout)
}

// connect sends CONNECT and returns the CONNACK return code.
func (c *mqttConn) connect(p connectParams, timeout time.Duration) (byte, error) {
	pkt, err := encodeConnect(p)
	if err != nil {
		return 0, err
	}
	ack, err := c.request(pkt, ackKey{pktCONNACK, 0}, timeout)
	if err != nil {
		return 0, err
	}
	return ack.ReturnCode, nil
}

// publish sends m and completes its QoS flow: PUBACK for 1, PUBREC →
// PUBREL → PUBCOMP for 2 [MQTT-4.3].
func (c *mqttConn) publish(m message, timeout time.Duration) error {
	pkt, err := encodePublish(m)
	if err != nil {
		return err
	}
	switch m.QoS {
	case 0:
		return c.send(pkt)
	case 1:
		_, err = c.request(pkt, ackKey{pktPUBACK, m.ID}, timeout)
		return err
	}
	if _, err = c.request(pkt, ackKey{pktPUBREC, m.ID}, timeout); err != nil {
		return err
	}
	_, err = c.request(encodeAck(pktPUBREL, m.ID), ackKey{pktPUBCOMP, m.ID}, timeout)
	return err
}

// subscribe returns the SUBACK return codes.
func (c *mqttConn) subscribe(id uint16, subs []subscription, timeout time.Duration) ([]byte, error) {
	pkt, err := encodeSubscribe(id, subs)
	if err != nil {
		return nil, err
	}
	ack, err := c.request(pkt, ackKey{pktSUBACK, id}, timeout)
	return ack.Granted, err
}

func (c *mqttConn) unsubscribe(id uint16, filters []string, timeout time.Duration) error {
	pkt, err := encodeUnsubscribe(id, filters)
	if err != nil {
		return err
	}
	_, err = c.request(pkt, ackKey{pktUNSUBACK, id}, timeout)
	return err
}

// startKeepalive sends PINGREQ whenever nothing was sent for interval
// [MQTT-3.1.2-23]. With noPing it sends nothing, like firmware that never
// pings: the broker then closes the connection after 1.5 × keepalive
// [MQTT-3.1.2-24]. A PINGREQ still unanswered when the next one is due
// ends the connection with closedPing.
func (c *mqttConn) startKeepalive(interval time.Duration, noPing bool) {
	if interval <= 0 || noPing {
		return
	}
	c.mu.Lock()
	if c.kaStop != nil {
		c.mu.Unlock()
		return
	}
	c.kaStop = make(chan struct{})
	stop := c.kaStop
	c.mu.Unlock()
	go func() {
		t := time.NewTimer(interval)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-stop:
				return
			case <-t.C:
			}
			c.wmu.Lock()
			idle := time.Since(c.lastSend)
			c.wmu.Unlock()
			if idle < interval {
				t.Reset(interval - idle)
				continue
			}
			c.mu.Lock()
			unanswered := c.pingOut
			c.pingOut = true
			c.mu.Unlock()
			if unanswered {
				c.shut(closedPing, errors.New("PINGRESP not received"))
				return
			}
			if err := c.send(encodePingreq()); err != nil {
				return
			}
			t.Reset(interval)
		}
	}()
}

// close ends the connection on our initiative; the status URC is not
// produced for it.
func (c *mqttConn) close() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.nc.Close()
}

// disconnect sends DISCONNECT [MQTT-3.14] then closes.
func (c *mqttConn) disconnect() error {
	err := c.send(encodeDisconnect())
	c.close()
	return err
}

// shut closes the socket from inside (ping timeout, bad packet); the
// reader then reports reason.
func (c *mqttConn) shut(reason closeReason, err error) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.mu.Unlock()
	// Report before closing, so the reader's error cannot win the race
	// and report the close as ours.
	c.finish(reason, err)
	c.nc.Close()
}

// finish marks the connection dead and reports it, once.
func (c *mqttConn) finish(reason closeReason, err error) {
	c.finished.Do(func() {
		close(c.done)
		if c.onClosed != nil {
			c.onClosed(reason, err)
		}
	})
}

func (c *mqttConn) readLoop() {
	for {
		p, err := readPacket(c.br)
		if err != nil {
			c.mu.Lock()
			ours := c.closing
			c.mu.Unlock()
			reason := closedByPeer
			switch {
			case ours:
				reason = closedByUs
			case errors.Is(err, errMalformed):
				reason = closedBadPkt
				c.nc.Close()
			case errors.Is(err, io.EOF):
				err = errors.New("closed by the broker")
			}
			c.finish(reason, err)
			return
		}
		c.dispatch(p)
	}
}

func (c *mqttConn) dispatch(p inbound) {
	switch p.Type {
	case pktPUBLISH:
		c.receive(p.Msg)
		return
	case pktPUBREL:
		// Second half of inbound QoS 2 [MQTT-4.3.3]: complete it.
		c.mu.Lock()
		delete(c.awaitingRel, p.ID)
		c.mu.Unlock()
		_ = c.send(encodeAck(pktPUBCOMP, p.ID))
		return
	case pktPINGRESP:
		c.mu.Lock()
		c.pingOut = false
		c.mu.Unlock()
		return
	}
	k := ackKey{p.Type, p.ID}
	if p.Type == pktCONNACK {
		k.id = 0
	}
	c.mu.Lock()
	ch := c.waiters[k]
	delete(c.waiters, k)
	c.mu.Unlock()
	if ch != nil {
		ch <- p
	}
	// An ack nobody waits for (late, after a timeout) is dropped, as
	// module firmware does.
}

// receive acks an inbound PUBLISH and hands it up once: a QoS 2 message
// re-sent with DUP before our PUBREL arrives is not delivered twice.
func (c *mqttConn) receive(m message) {
	deliver := true
	switch m.QoS {
	case 1:
		_ = c.send(encodeAck(pktPUBACK, m.ID))
	case 2:
		c.mu.Lock()
		if c.awaitingRel[m.ID] {
			deliver = false
		}
		c.awaitingRel[m.ID] = true
		c.mu.Unlock()
		_ = c.send(encodeAck(pktPUBREC, m.ID))
	}
	if deliver && c.onMessage != nil {
		c.onMessage(m)
	}
}

// String names the connection for logs.
func (c *mqttConn) String() string {
	return fmt.Sprintf("%s→%s", c.nc.LocalAddr(), c.nc.RemoteAddr())
}
