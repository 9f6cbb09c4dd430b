//go:build linux

package tlstest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// Lab is a CA, a second CA nobody trusts, client certificates (one
// expired, one from the other CA) and three mosquitto TLS listeners: plain,
// requiring client certificates, and TLS 1.3 only.
type Lab struct {
	CA, Other     *CA
	Client, Rogue *Pair
	Expired       *Pair // a client certificate of CA that expired
	Plain, MTLS   *mosquittotest.Broker
	Only13        *mosquittotest.Broker // accepts TLS 1.3 only
	// Listener is the mosquitto listener configuration (CA, server
	// certificate and key) for more brokers.
	Listener []string
}

// NewLab makes the certificates and starts the brokers for test t.
func NewLab(t testing.TB) *Lab {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var l Lab
	var err error
	l.CA, err = NewCA(dir, "ca")
	must(err)
	l.Other, err = NewCA(dir, "other-ca")
	must(err)
	srv, err := l.CA.Server(dir, "server")
	must(err)
	l.Client, err = l.CA.Client(dir, "client")
	must(err)
	l.Rogue, err = l.Other.Client(dir, "rogue")
	must(err)
	l.Expired, err = l.CA.ExpiredClient(dir, "expired")
	must(err)
	listener := []string{"cafile " + l.CA.File, "certfile " + srv.CertFile, "keyfile " + srv.KeyFile}
	l.Listener = listener
	l.Plain = mosquittotest.Start(t, mosquittotest.Config{Extra: listener})
	l.MTLS = mosquittotest.Start(t, mosquittotest.Config{Extra: append(listener, "require_certificate true")})
	l.Only13 = mosquittotest.Start(t, mosquittotest.Config{Extra: append(listener, "tls_version tlsv1.3")})
	return &l
}

// Capture captures loopback traffic to broker b while run talks to it,
// decoding it with b's port as a TLS port, until the connection closed.
func Capture(t testing.TB, b *mosquittotest.Broker, run func(addr string)) []netcap.Record {
	t.Helper()
	recs, _ := CapturePort(t, b.Port, run)
	return recs
}

// CaptureFrames is Capture that also returns the captured frames, to be
// decoded again (with keys written during the run) or saved.
func CaptureFrames(t testing.TB, b *mosquittotest.Broker, run func(addr string)) ([]netcap.Record, []record.Frame) {
	t.Helper()
	return CapturePort(t, b.Port, run)
}

// CapturePort is CaptureFrames for any server on 127.0.0.1:port.
func CapturePort(t testing.TB, serverPort int, run func(addr string)) ([]netcap.Record, []record.Frame) {
	t.Helper()
	port := uint16(serverPort)
	c, err := capture.OpenInterface("lo", capture.CaptureOptions{Filter: capture.Filter{TCPPorts: []uint16{port}}})
	if errors.Is(err, capture.ErrCapturePermission) {
		t.Skip("skipping live TLS capture: no CAP_NET_RAW (run as root to include it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var recs []netcap.Record
	var frames []record.Frame
	dec := netcap.NewDecoder(netcap.Options{TLSPorts: []uint16{port}}, func(r netcap.Record) {
		mu.Lock()
		recs = append(recs, r)
		mu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(f record.Frame) {
			f.Data = append([]byte(nil), f.Data...) // the capture reuses its buffer
			mu.Lock()
			frames = append(frames, f)
			mu.Unlock()
			dec.Frame(f)
		})
	}()
	run(net.JoinHostPort("127.0.0.1", strconv.Itoa(serverPort)))
	closed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		fins := map[string]bool{}
		for _, r := range recs {
			if r.Kind != netcap.KindEvent {
				continue
			}
			switch r.Event.Type {
			case netcap.EventRST:
				return true
			case netcap.EventFIN:
				fins[r.Event.By] = true
			}
		}
		return fins["client"] && fins["server"]
	}
	for deadline := time.Now().Add(10 * time.Second); !closed(); {
		if time.Now().After(deadline) {
			t.Fatal("the TLS connection's close was not captured within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("capture: %v", err)
	}
	c.Close()
	dec.Flush()
	return recs, frames
}

// DialMQTT handshakes with cfg, sends an MQTT 3.1.1 CONNECT, reads the
// CONNACK, publishes one QoS 0 message and disconnects.
func DialMQTT(addr string, cfg *tls.Config) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	tc := tls.Client(conn, cfg)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	connect := []byte{0x10, 19, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 7, 't', 'l', 's', '-', 'l', 'a', 'b'}
	if _, err := tc.Write(connect); err != nil {
		return err
	}
	connack := make([]byte, 4)
	if _, err := io.ReadFull(tc, connack); err != nil {
		return err
	}
	if connack[0] != 0x20 || connack[3] != 0 {
		return fmt.Errorf("CONNACK % x", connack)
	}
	publish := []byte{0x30, 9, 0, 3, 'a', '/', 'b', 'h', 'e', 'l', 'o'}
	if _, err := tc.Write(append(publish, 0xe0, 0)); err != nil {
		return err
	}
	return tc.Close()
}

// Dial handshakes with cfg and closes; it returns the handshake error.
func Dial(addr string, cfg *tls.Config) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	tc := tls.Client(conn, cfg)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	err = tc.Handshake()
	if err == nil {
		// One byte read waits for the server's verdict on a client
		// certificate (TLS 1.3 sends it after the client's Finished).
		tc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		tc.Read(make([]byte, 1))
		tc.Close()
	}
	return err
}
