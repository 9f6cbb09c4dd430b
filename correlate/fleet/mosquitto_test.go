//go:build linux

package fleet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/correlate/fleet"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// mqttClient is a bare MQTT 3.1.1 client on one TCP connection.
type mqttClient struct {
	t *testing.T
	c net.Conn
}

func dialBroker(t *testing.T, addr string) *mqttClient {
	t.Helper()
	c, err := net.DialTimeout("tcp4", addr, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return &mqttClient{t, c}
}

func mqttStr(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }

// connect sends CONNECT and returns the CONNACK code.
func (m *mqttClient) connect(id, user, pass string, keepalive byte) byte {
	m.t.Helper()
	flags := byte(0x02)
	payload := mqttStr(id)
	if user != "" {
		flags |= 0x80
		payload = append(payload, mqttStr(user)...)
	}
	if pass != "" {
		flags |= 0x40
		payload = append(payload, mqttStr(pass)...)
	}
	body := append(append(mqttStr("MQTT"), 4, flags, 0, keepalive), payload...)
	m.write(append([]byte{0x10, byte(len(body))}, body...))
	var ack [4]byte
	m.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(m.c, ack[:]); err != nil || ack[0] != 0x20 {
		m.t.Fatalf("CONNACK: % x, %v", ack, err)
	}
	return ack[3]
}

func (m *mqttClient) write(b []byte) {
	m.t.Helper()
	if _, err := m.c.Write(b); err != nil {
		m.t.Fatal(err)
	}
}

// waitClosed reads until the broker closes the connection, then closes it.
func (m *mqttClient) waitClosed() {
	m.t.Helper()
	m.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, m.c); err != nil {
		m.t.Fatalf("waiting for the broker to close: %v", err)
	}
	m.c.Close()
}

// A real mosquitto and a real loopback capture: refused clients without
// or with an unknown username, a client id two connections take from each
// other, keepalive expiries and healthy sessions; the report must count
// each exactly as the broker behaved.
func TestFleetAgainstMosquitto(t *testing.T) {
	broker := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"fleet": "pw"}})
	port := uint16(broker.Port)
	ifc, err := capture.OpenInterface("lo", capture.CaptureOptions{Filter: capture.Filter{TCPPorts: []uint16{port}}})
	if errors.Is(err, capture.ErrCapturePermission) {
		t.Skip("skipping: capturing on lo needs root or CAP_NET_RAW")
	}
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var frames []record.Frame
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ifc.Run(ctx, func(f record.Frame) {
			f.Data = append([]byte(nil), f.Data...)
			mu.Lock()
			frames = append(frames, f)
			mu.Unlock()
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	analyze := func() *fleet.Report {
		mu.Lock()
		got := append([]record.Frame(nil), frames...)
		mu.Unlock()
		a := fleet.New(fleet.Options{})
		d := netcap.NewDecoder(netcap.Options{Ports: []uint16{port}}, a.Add)
		for _, f := range got {
			_ = d.Frame(f)
		}
		d.Flush()
		return a.Report()
	}
	// A probe connection (no MQTT) shows when the capture delivers.
	for start := time.Now(); analyze().Summary.Connections == 0; {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the capture on lo delivers nothing")
		}
		if c, err := net.Dial("tcp4", broker.Addr()); err == nil {
			c.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	probes := analyze().Summary.Connections

	for _, id := range []string{"ok-1", "ok-2", "ok-3"} {
		m := dialBroker(t, broker.Addr())
		if code := m.connect(id, "fleet", "pw", 60); code != 0 {
			t.Fatalf("%s: CONNACK %d", id, code)
		}
		m.write([]byte{0x30, 7, 0, 1, 't', 'h', 'e', 'l', 'o'})
		m.write([]byte{0xe0, 0})
		m.waitClosed()
	}
	for _, id := range []string{"anon-1", "anon-2", "anon-3"} {
		m := dialBroker(t, broker.Addr())
		if code := m.connect(id, "", "", 60); code != 5 {
			t.Fatalf("%s: CONNACK %d, want 5", id, code)
		}
		m.waitClosed()
	}
	for _, id := range []string{"ghost-1", "ghost-2"} {
		m := dialBroker(t, broker.Addr())
		if code := m.connect(id, id, "x", 60); code != 5 {
			t.Fatalf("%s: CONNACK %d, want 5", id, code)
		}
		m.waitClosed()
	}
	// Two connections take the id "twin" from each other: 4 CONNECTs, 3
	// takeovers.
	prev := dialBroker(t, broker.Addr())
	prev.connect("twin", "fleet", "pw", 60)
	for range 3 {
		next := dialBroker(t, broker.Addr())
		if code := next.connect("twin", "fleet", "pw", 60); code != 0 {
			t.Fatalf("twin: CONNACK %d", code)
		}
		prev.waitClosed()
		prev = next
	}
	prev.write([]byte{0xe0, 0})
	prev.waitClosed()
	// Keepalive 1 s and silence: mosquitto closes after 1.5 s.
	var wg sync.WaitGroup
	for _, id := range []string{"sleepy-1", "sleepy-2"} {
		m := dialBroker(t, broker.Addr())
		if code := m.connect(id, "fleet", "pw", 1); code != 0 {
			t.Fatalf("%s: CONNACK %d", id, code)
		}
		wg.Add(1)
		go func() { defer wg.Done(); m.waitClosed() }()
	}
	wg.Wait()

	// Wait until the capture holds every CONNECT and every close.
	var r *fleet.Report
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		r = analyze()
		if r.Summary.Connects == 14 && r.Summary.OpenAtEnd == 0 || time.Since(start) > 10*time.Second {
			break
		}
	}
	s := r.Summary
	for what, got := range map[string][2]int{
		"connections":     {s.Connections, probes + 14},
		"without connect": {s.WithoutConnect, probes},
		"connects":        {s.Connects, 14},
		"client ids":      {s.ClientIDs, 11},
		"accepted":        {s.Accepted, 9},
		"refused":         {s.Refused, 5},
		"disconnected":    {s.Disconnected, 4},
		"open at end":     {s.OpenAtEnd, 0},
		"with problems":   {s.ClientsWithProblems, 8},
	} {
		if got[0] != got[1] {
			t.Errorf("summary %s: %d, want %d", what, got[0], got[1])
		}
	}
	by := findingsByCode(r)
	if f := by[fleet.CodeConnackRefused]; len(f) != 1 || *f[0].ConnackCode != 5 || len(f[0].Causes) != 2 ||
		f[0].Causes[0].Cause != "no-username" || f[0].Causes[0].Clients != 3 ||
		f[0].Causes[1].Cause != "unknown-username" || f[0].Causes[1].Clients != 2 {
		t.Errorf("refusals: %+v", f)
	}
	if f := by[fleet.CodeTakeover]; len(f) != 1 || f[0].Loops != 1 || f[0].Connections != 3 || f[0].Examples[0] != "twin" {
		t.Errorf("takeover: %+v", f)
	}
	if f := by[fleet.CodeKeepalive]; len(f) != 1 || f[0].Connections != 2 || len(f[0].Keepalive) != 1 || f[0].Keepalive[0].Seconds != 1 {
		t.Errorf("keepalive: %+v", f)
	}
	if len(r.Findings) != 3 {
		t.Errorf("findings: %+v", r.Findings)
	}
}
