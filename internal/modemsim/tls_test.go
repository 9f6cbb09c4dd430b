package modemsim

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/atmq/atmq/internal/tlstest"
)

// lockedKeyLog collects the key log the module's TLS stack writes from its
// connection goroutines.
type lockedKeyLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (k *lockedKeyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.buf.Write(p)
}

func (k *lockedKeyLog) String() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.buf.String()
}

// TestTLSRefusedWithoutCertificates: with no TLSOptions, asking for TLS
// is answered ERROR (never plaintext to a TLS port); turning it off is OK.
func TestTLSRefusedWithoutCertificates(t *testing.T) {
	e := startModule(t, Options{Dialect: DialectECMT})
	e.cmd(`AT+ECMTCFG="ssl",0,2,"ca.pem","client.crt","client.key"`, "ERROR")
	e.cmd(`AT+ECMTCFG="ssl",0,"ca","LS0tLS1CRUdJTg=="`, "ERROR")
	e.cmd(`AT+ECMTCFG="ssl",0,0`, "OK")
	q := startModule(t, Options{Dialect: DialectQMT})
	q.cmd(`AT+QMTCFG="ssl",0,1,2`, "ERROR")
	q.cmd(`AT+QSSLCFG="cacert",2,"UFS:ca.pem"`, "ERROR")
	q.cmd(`AT+QMTCFG="ssl",0,0`, "OK")
}

// TestTLSSessions runs the module's TLS against mosquitto TLS listeners:
// a healthy ECMT session writing a key log, a CA the broker's certificate
// does not chain to (the open fails), and QMT with a client certificate
// on a listener requiring one.
func TestTLSSessions(t *testing.T) {
	lab := tlstest.NewLab(t)

	t.Run("ecmt healthy with key log", func(t *testing.T) {
		keys := &lockedKeyLog{}
		h := startModule(t, Options{Dialect: DialectECMT, TLS: &TLSOptions{CAFile: lab.CA.File, KeyLog: keys}})
		h.cmd(`AT+ECMTCFG="ssl",0,2,"ca.pem","client.crt","client.key"`, "OK")
		h.cmd(`AT+ECMTCFG="ssl",0`, "OK")
		if !h.seen(func(l string) bool { return l == `+ECMTCFG: "ssl",1` }) {
			t.Fatal(`the query did not answer +ECMTCFG: "ssl",1`)
		}
		if got := openECMT(h, lab.Plain, `"tls-sim"`); got != "+ECMTCONN: 0,0,0" {
			t.Fatalf("connect over TLS: %s", got)
		}
		h.cmd(`AT+ECMTPUB=0,1,1,0,"a/b","over tls"`, "OK")
		h.expectURC("+ECMTPUB: 0,1,0")
		h.cmd("AT+ECMTDISC=0", "OK")
		h.expectURC("+ECMTDISC: 0,0")
		if k := keys.String(); !strings.Contains(k, "CLIENT_TRAFFIC_SECRET_0 ") && !strings.Contains(k, "CLIENT_RANDOM ") {
			t.Fatalf("no NSS key log written: %q", k)
		}
	})

	t.Run("ecmt unknown CA fails the open", func(t *testing.T) {
		h := startModule(t, Options{Dialect: DialectECMT, TLS: &TLSOptions{CAFile: lab.Other.File}})
		h.cmd(`AT+ECMTCFG="ssl",0,2,"other-ca.pem","",""`, "OK")
		h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"%s",%d`, lab.Plain.Host, lab.Plain.Port), "OK")
		h.expectURC("+ECMTOPEN: 0,-1")
	})

	t.Run("qmt client certificate", func(t *testing.T) {
		h := startModule(t, Options{Dialect: DialectQMT, TLS: &TLSOptions{CAFile: lab.CA.File, CertFile: lab.Client.CertFile, KeyFile: lab.Client.KeyFile}})
		h.cmd(`AT+QSSLCFG="cacert",2,"UFS:ca.pem"`, "OK")
		h.cmd(`AT+QSSLCFG="clientcert",2,"UFS:client.pem"`, "OK")
		h.cmd(`AT+QSSLCFG="clientkey",2,"UFS:client.key"`, "OK")
		h.cmd(`AT+QMTCFG="ssl",0,1,2`, "OK")
		h.cmd(fmt.Sprintf(`AT+QMTOPEN=0,"%s",%d`, lab.MTLS.Host, lab.MTLS.Port), "OK")
		h.expectURC("+QMTOPEN: 0,0")
		h.cmd(`AT+QMTCONN=0,"qmt-tls"`, "OK")
		h.expectURC("+QMTCONN: 0,0,0")
		h.cmd("AT+QMTDISC=0", "OK")
		h.expectURC("+QMTDISC: 0,0")
	})
}
