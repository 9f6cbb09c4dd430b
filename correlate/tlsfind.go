package correlate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// TLS finding codes (README.md: Findings).
const (
	CodeTLSAlert             = "tls-alert"
	CodeTLSNoSNI             = "tls-no-sni"
	CodeTLSVersion           = "tls-version"
	CodeTLSClientCertMissing = "tls-client-cert-missing"
)

// tlsView is what a device connection's TLS events show.
type tlsView struct {
	hello, serverHello, certReq, clientCert, alert, done int // record indices, -1 when absent
}

func (a *wireCheck) tlsViewOf(c *connInfo) tlsView {
	v := tlsView{-1, -1, -1, -1, -1, -1}
	for _, i := range c.recs {
		r := &a.recs[i]
		if r.Kind != netcap.KindEvent || r.Event == nil || r.Event.TLS == nil {
			continue
		}
		first := func(p *int) {
			if *p < 0 {
				*p = i
			}
		}
		switch r.Event.Type {
		case netcap.EventTLSHello:
			first(&v.hello)
		case netcap.EventTLSServerHello:
			first(&v.serverHello)
		case netcap.EventTLSCertRequest:
			first(&v.certReq)
		case netcap.EventTLSClientCert:
			first(&v.clientCert)
		case netcap.EventTLSHandshakeDone:
			first(&v.done)
		case netcap.EventTLSAlert:
			// The first alert that is not the end of a finished session.
			if v.alert < 0 && v.done < 0 && r.Event.TLS.AlertName != "close_notify" {
				v.alert = i
			}
		}
	}
	return v
}

// diagnoseTLS explains a failed TLS handshake on a device connection from
// what is in clear: the hellos, the certificate request and answer, and
// the alerts. The most specific cause wins; a handshake that finished
// gives no finding.
func (a *wireCheck) diagnoseTLS(c *connInfo) {
	v := a.tlsViewOf(c)
	if v.hello < 0 || v.done >= 0 {
		return
	}
	hello := a.recs[v.hello].Event
	var alert *netcap.Event
	if v.alert >= 0 {
		alert = a.recs[v.alert].Event
	}
	failed := alert != nil || a.closedAfter(c, v.hello)
	if !failed {
		return
	}
	line, tx := a.tlsAttempt(c)
	d, idx := a.dialectOf(tx), connIndex(tx)
	var before []at.Transaction
	for n := range a.txs {
		if line > 0 && a.txs[n].Line >= line {
			before = a.txs[:n]
			break
		}
	}
	fix := func(p at.TLSProblem) string { return d.FixTLSProblem(idx, before, p) }
	alertText, alertBy := "no alert (the connection was closed)", ""
	if alert != nil {
		alertText, alertBy = alert.Detail, alert.By
	}
	f := Finding{Severity: SeverityError, Line: line, Frames: a.frames([]int{v.hello, v.serverHello, v.certReq, v.clientCert, v.alert})}
	cleanFrames(&f)
	switch {
	case v.certReq >= 0 && v.clientCert >= 0 && a.recs[v.clientCert].Event.TLS.ClientCerts == 0:
		f.Code = CodeTLSClientCertMissing
		f.Summary = fmt.Sprintf("the broker %s asked for a client certificate and the module sent none", c.server)
		f.Explanation = fmt.Sprintf("the broker's CertificateRequest (frame %d) got an empty Certificate from the module (frame %d); the handshake then failed: %s", a.recs[v.certReq].Frame, a.recs[v.clientCert].Frame, alertText)
		f.Fix = fix(at.TLSClientCertMissing)
	case alert != nil && alert.TLS.AlertName == "protocol_version" || maxVersion(hello.TLS.Versions) < 0x0303 && alertBy != "client":
		f.Code = CodeTLSVersion
		f.Summary = fmt.Sprintf("the module and the broker %s share no TLS version: the module offers %s", c.server, versionsText(hello.TLS.Versions))
		f.Explanation = fmt.Sprintf("the ClientHello (frame %d) offers %s; the handshake failed: %s", a.recs[v.hello].Frame, versionsText(hello.TLS.Versions), alertText)
		f.Fix = fix(at.TLSVersion)
	case !hello.TLS.SNIPresent && alertBy != "client" && (alert == nil || alert.TLS.AlertName == "handshake_failure" || alert.TLS.AlertName == "unrecognized_name" || alert.TLS.AlertName == "internal_error"):
		f.Code = CodeTLSNoSNI
		f.Summary = fmt.Sprintf("the module's ClientHello to %s carries no server name (SNI) and the broker ended the handshake", c.server)
		f.Explanation = fmt.Sprintf("the ClientHello (frame %d) has no server_name extension; brokers serving several hosts (AWS IoT, Azure IoT Hub, most cloud platforms) pick the certificate by it and fail hellos without it; the handshake failed: %s", a.recs[v.hello].Frame, alertText)
		f.Fix = fix(at.TLSNoSNI)
	case alert != nil:
		f.Code = CodeTLSAlert
		name := alert.TLS.AlertName
		if alert.TLS.AlertEncrypted {
			name = "encrypted"
		}
		f.Summary = fmt.Sprintf("the TLS handshake with %s failed: the %s sent alert %s", c.server, tlsSide(alert.By), name)
		f.Explanation = fmt.Sprintf("%s (frame %d)", alertText, a.recs[v.alert].Frame)
		f.Fix = fix(alertProblem(alert))
	default:
		return // closed without an alert: the close findings explain it
	}
	a.add(f)
}

// tlsAttempt returns the serial line and command of the attempt that made
// connection c. A connection that failed in its TLS handshake carried no
// MQTT packet to pair it by: then the log's last open or connect command
// naming its server port is taken.
func (a *wireCheck) tlsAttempt(c *connInfo) (int, *at.Transaction) {
	if line := a.connLine(c.id); line > 0 {
		return line, a.connTx(c.id)
	}
	port := strconv.Itoa(int(c.server.Port()))
	var found *at.Transaction
	for ti := range a.txs {
		t := &a.txs[ti]
		if t.Op != at.OpOpen && t.Op != at.OpConnect {
			continue
		}
		if p, ok := arg(t.Args, at.ArgPort); ok && strings.TrimSpace(p) == port {
			found = t
		}
	}
	if found == nil {
		return 0, a.connTx(c.id)
	}
	return found.Line, found
}

// cleanFrames drops the -1 placeholders' zero frames.
func cleanFrames(f *Finding) {
	out := f.Frames[:0]
	for _, fr := range f.Frames {
		if fr > 0 {
			out = append(out, fr)
		}
	}
	f.Frames = out
}

// closedAfter reports whether the connection closed (FIN or RST by
// either side) after record i.
func (a *wireCheck) closedAfter(c *connInfo, i int) bool {
	for _, j := range c.recs {
		if j > i && (a.isEvent(j, netcap.EventFIN) || a.isEvent(j, netcap.EventRST)) {
			return true
		}
	}
	return false
}

// alertProblem says which side's setup an alert points at.
func alertProblem(e *netcap.Event) at.TLSProblem {
	name := e.TLS.AlertName
	switch {
	case e.By == "client" && (e.TLS.AlertEncrypted || isCertAlert(name)):
		return at.TLSServerUntrusted // the module refused the broker's certificate
	case e.By == "server" && isCertAlert(name):
		return at.TLSClientCertRejected
	case name == "certificate_required":
		return at.TLSClientCertMissing
	case name == "protocol_version":
		return at.TLSVersion
	case name == "unrecognized_name":
		return at.TLSNoSNI
	}
	return at.TLSHandshakeFailed
}

func isCertAlert(name string) bool {
	switch name {
	case "unknown_ca", "bad_certificate", "certificate_expired", "certificate_unknown",
		"certificate_revoked", "unsupported_certificate", "decrypt_error":
		return true
	}
	return false
}

func tlsSide(by string) string {
	if by == "client" {
		return "module"
	}
	return "broker"
}

func maxVersion(vs []uint16) uint16 {
	var m uint16
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

func versionsText(vs []uint16) string {
	if len(vs) == 0 {
		return "no version"
	}
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ", "
		}
		s += netcap.VersionName(v)
	}
	return s
}
