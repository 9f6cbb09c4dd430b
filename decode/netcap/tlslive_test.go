//go:build linux

package netcap_test

import (
	"crypto/tls"
	"testing"

	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/internal/tlstest"
)

func tlsEvents(recs []netcap.Record, typ string) []*netcap.Event {
	var out []*netcap.Event
	for _, r := range recs {
		if r.Kind == netcap.KindEvent && r.Event.Type == typ {
			out = append(out, r.Event)
		}
	}
	return out
}

func oneTLSEvent(t *testing.T, recs []netcap.Record, typ string) *netcap.Event {
	t.Helper()
	evs := tlsEvents(recs, typ)
	if len(evs) != 1 {
		for _, r := range recs {
			if r.Kind == netcap.KindEvent {
				t.Logf("frame %d %s by %s: %s", r.Frame, r.Event.Type, r.Event.By, r.Event.Detail)
			}
		}
		t.Fatalf("%d %s events, want 1", len(evs), typ)
	}
	if evs[0].TLS == nil {
		t.Fatalf("%s event without TLS details", typ)
	}
	return evs[0]
}

// TestTLSHandshakesLive decodes real handshakes of Go crypto/tls clients
// with mosquitto TLS listeners, captured on loopback.
func TestTLSHandshakesLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts brokers and captures")
	}
	l := tlstest.NewLab(t)

	t.Run("healthy TLS 1.2", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Plain, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(),
				MaxVersion: tls.VersionTLS12, NextProtos: []string{"mqtt"},
				CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}); err != nil {
				t.Fatal(err)
			}
		})
		h := oneTLSEvent(t, recs, netcap.EventTLSHello)
		if h.SNI != "localhost" || !h.TLS.SNIPresent || len(h.TLS.ALPN) != 1 || h.TLS.ALPN[0] != "mqtt" {
			t.Errorf("hello: SNI %q present %v ALPN %q", h.SNI, h.TLS.SNIPresent, h.TLS.ALPN)
		}
		if len(h.TLS.Suites) != 1 || h.TLS.Suites[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
			t.Errorf("offered suites %x", h.TLS.Suites)
		}
		for _, v := range h.TLS.Versions {
			if v > tls.VersionTLS12 {
				t.Errorf("versions offered %x, want none above TLS 1.2", h.TLS.Versions)
			}
		}
		sh := oneTLSEvent(t, recs, netcap.EventTLSServerHello)
		if sh.TLS.Version != tls.VersionTLS12 || sh.TLS.Suite != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
			t.Errorf("server hello %s", sh.Detail)
		}
		done := oneTLSEvent(t, recs, netcap.EventTLSHandshakeDone)
		if done.TLS.Handshake <= 0 || done.TLS.Version != tls.VersionTLS12 {
			t.Errorf("handshake done: %s", done.Detail)
		}
		for _, a := range tlsEvents(recs, netcap.EventTLSAlert) {
			if !a.TLS.AlertEncrypted { // the close_notify of each side
				t.Errorf("alert in clear in a healthy session: %s", a.Detail)
			}
		}
	})

	t.Run("healthy TLS 1.3 without SNI", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Plain, func(addr string) {
			// An IP address as server name: crypto/tls sends no SNI.
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "127.0.0.1", RootCAs: l.CA.Pool(), MinVersion: tls.VersionTLS13}); err != nil {
				t.Fatal(err)
			}
		})
		h := oneTLSEvent(t, recs, netcap.EventTLSHello)
		if h.TLS.SNIPresent || h.SNI != "" {
			t.Errorf("hello: SNI %q present %v, want none", h.SNI, h.TLS.SNIPresent)
		}
		if len(h.TLS.Versions) != 1 || h.TLS.Versions[0] != tls.VersionTLS13 {
			t.Errorf("versions offered %x, want TLS 1.3 only", h.TLS.Versions)
		}
		if sh := oneTLSEvent(t, recs, netcap.EventTLSServerHello); sh.TLS.Version != tls.VersionTLS13 {
			t.Errorf("server hello %s", sh.Detail)
		}
		if done := oneTLSEvent(t, recs, netcap.EventTLSHandshakeDone); done.TLS.Handshake <= 0 {
			t.Errorf("handshake done: %s", done.Detail)
		}
	})

	t.Run("client trusts another CA", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Plain, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.Other.Pool(), MaxVersion: tls.VersionTLS12}); err == nil {
				t.Fatal("handshake succeeded against an untrusted server certificate")
			}
		})
		a := oneTLSEvent(t, recs, netcap.EventTLSAlert)
		// crypto/tls answers an unknown authority with bad_certificate.
		if a.By != "client" || a.TLS.AlertName != "bad_certificate" || a.TLS.AlertLevel != 2 {
			t.Errorf("alert by %s: %s", a.By, a.Detail)
		}
		if n := len(tlsEvents(recs, netcap.EventTLSHandshakeDone)); n != 0 {
			t.Errorf("%d handshake-done events on a failed handshake", n)
		}
	})

	t.Run("TLS 1.3 client trusts another CA", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Plain, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.Other.Pool(), MinVersion: tls.VersionTLS13}); err == nil {
				t.Fatal("handshake succeeded against an untrusted server certificate")
			}
		})
		a := oneTLSEvent(t, recs, netcap.EventTLSAlert)
		if a.By != "client" || !a.TLS.AlertEncrypted {
			t.Errorf("alert by %s: %s (want the client's encrypted alert)", a.By, a.Detail)
		}
		if n := len(tlsEvents(recs, netcap.EventTLSHandshakeDone)); n != 0 {
			t.Errorf("%d handshake-done events on a failed handshake", n)
		}
	})

	t.Run("client certificate from another CA", func(t *testing.T) {
		recs := tlstest.Capture(t, l.MTLS, func(addr string) {
			err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12,
				Certificates: []tls.Certificate{l.Rogue.TLS}})
			if err == nil {
				t.Fatal("handshake succeeded with a client certificate from an untrusted CA")
			}
		})
		oneTLSEvent(t, recs, netcap.EventTLSCertRequest)
		if c := oneTLSEvent(t, recs, netcap.EventTLSClientCert); c.TLS.ClientCerts != 1 {
			t.Errorf("client cert: %s", c.Detail)
		}
		if a := oneTLSEvent(t, recs, netcap.EventTLSAlert); a.By != "server" || a.TLS.AlertName != "unknown_ca" {
			t.Errorf("alert by %s: %s, want the server's unknown_ca", a.By, a.Detail)
		}
	})

	t.Run("client certificate missing", func(t *testing.T) {
		recs := tlstest.Capture(t, l.MTLS, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12}); err == nil {
				t.Fatal("handshake succeeded without the required client certificate")
			}
		})
		oneTLSEvent(t, recs, netcap.EventTLSCertRequest)
		if c := oneTLSEvent(t, recs, netcap.EventTLSClientCert); c.TLS.ClientCerts != 0 {
			t.Errorf("client cert: %s", c.Detail)
		}
		if a := oneTLSEvent(t, recs, netcap.EventTLSAlert); a.By != "server" || a.TLS.AlertLevel != 2 {
			t.Errorf("alert by %s: %s, want the server's fatal alert", a.By, a.Detail)
		}
	})

	t.Run("protocol version", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Only13, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12}); err == nil {
				t.Fatal("handshake succeeded with TLS 1.2 against a TLS 1.3 listener")
			}
		})
		h := oneTLSEvent(t, recs, netcap.EventTLSHello)
		for _, v := range h.TLS.Versions {
			if v > tls.VersionTLS12 {
				t.Errorf("versions offered %x", h.TLS.Versions)
			}
		}
		if a := oneTLSEvent(t, recs, netcap.EventTLSAlert); a.By != "server" || a.TLS.AlertName != "protocol_version" {
			t.Errorf("alert by %s: %s, want the server's protocol_version", a.By, a.Detail)
		}
	})

	t.Run("TLS 1.1 client", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Plain, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(),
				MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
				t.Fatal("handshake succeeded with TLS 1.1")
			}
		})
		h := oneTLSEvent(t, recs, netcap.EventTLSHello)
		if len(h.TLS.Versions) == 0 || h.TLS.Versions[0] > tls.VersionTLS11 {
			t.Errorf("versions offered %x", h.TLS.Versions)
		}
		// OpenSSL 3 refuses TLS 1.1 for want of a signature algorithm
		// (internal_error), not always with protocol_version.
		if a := oneTLSEvent(t, recs, netcap.EventTLSAlert); a.By != "server" || a.TLS.AlertLevel != 2 {
			t.Errorf("alert by %s: %s, want the server's fatal alert", a.By, a.Detail)
		}
	})
}
