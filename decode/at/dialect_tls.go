package at

import (
	"fmt"
	"strings"
)

// TLSProblem is what a captured TLS handshake shows went wrong; the
// dialect turns it into its own TLS setup commands (FixTLSProblem).
type TLSProblem int

const (
	// TLSServerUntrusted: the module rejected the broker's certificate
	// (its alert unknown_ca, bad_certificate, certificate_expired…).
	TLSServerUntrusted TLSProblem = iota + 1
	// TLSClientCertRejected: the broker rejected the module's certificate.
	TLSClientCertRejected
	// TLSClientCertMissing: the broker asked for a client certificate and
	// the module sent none.
	TLSClientCertMissing
	// TLSNoSNI: the ClientHello has no server name and the broker failed it.
	TLSNoSNI
	// TLSVersion: no TLS version both sides accept.
	TLSVersion
	// TLSHandshakeFailed: any other handshake failure.
	TLSHandshakeFailed
)

// genericTLSFixes say in words what a dialect without TLS commands should do.
var genericTLSFixes = map[TLSProblem]string{
	TLSServerUntrusted:    "give the module the CA certificate that signed the broker's certificate (the whole chain up to the root), and a correct clock so the certificate's validity can be checked",
	TLSClientCertRejected: "give the module a client certificate (and key) signed by a CA the broker trusts, still valid at the module's clock",
	TLSClientCertMissing:  "the broker requires a client certificate: configure the module's client certificate and key and turn on client authentication",
	TLSNoSNI:              "turn SNI on and connect by host name (not IP address): the broker picks its certificate by the ClientHello's server name",
	TLSVersion:            "let the module offer a TLS version the broker accepts (TLS 1.2 or \"any\")",
	TLSHandshakeFailed:    "check the module's CA certificate, client certificate and key, SNI and TLS version against what the broker requires",
}

// FixTLSProblem says, in the dialect's commands, how to fix what the
// handshake showed; before are the log's commands before the attempt.
func (d *Dialect) FixTLSProblem(idx string, before []Transaction, p TLSProblem) string {
	if d != nil && d.Fix.TLSProblem != nil {
		if s := d.Fix.TLSProblem(idx, before, p); s != "" {
			return s
		}
	}
	if s, ok := genericTLSFixes[p]; ok {
		return s
	}
	return d.FixTLS(idx, before, -1)
}

// sslContextOf returns the SSL context a configure command (name, with
// option when set) gave connection idx, def when none did.
func sslContextOf(before []Transaction, name, option, key, idx, def string) string {
	ctx := def
	for i := range before {
		t := &before[i]
		if t.Name != name || strings.TrimSpace(t.Args[ArgConn]) != idx || option != "" && !optionIs(option)(t.Args) {
			continue
		}
		if c := strings.TrimSpace(t.Args[key]); c != "" {
			ctx = c
		}
	}
	return ctx
}

// qmtTLSProblem: Quectel AT+QSSLCFG on the context AT+QMTCFG="SSL" names
// (Quectel MQTT Application Note, SSL Application Note).
func qmtTLSProblem(idx string, before []Transaction, p TLSProblem) string {
	ctx := sslContextOf(before, "QMTCFG", "ssl", "ssl_ctx", idx, "0")
	switch p {
	case TLSServerUntrusted:
		return fmt.Sprintf("upload the CA that signed the broker's certificate (AT+QFUPL=\"UFS:ca.pem\",<bytes>) and set AT+QSSLCFG=\"cacert\",%s,\"UFS:ca.pem\" with AT+QSSLCFG=\"seclevel\",%s,1; check the module's clock (AT+CCLK?) or set AT+QSSLCFG=\"ignorelocaltime\",%s,1", ctx, ctx, ctx)
	case TLSClientCertRejected, TLSClientCertMissing:
		return fmt.Sprintf("upload the client certificate and key the broker trusts and set AT+QSSLCFG=\"clientcert\",%s,\"UFS:client.pem\", AT+QSSLCFG=\"clientkey\",%s,\"UFS:client.key\" and AT+QSSLCFG=\"seclevel\",%s,2", ctx, ctx, ctx)
	case TLSNoSNI:
		return fmt.Sprintf("turn SNI on with AT+QSSLCFG=\"sni\",%s,1 and open the broker by host name in AT+QMTOPEN=%s,\"<host>\",8883", ctx, idx)
	case TLSVersion:
		return fmt.Sprintf("set AT+QSSLCFG=\"sslversion\",%s,4 (all versions; 3 = TLS 1.2) and AT+QSSLCFG=\"ciphersuite\",%s,0XFFFF", ctx, ctx)
	}
	return ""
}

// cmqttTLSProblem: SIMCom AT+CSSLCFG on the context AT+CMQTTSSLCFG names
// (SIM7600 Series SSL / MQTT(S) AT Command Manuals).
func cmqttTLSProblem(idx string, before []Transaction, p TLSProblem) string {
	ctx := sslContextOf(before, "CMQTTSSLCFG", "", "ssl_ctx", idx, "0")
	switch p {
	case TLSServerUntrusted:
		return fmt.Sprintf("download the CA that signed the broker's certificate (AT+CCERTDOWN=\"ca.pem\",<bytes>), set AT+CSSLCFG=\"cacert\",%s,\"ca.pem\" and AT+CSSLCFG=\"authmode\",%s,1; check the clock (AT+CCLK?) or set AT+CSSLCFG=\"ignorelocaltime\",%s,1", ctx, ctx, ctx)
	case TLSClientCertRejected, TLSClientCertMissing:
		return fmt.Sprintf("download the client certificate and key the broker trusts (AT+CCERTDOWN) and set AT+CSSLCFG=\"clientcert\",%s,\"client.pem\", AT+CSSLCFG=\"clientkey\",%s,\"client.key\" and AT+CSSLCFG=\"authmode\",%s,2", ctx, ctx, ctx)
	case TLSNoSNI:
		return fmt.Sprintf("turn SNI on with AT+CSSLCFG=\"enableSNI\",%s,1 and connect by host name (tcp://<host>:8883)", ctx)
	case TLSVersion:
		return fmt.Sprintf("set AT+CSSLCFG=\"sslversion\",%s,4 (all versions; 3 = TLS 1.2)", ctx)
	}
	return ""
}

// ecmtTLSProblem: Eigencomm AT+ECMTCFG="ssl",<idx>,<ca>,<cert>,<key>.
func ecmtTLSProblem(idx string, _ []Transaction, p TLSProblem) string {
	switch p {
	case TLSServerUntrusted:
		return fmt.Sprintf("give the CA that signed the broker's certificate in AT+ECMTCFG=\"ssl\",%s,\"<ca>\" and check the module's clock (AT+CCLK?)", idx)
	case TLSClientCertRejected, TLSClientCertMissing:
		return fmt.Sprintf("give the client certificate and key the broker trusts: AT+ECMTCFG=\"ssl\",%s,\"<ca>\",\"<client cert>\",\"<client key>\"", idx)
	case TLSNoSNI:
		return fmt.Sprintf("open the broker by host name (AT+ECMTOPEN=%s,\"<host>\",8883), not by IP address, so the module sends it as SNI", idx)
	}
	return ""
}

// espatTLSProblem: ESP-AT AT+MQTTUSERCFG schemes (ESP-AT MQTT AT Commands:
// 2 TLS without verification, 3 verify server, 4 client certificate,
// 5 both; certificates in the mqtt_ca/mqtt_cert/mqtt_key partitions).
func espatTLSProblem(idx string, _ []Transaction, p TLSProblem) string {
	switch p {
	case TLSServerUntrusted:
		return fmt.Sprintf("flash the CA that signed the broker's certificate into the mqtt_ca partition (AT+SYSMFG or the manufacturing tool), use scheme 3 or 5 in AT+MQTTUSERCFG=%s,<scheme>,… and set the clock (AT+CIPSNTPCFG)", idx)
	case TLSClientCertRejected, TLSClientCertMissing:
		return fmt.Sprintf("flash the client certificate and key the broker trusts into the mqtt_cert/mqtt_key partitions and use scheme 4 or 5 in AT+MQTTUSERCFG=%s,<scheme>,…", idx)
	case TLSNoSNI:
		return "connect by host name in AT+MQTTCONN (ESP-AT sends it as SNI), not by IP address"
	}
	return ""
}
