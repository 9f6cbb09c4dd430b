package modemsim

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// tapped collects the module's UART chunks, as atmq capture records them.
type tapped struct {
	mu     sync.Mutex
	chunks []record.SerialChunk
}

func (tp *tapped) tap(c record.SerialChunk) {
	tp.mu.Lock()
	tp.chunks = append(tp.chunks, record.SerialChunk{Time: c.Time, Dir: c.Dir, Data: bytes.Clone(c.Data)})
	tp.mu.Unlock()
}

// decodeLog reads the tapped UART with decode/at and returns the one
// socket's MQTT packets.
func (tp *tapped) packets(t *testing.T) []at.SocketPacket {
	t.Helper()
	tp.mu.Lock()
	defer tp.mu.Unlock()
	l, err := at.ReadChunks(tp.chunks, at.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := at.SocketStreams(l)
	if len(ss) != 1 {
		for _, s := range ss {
			t.Logf("stream %+v", *s)
		}
		t.Fatalf("%d socket streams; problems %v", len(ss), l.Problems)
	}
	if len(l.Problems) > 0 {
		t.Errorf("problems reading the log: %v", l.Problems)
	}
	return ss[0].Packets()
}

// hostSend writes one MQTT packet through the module's send command, as
// TinyGSM does for PubSubClient.
func hostSend(h *host, cmd string, pkt []byte, done string) {
	h.t.Helper()
	h.send(fmt.Sprintf("%s%d\r\n", cmd, len(pkt)))
	h.waitPrompt("> ")
	h.send(string(pkt))
	h.expectURC(done)
}

// readAfter returns the n bytes that follow header in the module's output.
func readAfter(h *host, header string, n int) []byte {
	h.t.Helper()
	v, ok := h.await(func() (string, bool) {
		i := bytes.Index(h.out, []byte(header))
		if i < 0 || len(h.out) < i+len(header)+n {
			return "", false
		}
		return string(h.out[i+len(header) : i+len(header)+n]), true
	})
	if !ok {
		h.t.Fatalf("no %q and %d bytes; output:\n%s", header, n, h.transcript())
	}
	return []byte(v)
}

// mustPacket fails the test when a packet cannot be encoded.
func mustPacket(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// A real MQTT client on the host writes through the Quectel socket
// commands to mosquitto; the UART log decodes to the same bytes.
func TestQISocketSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	must := mustPacket(t)
	var tp tapped
	h := startModule(t, Options{Dialect: DialectQISocket, Tap: tp.tap})
	h.cmd(fmt.Sprintf(`AT+QIOPEN=1,0,"TCP","%s",%d,0,0`, b.Host, b.Port), "OK")
	h.expectURC("+QIOPEN: 0,0")
	connect := must(HostConnect("mcu-qi", 30, nil, nil))
	hostSend(h, "AT+QISEND=0,", connect, "SEND OK")
	h.urc(`+QIURC: "recv",0`)
	h.send("AT+QIRD=0,1500\r\n")
	connack := readAfter(h, "+QIRD: 4\r\n", 4)
	h.final()
	if p, err := mqtt.Decode(connack, 4); err != nil || p.Type != mqtt.CONNACK || p.ReturnCode != 0 {
		t.Fatalf("CONNACK %x: %v %+v", connack, err, p)
	}
	waitLog(t, b, "as mcu-qi")
	// Beyond the send buffer: no prompt, ERROR.
	h.cmd("AT+QISEND=0,2000", "ERROR")
	h.cmd("AT+QICLOSE=0", "OK")

	ps := tp.packets(t)
	if len(ps) != 3 || !bytes.Equal(ps[0].Raw, connect) || ps[0].Packet.ClientID != "mcu-qi" ||
		!bytes.Equal(ps[1].Raw, connack) || ps[2].Failed != "ERROR" || ps[2].Declared != 2000 {
		t.Fatalf("packets from the log: %+v", ps)
	}
}

func TestSIM800SocketSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	must := mustPacket(t)
	var tp tapped
	h := startModule(t, Options{Dialect: DialectSIM800Socket, Tap: tp.tap})
	h.cmd("AT+CIPMUX=1", "OK")
	h.cmd(fmt.Sprintf(`AT+CIPSTART=0,"TCP","%s","%d"`, b.Host, b.Port), "OK")
	h.expectURC("0, CONNECT OK")
	hostSend(h, "AT+CIPSEND=0,", must(HostConnect("mcu-800", 30, nil, nil)), "0, SEND OK")
	readAfter(h, "+RECEIVE,0,4:\r\n", 4)
	hostSend(h, "AT+CIPSEND=0,", must(HostSubscribe(1, "mcu/in", 0)), "0, SEND OK")
	readAfter(h, "+RECEIVE,0,5:\r\n", 5)
	// A payload holding CR LF and NUL: the log must keep it whole.
	payload := []byte("line1\r\nline2\x00end")
	pub := must(HostPublish("mcu/in", payload, 0, 0))
	hostSend(h, "AT+CIPSEND=0,", pub, "0, SEND OK")
	echoed := readAfter(h, "+RECEIVE,0,"+strconv.Itoa(len(pub))+":\r\n", len(pub))
	if !bytes.Equal(echoed, pub) {
		t.Errorf("broker echoed %x, want %x", echoed, pub)
	}
	hostSend(h, "AT+CIPSEND=0,", HostPingreq(), "0, SEND OK")
	readAfter(h, "+RECEIVE,0,2:\r\n", 2)
	h.send("AT+CIPCLOSE=0\r\n")
	h.expectURC("0, CLOSE OK")

	var types []string
	for _, p := range tp.packets(t) {
		if p.Packet == nil {
			t.Fatalf("undecoded %+v", p)
		}
		types = append(types, fmt.Sprintf("%v:%v", p.FromHost, p.Packet.Type))
		if p.Packet.Type == mqtt.PUBLISH && !bytes.Equal(p.Packet.Payload, payload) {
			t.Errorf("PUBLISH payload %q", p.Packet.Payload)
		}
	}
	want := "[true:CONNECT false:CONNACK true:SUBSCRIBE false:SUBACK true:PUBLISH false:PUBLISH true:PINGREQ false:PINGRESP]"
	if fmt.Sprint(types) != want {
		t.Errorf("packets %v, want %s", types, want)
	}
}
