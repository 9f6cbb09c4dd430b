package correlate

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/internal/cloudauth"
)

// Credential finding codes: the cloud platforms' signed credentials
// (internal/cloudauth knows each platform's rules).
const (
	CodeCredentialFormat     = cloudauth.CodeFormat
	CodeCredentialExpired    = cloudauth.CodeExpired
	CodeCredentialSignature  = cloudauth.CodeSignature
	CodeCredentialNeedsCert  = cloudauth.CodeNeedsCert
	CodeCredentialSecretForm = cloudauth.CodeSecretForm
	CodeCredentialVerified   = "credential-verified"
)

// diagnoseCredentials checks each connect's client id, username and
// password against the cloud platform it goes to: the CONNECT packets
// the capture shows (the wire is what the broker judged), and the
// connect commands no CONNECT on the wire stands for (serial-only logs).
func (a *logCheck) diagnoseCredentials() {
	onWire := map[int]bool{} // transaction index → its CONNECT was seen
	for _, id := range a.deviceConns {
		c := a.conns[id]
		p := a.connectPacket(c)
		if p == nil {
			continue
		}
		v := a.connAttempt[id]
		line := a.connLine(id)
		if v > 0 {
			onWire[v-1] = true
		}
		cc := cloudauth.Connect{
			Host: a.hostOfConn(c, v), Port: int(c.server.Port()),
			ClientID: p.ClientID, Username: p.Username, Password: string(p.Password),
			HasUsername: p.UsernameFlag, HasPassword: p.PasswordFlag,
			At:       a.recs[c.connect].Time,
			TLS:      a.connIsTLS(c),
			TLSKnown: true, // a CONNECT seen in the clear is plain TCP unless the TLS records say otherwise
		}
		what := fmt.Sprintf("the CONNECT in frame %d (client id %q, username %q)", a.recs[c.connect].Frame, p.ClientID, p.Username)
		accepted := c.connack >= 0 && !connackRefused(a.recs[c.connack].Packet)
		a.credentialFindings(cc, line, a.frames([]int{c.connect}), what, a.logSecret(line, connIndexOfLine(a, line)), accepted)
	}
	for ti := range a.txs {
		t := &a.txs[ti]
		if t.Op != at.OpConnect || onWire[ti] || at.Refused(t.Final) && len(t.Warnings) > 0 {
			continue
		}
		v := a.attemptOfTx(t)
		logSecret := a.logSecret(t.Line, v.idx)
		if !v.hasUser && !v.hasPass && logSecret.value == "" {
			// No credentials in the log: the module may hold them
			// (a certificate, a stored profile); nothing to check.
			continue
		}
		if logSecret.value != "" {
			// The module signs (aliauth): the command carries no
			// signature to check, only the secret it signs with.
			a.moduleSignedSecret(t, logSecret)
			continue
		}
		cc := cloudauth.Connect{
			Host: v.host, ClientID: v.clientID, Username: v.user, Password: v.pass,
			HasUsername: v.hasUser, HasPassword: v.hasPass, At: t.Time,
		}
		cc.Port, _ = strconv.Atoi(v.port)
		if len(a.tlsSetup(t.Line, v.idx)) > 0 {
			cc.TLS, cc.TLSKnown = true, true
		} else if cc.Port == 1883 {
			cc.TLSKnown = true // no TLS setup and MQTT's plain port
		}
		what := fmt.Sprintf("the connect command on line %d", t.Line)
		accepted := t.Outcome == at.OutcomeOK && v.classify().Kind == at.FailNone
		a.credentialFindings(cc, t.Line, []int{}, what, logSecret, accepted)
	}
}

// secretFromLog is a device secret the log configures for the module to
// sign with (AT+QMTCFG="aliauth", AT+ECMTCFG="aliauth").
type secretFromLog struct {
	value string
	line  int
	cmd   string // the command's name, "AT+QMTCFG"
}

// logSecret returns the device secret the last configure command on the
// connection index before line set, if any.
func (a *logCheck) logSecret(line int, idx string) secretFromLog {
	var s secretFromLog
	for ti := range a.txs {
		t := &a.txs[ti]
		if line > 0 && t.Line >= line {
			break
		}
		if t.Op == at.OpConnect || at.Refused(t.Final) || connIndex(t) != idx {
			continue
		}
		if v, ok := arg(t.Args, "device_secret"); ok && v != "" {
			s = secretFromLog{value: v, line: t.Line, cmd: "AT+" + t.Name}
		}
	}
	return s
}

func connIndexOfLine(a *logCheck, line int) string {
	for ti := range a.txs {
		if a.txs[ti].Line == line {
			return connIndex(&a.txs[ti])
		}
	}
	return "0"
}

// moduleSignedSecret compares the secret the module signs with to the
// one the user gave: the module's signature is right by construction,
// its secret may not be.
func (a *logCheck) moduleSignedSecret(t *at.Transaction, s secretFromLog) {
	given := a.opts.DeviceSecret
	if given == "" || given == s.value {
		return
	}
	a.add(Finding{
		Code: CodeCredentialSignature, Severity: SeverityError, Line: t.Line, Frames: []int{},
		Summary:     fmt.Sprintf("the device secret %s on line %d sets differs from the one given", s.cmd, s.line),
		Explanation: fmt.Sprintf("the module signs the credentials itself with the device secret %s set on line %d (%d bytes); the secret given with --device-secret (%d bytes) is another, so the platform computes another signature and refuses the connect", s.cmd, s.line, len(s.value), len(given)),
		Fix:         fmt.Sprintf("set this device's DeviceSecret (from the platform's console) with %s", s.cmd),
	})
}

// credentialFindings turns what cloudauth finds about one connect into
// findings on line (and frames). A connect the platform accepted makes
// no problem an error: the platform's verdict outweighs the rules (a
// clock off, a rule not enforced, a secret given that is not this
// device's).
func (a *logCheck) credentialFindings(cc cloudauth.Connect, line int, frames []int, what string, fromLog secretFromLog, accepted bool) {
	cc.Secret = a.opts.DeviceSecret
	secretWords := "the device secret given"
	if cc.Secret == "" && fromLog.value != "" {
		cc.Secret = fromLog.value
		secretWords = fmt.Sprintf("the device secret %s sets on line %d", fromLog.cmd, fromLog.line)
	}
	r := cloudauth.Check(cc)
	if r == nil {
		return
	}
	// A connect-failed finding on the line already names the platform
	// and the form its credentials lack (cloud.go).
	folded := false
	for _, f := range a.findings {
		if f.Line == line && line > 0 && f.Severity == SeverityError && strings.Contains(f.Explanation, r.Platform) {
			folded = true
		}
	}
	for _, p := range r.Problems {
		if folded && p.Code == cloudauth.CodeFormat {
			continue
		}
		sev := SeverityWarning
		if p.Error {
			sev = SeverityError
		}
		expl := fmt.Sprintf("%s goes to %s (recognised from %s), which wants %s. Here %s", what, r.Platform, r.Why, r.Form, p.Text)
		if p.Code == cloudauth.CodeSignature {
			expl += fmt.Sprintf(" (checked with %s)", secretWords)
		}
		if accepted {
			sev = SeverityWarning
			expl += "; yet the broker accepted this connect, so it does not enforce this here (or the clock compared with, or the secret given, is not the device's)"
		}
		a.add(Finding{Code: p.Code, Severity: sev, Line: line, Frames: frames,
			Summary:     fmt.Sprintf("%s: %s", r.Platform, firstClause(p.Text)),
			Explanation: expl, Fix: p.Fix})
	}
	if r.Verified {
		expl := fmt.Sprintf("%s goes to %s (recognised from %s); its signature matches %s", what, r.Platform, r.Why, secretWords)
		if len(r.Notes) > 0 {
			expl += "; " + strings.Join(r.Notes, "; ")
		}
		a.add(Finding{Code: CodeCredentialVerified, Severity: SeverityInfo, Line: line, Frames: frames,
			Summary:     fmt.Sprintf("%s credentials verified", r.Platform),
			Explanation: expl + ": if the platform refuses them, look at the device's state in its console (disabled, deleted, another region)",
			Fix:         ""})
	}
}

// firstClause shortens a problem's text for a summary.
func firstClause(s string) string {
	if i := strings.Index(s, ": "); i > 0 && i < 120 {
		return s[:i]
	}
	if len(s) > 140 {
		return s[:137] + "…"
	}
	return s
}

// hostOfConn names the broker of a capture connection: the host the
// paired open/connect command named, else a DNS answer for its address,
// else the TLS ClientHello's SNI.
func (a *logCheck) hostOfConn(c *connInfo, attempt int) string {
	if attempt > 0 {
		v := a.attemptOfTx(&a.txs[attempt-1])
		if v.host != "" {
			if _, err := netip.ParseAddr(v.host); err != nil {
				return v.host
			}
		}
	}
	srv := c.server.Addr().Unmap()
	for _, i := range a.dns {
		d := a.recs[i].Event.DNS
		if !d.Response {
			continue
		}
		for _, ip := range d.Answers {
			if ip.Unmap() == srv {
				return strings.TrimSuffix(d.Name, ".")
			}
		}
	}
	for _, i := range c.recs {
		if e := a.recs[i].Event; a.recs[i].Kind == netcap.KindEvent && e != nil && e.SNI != "" {
			return e.SNI
		}
	}
	return ""
}

// connIsTLS says whether the capture saw TLS on the connection.
func (a *logCheck) connIsTLS(c *connInfo) bool {
	for _, i := range c.recs {
		if e := a.recs[i].Event; a.recs[i].Kind == netcap.KindEvent && e != nil && strings.HasPrefix(e.Type, "TLS") {
			return true
		}
	}
	return false
}
