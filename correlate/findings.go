package correlate

// Finding codes. They are stable: scripts and expected.json files match
// on them; README.md documents each.
const (
	CodeConnackRefused      = "connack-refused"
	CodeNoCredentials       = "no-credentials"
	CodeCredentialsMismatch = "credentials-mismatch"
	CodeClientIDRejected    = "client-id-rejected"
	CodeProtocolVersion     = "protocol-version"
	CodeClientIDTakeover    = "client-id-takeover"
	CodeTCPRefused          = "tcp-refused"
	CodeTCPTimeout          = "tcp-timeout"
	CodeDNSFailure          = "dns-failure"
	CodeOpenFailed          = "open-failed"
	CodeTLSFailure          = "tls-failure"
	CodeConnectFailed       = "connect-failed"
	CodeConnectUnconfirmed  = "connect-unconfirmed"
	CodeATSyntax            = "at-syntax"
	CodeCommandError        = "command-error"
	CodeInvalidTopic        = "invalid-topic"
	CodeSubackFailure       = "suback-failure"
	CodeKeepaliveTimeout    = "keepalive-timeout"
	CodeServerClosed        = "server-closed"
	CodeConnectionLost      = "connection-lost"
	CodeNotOnWire           = "not-on-wire"
	CodeDeviceAmbiguous     = "device-ambiguous"
	// Intent against the wire.
	CodeClientIDMismatch     = "client-id-mismatch"
	CodeKeepaliveMismatch    = "keepalive-mismatch"
	CodeCleanSessionMismatch = "clean-session-mismatch"
	CodeVersionMismatch      = "version-mismatch"
	CodeWillMismatch         = "will-mismatch"
	CodePublishMismatch      = "publish-mismatch"
)

// add records a finding, dropping exact repeats (same code, line and
// first frame).
func (a *findingSet) add(f Finding) {
	for _, g := range a.findings {
		if g.Code == f.Code && g.Line == f.Line && firstFrame(g.Frames) == firstFrame(f.Frames) {
			return
		}
	}
	if f.Frames == nil {
		f.Frames = []int{}
	}
	a.findings = append(a.findings, f)
}

// has reports whether a finding with code exists for the serial line (or,
// when line is 0, anywhere).
func (a *findingSet) has(code string, line int) bool {
	for _, f := range a.findings {
		if f.Code == code && (line == 0 || f.Line == line) {
			return true
		}
	}
	return false
}

// hasLine reports whether any error finding is about the serial line.
func (a *findingSet) hasLine(line int) bool {
	if line == 0 {
		return false
	}
	for _, f := range a.findings {
		if f.Line == line && f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// lineOf returns the serial line of the command or URC record i was
// paired with, 0 when none.
func (a pairedEvidence) lineOf(i int) int {
	if i < 0 || i >= len(a.recs) {
		return 0
	}
	if t := a.recTx[i]; t > 0 {
		return a.txs[t-1].Line
	}
	if e := a.recEv[i]; e > 0 {
		return a.evs[e-1].Line
	}
	return 0
}

// connLine returns the line of the command (or URC) that opened a
// connection's MQTT session, 0 when none.
func (a pairedEvidence) connLine(conn int) int {
	v := a.connAttempt[conn]
	switch {
	case v > 0:
		return a.txs[v-1].Line
	case v < 0:
		return a.evs[-v-1].Line
	}
	return 0
}

func intp(v int) *int { return &v }
