//go:build linux

package correlate

import (
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/atmq/atmq/internal/tlstest"
)

// TestTLSFindingsOnRealHandshakes: Go crypto/tls clients against
// mosquitto TLS listeners, captured on loopback, each failure explained
// by its own finding code (no AT log: the fix is in words).
func TestTLSFindingsOnRealHandshakes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts brokers and captures")
	}
	l := tlstest.NewLab(t)
	cases := []struct {
		name    string
		broker  func() (port int)
		cfg     *tls.Config
		code    string
		summary string
	}{
		{"module trusts another CA", func() int { return l.Plain.Port },
			&tls.Config{ServerName: "localhost", RootCAs: l.Other.Pool(), MaxVersion: tls.VersionTLS12},
			CodeTLSAlert, "the module sent alert bad_certificate"},
		{"TLS 1.3 module trusts another CA", func() int { return l.Plain.Port },
			&tls.Config{ServerName: "localhost", RootCAs: l.Other.Pool(), MinVersion: tls.VersionTLS13},
			CodeTLSAlert, "the module sent alert encrypted"},
		{"client certificate from another CA", func() int { return l.MTLS.Port },
			&tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{l.Rogue.TLS}},
			CodeTLSAlert, "the broker sent alert unknown_ca"},
		{"client certificate expired", func() int { return l.MTLS.Port },
			&tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{l.Expired.TLS}},
			CodeTLSAlert, "the broker sent alert certificate_expired"},
		{"client certificate missing", func() int { return l.MTLS.Port },
			&tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12},
			CodeTLSClientCertMissing, "asked for a client certificate and the module sent none"},
		{"TLS version", func() int { return l.Only13.Port },
			&tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12},
			CodeTLSVersion, "share no TLS version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := l.Plain
			switch tc.broker() {
			case l.MTLS.Port:
				b = l.MTLS
			case l.Only13.Port:
				b = l.Only13
			}
			recs := tlstest.Capture(t, b, func(addr string) {
				if err := tlstest.Dial(addr, tc.cfg); err == nil {
					t.Fatal("handshake succeeded")
				}
			})
			res := Analyze(nil, recs, Options{})
			f := findFinding(res, tc.code)
			if f == nil {
				t.Fatalf("no %s finding; findings: %+v", tc.code, res.Findings)
			}
			if !strings.Contains(f.Summary, tc.summary) || f.Fix == "" || len(f.Frames) == 0 {
				t.Errorf("%s: summary %q fix %q frames %v", tc.code, f.Summary, f.Fix, f.Frames)
			}
		})
	}

	t.Run("fix in the dialect's commands", func(t *testing.T) {
		recs := tlstest.Capture(t, l.MTLS, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool(), MaxVersion: tls.VersionTLS12}); err == nil {
				t.Fatal("handshake succeeded")
			}
		})
		log := decodeLog(t, "qmt", "AT+QMTCFG=\"SSL\",0,1,2\r\nOK\r\n"+
			"AT+QMTOPEN=0,\"127.0.0.1\","+strconv.Itoa(l.MTLS.Port)+"\r\nOK\r\n+QMTOPEN: 0,-1\r\n")
		// The log has no timestamps: the device's address ties it to the capture.
		res := Analyze(log, recs, Options{Device: recs[0].Client.String()})
		f := findFinding(res, CodeTLSClientCertMissing)
		if f == nil || !strings.Contains(f.Fix, `AT+QSSLCFG="clientcert",2,`) || f.Line != 3 {
			t.Fatalf("finding %+v; all %+v", f, res.Findings)
		}
	})

	t.Run("broker requires SNI", func(t *testing.T) {
		// Like AWS IoT Core: a crypto/tls server that fails hellos without
		// a server name (mosquitto has no such setting).
		srv, err := l.CA.Server(t.TempDir(), "sni-server")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
			Certificates: []tls.Certificate{srv.TLS},
			GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
				if h.ServerName == "" {
					return nil, errors.New("SNI required")
				}
				return nil, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { c.(*tls.Conn).Handshake(); c.Close() }()
			}
		}()
		recs, _ := tlstest.CapturePort(t, ln.Addr().(*net.TCPAddr).Port, func(addr string) {
			// An IP address as server name: crypto/tls sends no SNI.
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "127.0.0.1", RootCAs: l.CA.Pool()}); err == nil {
				t.Fatal("handshake succeeded without SNI")
			}
		})
		f := findFinding(Analyze(nil, recs, Options{}), CodeTLSNoSNI)
		if f == nil || !strings.Contains(f.Summary, "carries no server name") || !strings.Contains(f.Fix, "SNI") {
			t.Fatalf("finding %+v", f)
		}
	})

	t.Run("healthy handshake gives no TLS finding", func(t *testing.T) {
		recs := tlstest.Capture(t, l.Plain, func(addr string) {
			if err := tlstest.Dial(addr, &tls.Config{ServerName: "localhost", RootCAs: l.CA.Pool()}); err != nil {
				t.Fatal(err)
			}
		})
		res := Analyze(nil, recs, Options{})
		for _, code := range []string{CodeTLSAlert, CodeTLSNoSNI, CodeTLSVersion, CodeTLSClientCertMissing} {
			if f := findFinding(res, code); f != nil {
				t.Errorf("healthy TLS: %s %s", code, f.Summary)
			}
		}
	})
}
