package modemsim

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// scriptedBroker accepts one connection on loopback and hands it to
// serve: for behaviours mosquitto never shows (a broker that stops
// answering PINGREQ, re-sends a QoS 2 message, sends garbage).
func scriptedBroker(t *testing.T, serve func(c net.Conn, r *bufio.Reader)) (host string, port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c, bufio.NewReader(c))
	}()
	a := l.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// readClientPacket reads one packet the module sent (type and body).
func readClientPacket(r *bufio.Reader) (byte, []byte, error) {
	h, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := readRemainingLength(r)
	if err != nil {
		return 0, nil, err
	}
	body := make([]byte, n)
	_, err = io.ReadFull(r, body)
	return h >> 4, body, err
}

// acceptConnect reads CONNECT and answers CONNACK 0.
func acceptConnect(c net.Conn, r *bufio.Reader) bool {
	typ, _, err := readClientPacket(r)
	if err != nil || typ != pktCONNECT {
		return false
	}
	_, err = c.Write([]byte{0x20, 2, 0, 0})
	return err == nil
}

func connectQMT(t *testing.T, h *host, host string, port int) {
	t.Helper()
	h.cmd(fmt.Sprintf(`AT+QMTOPEN=0,"%s",%d`, host, port), "OK")
	h.expectURC("+QMTOPEN: 0,0")
	h.cmd(`AT+QMTCONN=0,"x"`, "OK")
	h.expectURC("+QMTCONN: 0,0,0")
}

// TestPingTimeout: a broker that swallows PINGREQ makes the module give up
// at the next keepalive: QMT reports +QMTSTAT: 0,2 (PINGREQ timed out).
func TestPingTimeout(t *testing.T) {
	t.Parallel()
	pings := make(chan struct{}, 10)
	host, port := scriptedBroker(t, func(c net.Conn, r *bufio.Reader) {
		if !acceptConnect(c, r) {
			return
		}
		for {
			typ, _, err := readClientPacket(r)
			if err != nil {
				return
			}
			if typ == pktPINGREQ {
				pings <- struct{}{}
			}
		}
	})
	h := startModule(t, Options{Dialect: DialectQMT})
	h.cmd(`AT+QMTCFG="keepalive",0,1`, "OK")
	connectQMT(t, h, host, port)
	h.expectURC("+QMTSTAT: 0,2")
	if len(pings) != 1 {
		t.Fatalf("%d PINGREQs before giving up, want 1", len(pings))
	}
}

// TestInboundQoS2Duplicate: a QoS 2 PUBLISH re-sent with DUP before our
// PUBREC was answered is acked again but printed once; PUBREL gets
// PUBCOMP [MQTT-4.3.3].
func TestInboundQoS2Duplicate(t *testing.T) {
	t.Parallel()
	acks := make(chan string, 10)
	host, port := scriptedBroker(t, func(c net.Conn, r *bufio.Reader) {
		if !acceptConnect(c, r) {
			return
		}
		pub, _ := encodePublish(message{Topic: "d/x", Payload: []byte("once"), QoS: 2, ID: 77})
		dup, _ := encodePublish(message{Topic: "d/x", Payload: []byte("once"), QoS: 2, ID: 77, Dup: true})
		marker, _ := encodePublish(message{Topic: "d/end", Payload: []byte("end")})
		c.Write(pub)
		c.Write(dup)
		for range 2 {
			typ, body, _ := readClientPacket(r)
			acks <- fmt.Sprintf("%s %x", packetName(typ), body)
		}
		c.Write(encodeAck(pktPUBREL, 77))
		typ, body, _ := readClientPacket(r)
		acks <- fmt.Sprintf("%s %x", packetName(typ), body)
		c.Write(marker)
		io.Copy(io.Discard, r) // keep the connection until the module closes it
	})
	h := startModule(t, Options{Dialect: DialectQMT})
	connectQMT(t, h, host, port)
	h.expectURC(`+QMTRECV: 0,77,"d/x","once"`)
	h.expectURC(`+QMTRECV: 0,0,"d/end","end"`)
	if n := strings.Count(h.raw(), `"d/x"`); n != 1 {
		t.Fatalf("QoS 2 message printed %d times", n)
	}
	for _, want := range []string{"PUBREC 004d", "PUBREC 004d", "PUBCOMP 004d"} {
		if got := <-acks; got != want {
			t.Fatalf("module answered %q, want %q", got, want)
		}
	}
}

// TestMalformedFromBroker: garbage from the broker closes the connection
// and the module reports it like a peer close.
func TestMalformedFromBroker(t *testing.T) {
	t.Parallel()
	host, port := scriptedBroker(t, func(c net.Conn, r *bufio.Reader) {
		if !acceptConnect(c, r) {
			return
		}
		c.Write([]byte{0x36, 3, 0, 1, 't'}) // PUBLISH QoS 3
		io.Copy(io.Discard, r)              // keep the connection until the module closes it
	})
	h := startModule(t, Options{Dialect: DialectECMT})
	h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"%s",%d`, host, port), "OK")
	h.expectURC("+ECMTOPEN: 0,0")
	h.cmd(`AT+ECMTCONN=0,"x"`, "OK")
	h.expectURC("+ECMTCONN: 0,0,0")
	h.expectURC("+ECMTSTAT: 0,1")
}

// TestNoConnackTimeout: a broker that never answers CONNECT: after the
// packet timeout ECMT prints its hard-coded +ECMTCONN: 0,2,2.
func TestNoConnackTimeout(t *testing.T) {
	t.Parallel()
	host, port := scriptedBroker(t, func(c net.Conn, r *bufio.Reader) {
		readClientPacket(r)
		io.Copy(io.Discard, r) // never answer; keep the connection until the module closes it
	})
	h := startModule(t, Options{Dialect: DialectECMT, PacketTimeout: 300 * time.Millisecond})
	h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"%s",%d`, host, port), "OK")
	h.expectURC("+ECMTOPEN: 0,0")
	h.cmd(`AT+ECMTCONN=0,"x"`, "OK")
	h.expectURC("+ECMTCONN: 0,2,2")
}

// TestTapAndClock: Tap sees both directions in order, stamped by Clock —
// how the scenario recorder writes serial logs with a shifted clock.
func TestTapAndClock(t *testing.T) {
	t.Parallel()
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("UTC+8", 8*3600))
	var mu sync.Mutex
	var chunks []record.SerialChunk
	h := startModule(t, Options{Dialect: DialectESPAT, Echo: true,
		Clock: func() time.Time { return stamp },
		Tap: func(c record.SerialChunk) {
			mu.Lock()
			chunks = append(chunks, c)
			mu.Unlock()
		}})
	h.cmd("AT", "OK")
	h.cmd("AT+GMR", "OK")
	// The LF after the last CR, and its echo, may still be on their way
	// when OK is read: wait until the module has taken the whole input and
	// echoed it (or give up and let the checks below say what is missing).
	done := func() bool {
		var in, out []byte
		for _, c := range chunks {
			if c.Dir == record.DirHostToModule {
				in = append(in, c.Data...)
			} else {
				out = append(out, c.Data...)
			}
		}
		return string(in) == "AT\r\nAT+GMR\r\n" && strings.HasSuffix(string(out), "\r\nOK\r\n\n")
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		ok := done()
		mu.Unlock()
		if ok {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var in, out []byte
	for _, c := range chunks {
		if !c.Time.Equal(stamp) {
			t.Errorf("chunk stamped %v, want the Clock's %v", c.Time, stamp)
		}
		switch c.Dir {
		case record.DirHostToModule:
			in = append(in, c.Data...)
		case record.DirModuleToHost:
			out = append(out, c.Data...)
		default:
			t.Errorf("chunk without direction: %+v", c)
		}
	}
	if string(in) != "AT\r\nAT+GMR\r\n" {
		t.Errorf("host→module %q", in)
	}
	if !strings.HasPrefix(string(out), "AT\r\r\nOK\r\n") || !strings.HasSuffix(string(out), "\r\nOK\r\n\n") {
		t.Errorf("module→host %q", out)
	}
}
