package modemsim

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// TLSOptions are the certificates the simulated module's TLS stack holds,
// standing in for the files a real module gets with AT+QFUPL/AT+CCERTDOWN:
// the file names in the host's TLS setup commands are labels, the
// simulator always uses these. Without TLSOptions a command asking for TLS
// is answered ERROR, never by sending plaintext.
type TLSOptions struct {
	CAFile   string // PEM CA certificates the module trusts
	CertFile string // PEM client certificate; empty = none sent
	KeyFile  string // PEM key of CertFile
	// KeyLog receives the session secrets in NSS key log format
	// (SSLKEYLOGFILE), so captures of the module can be decrypted.
	KeyLog io.Writer
	// MaxVersion caps the TLS version offered (tls.VersionTLS12 plays
	// the many modules whose TLS stack stops at 1.2); 0 = crypto/tls's.
	MaxVersion uint16
}

// config builds the crypto/tls client configuration for host.
func (o *TLSOptions) config(host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, KeyLogWriter: o.KeyLog, MaxVersion: o.MaxVersion}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// dialTLS opens a TCP connection and runs the TLS handshake on it, as a
// module's open command does when its connection has TLS configured.
func (m *Module) dialTLS(host string, port int) (net.Conn, error) {
	if m.opts.TLS == nil {
		return nil, fmt.Errorf("no TLS configured")
	}
	cfg, err := m.opts.TLS.config(strings.Trim(host, "[]"))
	if err != nil {
		return nil, err
	}
	nc, err := m.dial(host, port)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(nc, cfg)
	tc.SetDeadline(time.Now().Add(20 * time.Second))
	if err := tc.Handshake(); err != nil {
		nc.Close()
		return nil, err
	}
	tc.SetDeadline(time.Time{})
	return tc, nil
}
