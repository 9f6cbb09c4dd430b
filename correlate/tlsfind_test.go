//go:build linux

package correlate

import (
	"crypto/tls"
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
