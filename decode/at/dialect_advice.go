package at

import (
	"fmt"
	"strconv"
	"strings"
)

// What a dialect knows beyond parsing: how its modules report a failed
// open or connect, what their firmware does by default, and how to write
// the command that fixes a problem. Consumers (correlate) ask these
// methods; every method works on a nil *Dialect (plain AT, dialect not
// known) and then answers in words instead of commands.

// FailureKind is what went wrong in a failed open or connect.
type FailureKind int

// Failure kinds a module reports for an open or connect.
const (
	FailNone        FailureKind = iota // no failure (success, or no verdict yet)
	FailConnack                        // the broker refused: a CONNACK return code
	FailTCP                            // the socket or network could not be set up
	FailDNS                            // the host name did not resolve
	FailTLS                            // the TLS handshake or session failed
	FailConnect                        // the connect failed, the module does not say why
	FailUnconfirmed                    // the answer is cut off: success unknown
)

var failureNames = [...]string{"none", "connack", "tcp", "dns", "tls", "connect", "unconfirmed"}

func (k FailureKind) String() string {
	if int(k) < len(failureNames) {
		return failureNames[k]
	}
	return "failure(" + strconv.Itoa(int(k)) + ")"
}

// Failure is what a module's answer to an open or connect says went
// wrong. Connack is the MQTT CONNACK return code (1–5) the answer stands
// for when Kind is FailConnack, whatever the vendor's own code was.
type Failure struct {
	Kind    FailureKind
	Connack int
}

// StatusKind is what a connection-status URC reports.
type StatusKind int

// Status kinds.
const (
	StatusLost      StatusKind = iota // the connection was closed or reset
	StatusKeepalive                   // keep-alive (PINGREQ/PINGRESP) failed
	StatusNormal                      // the client's own disconnect: nothing wrong
)

func (k StatusKind) String() string {
	switch k {
	case StatusKeepalive:
		return "keepalive"
	case StatusNormal:
		return "normal"
	}
	return "lost"
}

// Fixes write the commands that change a setting, in the dialect's
// syntax. A nil function means the dialect has no such command; the
// Dialect methods then say what to do in words.
type Fixes struct {
	Version   func(idx string, v MQTTVersion) string
	Session   func(idx string, clean bool) string
	KeepAlive func(idx string, secs int) string
	// Connect writes the connect (or credentials) command.
	Connect func(idx, clientID, user, pass string) string
	// Subscribe writes a subscribe command.
	Subscribe func(idx, msgID, filter, qos string) string
	// TLS says how to set TLS up right; before are the log's commands
	// before the failed attempt, code the module's result code (-1 if none).
	TLS func(idx string, before []Transaction, code int) string
	// TLSProblem says how to fix what a captured handshake showed
	// (dialect_tls.go); "" to use the generic words.
	TLSProblem func(idx string, before []Transaction, p TLSProblem) string
	// Open is the fix for a failed open whose result code names a cause
	// (specific) other than reaching the broker; "" to use the generic one.
	Open func(idx string, code int) (fix string, specific bool)
}

// Notes are a dialect's own explanations of failures its modules report
// in ways the generic words would get wrong.
type Notes struct {
	// ConnectFailed explains a connect that failed without the broker's
	// answer; where names the evidence ("the result URC on line 31"),
	// noWire says the capture has no evidence (given its missing words).
	ConnectFailed func(where string, noWire func(missing string) string) string
	// ConnectFailedFix is the fix to give with ConnectFailed.
	ConnectFailedFix string
	// ContradictedTLS is added when the module reports the connect failed,
	// then accepted, on a TLS connection.
	ContradictedTLS string
	// OpenFailedTLS explains a generic open failure on a TLS connection
	// (explanation, fix).
	OpenFailedTLS, OpenFailedTLSFix string
	// UnconfirmedTLS is added when a TLS connect's answer is cut off.
	UnconfirmedTLS string
}

// Label names the dialect in sentences ("ECMT"); "" for plain AT.
func (d *Dialect) Label() string {
	if d == nil {
		return ""
	}
	return strings.ToUpper(d.Name)
}

// DefaultVersion is the protocol level the firmware sends when no
// configure command set one; MQTTUnknown when not known.
func (d *Dialect) DefaultVersion() MQTTVersion {
	if d == nil {
		return MQTTUnknown
	}
	return d.Defaults.Version
}

// DefaultKeepAlive is the firmware's keepalive in seconds; 0 when unknown.
func (d *Dialect) DefaultKeepAlive() int {
	if d == nil {
		return 0
	}
	return d.Defaults.KeepAlive
}

// PublishRetain reads the retain flag a publish command's arguments ask
// for; ok is false when they give none.
func (d *Dialect) PublishRetain(args map[string]string) (retain, ok bool) {
	v, ok := intField(args, ArgRetain)
	if !ok {
		return false, false
	}
	if d != nil && d.Retain != nil {
		return d.Retain(v), true
	}
	return v != 0, true
}

// IsCellular reports whether the module reaches the broker through a
// mobile operator's network, which does not route to private addresses.
func (d *Dialect) IsCellular() bool { return d != nil && d.Cellular }

// FixVersion writes the command that makes the module send protocol level v.
func (d *Dialect) FixVersion(idx string, v MQTTVersion) string {
	if d != nil && d.Fix.Version != nil {
		return d.Fix.Version(idx, v)
	}
	return fmt.Sprintf("configure the module to use MQTT %s (protocol level %d)", v, int(v))
}

// FixSession writes the command that sets clean session.
func (d *Dialect) FixSession(idx string, clean bool) string {
	if d != nil && d.Fix.Session != nil {
		return d.Fix.Session(idx, clean)
	}
	return fmt.Sprintf("set clean session to %d", b2i(clean))
}

// FixKeepAlive writes the command that sets the keepalive interval.
func (d *Dialect) FixKeepAlive(idx string, secs int) string {
	if d != nil && d.Fix.KeepAlive != nil {
		return d.Fix.KeepAlive(idx, secs)
	}
	return fmt.Sprintf("set the keepalive to %d s", secs)
}

// FixConnect writes the connect command with the given client id and
// credentials.
func (d *Dialect) FixConnect(idx, clientID, user, pass string) string {
	if d != nil && d.Fix.Connect != nil {
		return d.Fix.Connect(idx, clientID, user, pass)
	}
	q := strconv.Quote
	return fmt.Sprintf("connect with client id %s, username %s and password %s", q(clientID), q(user), q(pass))
}

// FixSubscribe writes a subscribe command for filter.
func (d *Dialect) FixSubscribe(idx, msgID, filter, qos string) string {
	if d != nil && d.Fix.Subscribe != nil {
		return d.Fix.Subscribe(idx, msgID, filter, qos)
	}
	return fmt.Sprintf("subscribe to %q", filter)
}

// FixTLS says how to set TLS up right in the dialect's commands.
func (d *Dialect) FixTLS(idx string, before []Transaction, code int) string {
	if d != nil && d.Fix.TLS != nil {
		return d.Fix.TLS(idx, before, code)
	}
	return "check the module's CA certificate, client certificate and key, SNI and TLS version against what the broker requires"
}

// FixOpen is the fix for a failed open; specific is set when the result
// code names a cause other than reaching the broker.
func (d *Dialect) FixOpen(idx string, code int) (fix string, specific bool) {
	if d != nil && d.Fix.Open != nil {
		if fix, specific := d.Fix.Open(idx, code); fix != "" {
			return fix, specific
		}
	}
	return "check the host and port, the network registration (AT+CEREG?) and the PDP context (AT+CGACT?)", false
}

// Note returns the dialect's notes (zero Notes for plain AT).
func (d *Dialect) Note() Notes {
	if d == nil {
		return Notes{}
	}
	return d.Notes
}

// AttemptFailure is the one reading of a module's answer to an open or
// connect: the final result (final, "" for an unsolicited URC), the result
// URC's fields (args) and the decoded outcome. Vendor codes are mapped
// here, so a SIMCom 30 and a QMT "0,0,4" both come out as CONNACK 4.
func (d *Dialect) AttemptFailure(op Op, args map[string]string, final string, outcome Outcome) Failure {
	res, hasRes := intField(args, ArgResult)
	rc, hasRC := intField(args, ArgReturnCode)
	if raw, ok := args[ArgResult]; ok && strings.TrimSpace(raw) == "" && !hasRC {
		return Failure{Kind: FailUnconfirmed} // "+CMQTTCONNECT: 0," — the log is cut
	}
	if d != nil && d.Failure != nil {
		if f, ok := d.Failure(op, args, Refused(final)); ok {
			return f
		}
	}
	switch {
	case op == OpOpen:
		if hasRes && res != 0 {
			return Failure{Kind: FailTCP}
		}
	case hasRes && res == 0 && hasRC && rc >= 1 && rc <= 5:
		return Failure{Kind: FailConnack, Connack: rc}
	case hasRes && res != 0, hasRC && rc != 0:
		return Failure{Kind: FailConnect}
	}
	if Refused(final) || outcome == OutcomeFailed {
		if op == OpOpen {
			return Failure{Kind: FailTCP}
		}
		return Failure{Kind: FailConnect}
	}
	return Failure{}
}

// IsConnectResult reports whether an unsolicited connect URC reports a
// connect's result; some dialects print the same URC without the CONNACK
// code as a state report ("+QMTCONN: 0,3": connected).
func (d *Dialect) IsConnectResult(e *Event) bool {
	if d == nil {
		return true
	}
	if u := d.URCs[e.Name]; u != nil && u.ResultNeeds != "" {
		_, ok := e.Args[u.ResultNeeds]
		return ok
	}
	return true
}

// StatusOf says what a connection-status URC reports.
func StatusOf(e *Event) StatusKind {
	d := LookupDialect(e.Dialect)
	if d == nil {
		d, _ = urcDialect(e.Name, nil, nil)
	}
	if d != nil {
		if u := d.URCs[e.Name]; u != nil && u.Status != nil {
			if k := u.Status(e.Args); k != StatusLost {
				return k
			}
		}
	}
	text := strings.ToUpper(e.Text + " " + e.Meaning)
	if strings.Contains(text, "PING") || strings.Contains(text, "KEEP") {
		return StatusKeepalive
	}
	return StatusLost
}

// SetsTLS reports whether a command (by name and named arguments) sets
// TLS up for a connection: SSL contexts, certificates, TLS schemes.
func SetsTLS(name string, args map[string]string) bool {
	name = strings.ToUpper(name)
	for _, n := range dialectNames {
		d := dialects[n]
		for _, c := range d.TLSCommands {
			if c == name {
				return true
			}
		}
		if c := d.Commands[name]; c != nil && c.TLS != nil && c.TLS(args) {
			return true
		}
	}
	return false
}

// ConnackWords words a CONNACK return code as modules' result URCs carry
// it ("refused: not authorized"); the words come from decode/mqtt.
func connackWord(rc int) (string, bool) {
	if rc < 0 || rc > 5 {
		return "", false
	}
	w := connackReason(rc)
	if rc != 0 {
		w = "refused: " + w
	}
	return w, true
}

// cfgFix writes a configure command of the AT+ECMTCFG="option",idx,value form.
func cfgFix(cmd, option, idx string, v int) string {
	return fmt.Sprintf("AT+%s=%q,%s,%d", cmd, option, idx, v)
}

// connFix writes a connect command of the AT+QMTCONN=idx,"id"[,"user","pass"] form.
func connFix(cmd string) func(idx, clientID, user, pass string) string {
	return func(idx, clientID, user, pass string) string {
		creds := ""
		if user != "" || pass != "" {
			creds = "," + strconv.Quote(user) + "," + strconv.Quote(pass)
		}
		return fmt.Sprintf("AT+%s=%s,%s%s", cmd, idx, strconv.Quote(clientID), creds)
	}
}

// subFix writes a subscribe command of the AT+QMTSUB=idx,msgid,"filter",qos form.
func subFix(cmd string) func(idx, msgID, filter, qos string) string {
	return func(idx, msgID, filter, qos string) string {
		return fmt.Sprintf("AT+%s=%s,%s,%q,%s", cmd, idx, msgID, filter, qos)
	}
}

// optionIs says a configure command sets the named option ("ssl").
func optionIs(option string) func(args map[string]string) bool {
	return func(args map[string]string) bool {
		return strings.EqualFold(strings.Trim(args[ArgOption], "\"“”"), option)
	}
}

func intField(args map[string]string, key string) (int, bool) {
	v, ok := args[key]
	if !ok {
		return 0, false
	}
	return atoi(v)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
