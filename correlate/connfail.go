package correlate

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
)

// A failed open or connect is the session's failure: nothing after it can
// work. This file explains such a failure from the module's own words
// (final result, result URC or an unsolicited connect URC) when the
// capture does not already explain it, or when there is no capture.

// connAttemptView is what the serial log says about one open or connect
// attempt: the command (nil for an unsolicited URC) and the answer.
type connAttemptView struct {
	t        *at.Transaction // the command; nil for an auto-reconnect URC
	line     int             // the command's (or URC's) line
	op       at.Op           // at.OpOpen or at.OpConnect
	answer   string          // "+CMQTTCONNECT: 0,3", "ERROR", …
	where    string          // "the result URC on line 31"
	meaning  string
	d        *at.Dialect
	idx      string
	args     map[string]string // result fields
	host     string
	port     string
	clientID string
	user     string
	pass     string
	hasUser  bool
	hasPass  bool
	// known is set when a connect command gave the connection's
	// settings, so an absent username means none was given.
	known bool
}

// classify reads the attempt's failure from its answer, as the dialect
// reads it: FailNone when the answer says nothing about failure
// (success, still pending), the CONNACK return code for FailConnack.
func (v *connAttemptView) classify() at.Failure {
	final, outcome := "", at.OutcomePending
	if v.t != nil {
		final, outcome = v.t.Final, v.t.Outcome
	}
	return v.d.AttemptFailure(v.op, v.args, final, outcome)
}

// attemptOfTx describes a command's attempt.
func (a *logCheck) attemptOfTx(t *at.Transaction) *connAttemptView {
	v := &connAttemptView{t: t, line: t.Line, op: t.Op, d: a.dialectOf(t), idx: connIndex(t), known: t.Op == at.OpConnect,
		args: t.ResultArgs, meaning: orDefault(t.Meaning, "failure")}
	v.answer, v.where = t.Final, fmt.Sprintf("the final result on line %d", t.FinalLine)
	if t.Result != "" {
		v.answer, v.where = t.Result, fmt.Sprintf("the result URC on line %d", t.ResultLine)
		if at.Refused(t.Final) {
			v.answer += " then " + t.Final
			v.meaning = strings.TrimSuffix(v.meaning, " (final "+t.Final+")")
		}
	}
	v.fill(t.Args)
	if v.host == "" {
		// The open command names the broker (ECMT, QMT): take it from
		// the last one on the same index.
		for ti := range a.txs {
			o := &a.txs[ti]
			if o.Line >= t.Line {
				break
			}
			if o.Op == at.OpOpen && connIndex(o) == v.idx {
				v.host, _ = arg(o.Args, at.ArgHost)
				v.port, _ = arg(o.Args, at.ArgPort)
			}
		}
	}
	return v
}

// attemptOfEvent describes an unsolicited connect URC (auto-reconnect, or
// a log that lacks the command), taking host and credentials from the
// last open/connect command on the same index, if any.
func (a *logCheck) attemptOfEvent(e *at.Event) *connAttemptView {
	v := &connAttemptView{line: e.Line, op: e.Op, answer: e.Text, d: at.LookupDialect(e.Dialect), args: e.Args,
		where:   fmt.Sprintf("the URC on line %d (no command in the log answers to it)", e.Line),
		meaning: strings.TrimPrefix(orDefault(e.Meaning, "failure"), "unsolicited: ")}
	if v.d == nil {
		v.d = a.dialectOf(nil)
	}
	v.idx = "0"
	if c, ok := arg(e.Args, at.ArgConn); ok && c != "" {
		v.idx = c
	}
	args := map[string]string{}
	for ti := range a.txs {
		t := &a.txs[ti]
		if t.Line > e.Line {
			break
		}
		if (t.Op == at.OpOpen || t.Op == at.OpConnect) && connIndex(t) == v.idx {
			v.known = v.known || t.Op == at.OpConnect
			for k, val := range t.Args {
				args[k] = val
			}
		}
	}
	v.fill(args)
	return v
}

func (v *connAttemptView) fill(args map[string]string) {
	v.host, _ = arg(args, at.ArgHost)
	v.port, _ = arg(args, at.ArgPort)
	v.clientID, _ = arg(args, at.ArgClientID)
	v.user, v.hasUser = arg(args, at.ArgUsername)
	v.pass, v.hasPass = arg(args, at.ArgPassword)
}

// hostName is the broker's host as the log gives it.
func (v *connAttemptView) hostName() string { return orDefault(v.host, "the broker") }

// target is "host:port" as far as the log gives it.
func (v *connAttemptView) target() string {
	switch {
	case v.host == "":
		return "the broker"
	case v.port == "":
		return v.host
	}
	return v.host + ":" + v.port
}

// connectFailure reports a failed open or connect command. It returns
// false when the command did not fail (or the capture already explained
// it), so the caller can go on with its generic checks.
func (a *logCheck) connectFailure(t *at.Transaction) bool {
	if a.hasLine(t.Line) {
		return true
	}
	if (t.Result == "" || len(a.recs) > 0) && a.afterFailure(t.Line) {
		// A bare ERROR after the session already failed is a consequence
		// (not open, not connected): the earlier finding is the cause. So
		// is any failure after one the capture explained.
		return false
	}
	return a.attemptFinding(a.attemptOfTx(t), nil)
}

// connectEventFinding reports an unsolicited connect URC that says the
// connection failed or the broker refused it.
func (a *logCheck) connectEventFinding(e *at.Event, j int) {
	frames := a.frames(a.evRecs[j])
	for _, f := range a.findings {
		if len(frames) > 0 && len(f.Frames) > 0 && overlaps(f.Frames, frames) {
			return // the capture's finding explains it
		}
	}
	if len(a.deviceConns) > 0 && len(frames) > 0 {
		return
	}
	v := a.attemptOfEvent(e)
	if !v.d.IsConnectResult(e) {
		return // "+QMTCONN: 0,3" is a state report, not a connect result
	}
	a.attemptFinding(v, frames)
}

// afterFailure reports whether an error finding about an earlier line
// exists.
func (a *logCheck) afterFailure(line int) bool {
	for _, f := range a.findings {
		if f.Severity == SeverityError && f.Line > 0 && f.Line < line {
			return true
		}
	}
	return false
}

func hasWarning(t *at.Transaction, code string) bool {
	for _, w := range t.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

func hasArg(args map[string]string, key string) bool {
	_, ok := arg(args, key)
	return ok
}

// attemptFinding adds the finding for a failed attempt; false when the
// attempt did not fail.
func (a *logCheck) attemptFinding(v *connAttemptView, frames []int) bool {
	fl := v.classify()
	kind, connack := fl.Kind, fl.Connack
	if kind == at.FailNone {
		return false
	}
	f := Finding{Severity: SeverityError, Line: v.line, Frames: frames}
	noWire := a.withoutWire("the capture shows no TCP, TLS or MQTT evidence for it")
	switch kind {
	case at.FailConnack:
		r := &refusal{code: connack, intent: v.intent(), d: v.d, idx: v.idx}
		if a.logSecret(v.line, v.idx).value != "" {
			r.intent.known = false // the module signs (aliauth): it sends credentials the command does not show
		}
		cause, why, fix := r.cause()
		f.Code, f.ConnackCode = CodeConnackRefused, intp(connack)
		f.Summary = fmt.Sprintf("the module reports the broker refused the connection: %s (%s)", v.answer, v.meaning)
		f.Explanation = fmt.Sprintf("%s carries CONNACK return code %d: %s; %s", v.where, connack, why,
			a.withoutWire("the capture does not show the CONNACK"))
		f.Fix = fix
		if cause.Code != "" {
			f.Fix = cause.Fix
			defer a.addCause(cause, v.line, frames, connack)
		}
	case at.FailTCP, at.FailDNS:
		f.Code = CodeOpenFailed
		if kind == at.FailDNS {
			f.Code = CodeDNSFailure
		}
		f.Summary = fmt.Sprintf("the module could not open the connection to %s: %s (%s)", v.hostName(), v.answer, v.meaning)
		f.Explanation = fmt.Sprintf("%s reports that the connection to %s failed; %s", v.where, v.target(), noWire)
		fix, specific := openFix(v, kind)
		f.Fix = fix
		note := ""
		if !specific {
			note = privateAddressNote(v)
		}
		switch tls := a.tlsSetup(v.line, v.idx); {
		case note != "" && isLoopback(v.host):
			f.Explanation += ". " + note
			f.Fix = fmt.Sprintf("connect to the broker's public address or host name, not %s", v.host)
		case note != "":
			f.Explanation += ". " + note
			f.Fix = fmt.Sprintf("make the broker reachable from the module's network: run it on (or forward it from) a public address and connect to that — %s is not routed to from the mobile network; for a broker on a LAN, use a Wi-Fi/Ethernet module or a VPN/private APN that reaches the LAN", v.host)
		case len(tls) > 0 && v.d.Note().OpenFailedTLS != "" && kind == at.FailTCP && !specific:
			f.Explanation += fmt.Sprintf(". The connection is TLS (%s): %s", strings.Join(tls, ", "), v.d.Note().OpenFailedTLS)
			f.Fix = v.d.Note().OpenFailedTLSFix
		}
	case at.FailTLS:
		f.Code = CodeTLSFailure
		f.Summary = fmt.Sprintf("the TLS handshake with %s failed: %s (%s)", v.hostName(), v.answer, v.meaning)
		f.Explanation = fmt.Sprintf("%s reports that the module could not set up TLS, before any MQTT packet was sent; %s", v.where, noWire)
		if tls := a.tlsSetup(v.line, v.idx); len(tls) > 0 {
			f.Explanation += ". TLS setup in the log: " + strings.Join(tls, ", ")
		}
		f.Fix = a.tlsFix(v)
	case at.FailUnconfirmed:
		f.Code, f.Severity = CodeConnectUnconfirmed, SeverityWarning
		f.Summary = fmt.Sprintf("the log does not show whether the connection to %s worked: the answer %q is cut off", v.target(), v.answer)
		f.Explanation = fmt.Sprintf("%s ends where its result code should be: the log was cut there, so the module's verdict is missing (not a success)", v.where)
		f.Fix = "log the module's output until the result code arrives, or capture the network side (atmq analyze --pcap)"
		if tls := a.tlsSetup(v.line, v.idx); len(tls) > 0 {
			f.Explanation += fmt.Sprintf("; the connection is TLS (%s)", strings.Join(tls, ", "))
			f.Explanation += v.d.Note().UnconfirmedTLS
			f.Fix += "; if it is a TLS error, " + a.tlsFix(v)
		}
	default:
		f.Code = CodeConnectFailed
		f.Summary = fmt.Sprintf("the module could not connect to %s: %s (%s)", v.hostName(), v.answer, v.meaning)
		f.Explanation, f.Fix = a.connectFailedText(v, noWire)
	}
	if v.t != nil && hasWarning(v.t, at.WarnTypographicQuote) && v.host != "" {
		f.Explanation += fmt.Sprintf(". The command is logged with typographic quotes: if the module really received them, it tried to reach a host named “%s” with the quotes in it", v.host)
	}
	a.add(f)
	a.connFailed = append(a.connFailed, connFailure{idx: v.idx, line: v.line})
	return true
}

// connFailure remembers a reported open/connect failure, so the status
// URC the module prints right after it (+QMTSTAT: 0,4) is not reported
// again as a separate lost connection.
type connFailure struct {
	idx  string
	line int
}

// openFix is the fix for a module-reported open failure; specific is set
// when the result code names a cause other than reaching the broker.
func openFix(v *connAttemptView, kind at.FailureKind) (fix string, specific bool) {
	if kind == at.FailDNS {
		return "check the host name for typos, or use the broker's IP address; check the DNS servers the network gives (AT+CGCONTRDP)", true
	}
	code, ok := intArg(v.args, at.ArgResult)
	if !ok {
		code = -1
	}
	return v.d.FixOpen(v.idx, code)
}

// privateAddressNote says why a private or link-local broker address
// fails from a cellular module; "" when it does not apply (host names,
// public addresses, Wi-Fi modules that may well sit on that LAN).
func privateAddressNote(v *connAttemptView) string {
	if !v.d.IsCellular() {
		return "" // a Wi-Fi module (or one not known) may well sit on that LAN
	}
	ip, err := netip.ParseAddr(v.host)
	if err != nil {
		return ""
	}
	kind := ""
	switch {
	case ip.IsLoopback():
		return fmt.Sprintf("%s is a loopback address: from the module it names the module itself, not the broker (unless the \"module\" is a simulator on the broker's own host)", v.host)
	case ip.IsLinkLocalUnicast():
		kind = "a link-local address, valid only on one LAN segment"
	case ip.IsPrivate():
		kind = "a private (RFC 1918/4193) LAN address"
	case ip.Is4() && netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
		kind = "a carrier-grade NAT (RFC 6598) address"
	default:
		return ""
	}
	return fmt.Sprintf("%s is %s; a cellular module reaches the internet through the operator's network, which does not route to it, so the connection cannot be made from there", v.host, kind)
}

func isLoopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// intent is what the log says the attempt's CONNECT was to carry.
func (v *connAttemptView) intent() connectIntent {
	in := intentOf(v.t)
	in.known = v.known
	in.clientID, in.user, in.pass, in.hasUser, in.hasPass = v.clientID, v.user, v.pass, v.hasUser, v.hasPass
	return in
}

// connectFailedText explains a connect the module says failed without
// giving the broker's answer.
func (a *logCheck) connectFailedText(v *connAttemptView, noWire string) (expl, fix string) {
	cloud := cloudCredentialsProblem(v.host, v.clientID, v.user, v.pass)
	note := v.d.Note()
	if note.ConnectFailed != nil {
		expl = note.ConnectFailed(v.where, a.withoutWire)
		tls := a.tlsSetup(v.line, v.idx)
		if len(tls) > 0 && note.ConnectFailedFix != "" {
			expl += fmt.Sprintf(". The connection is TLS (%s)", strings.Join(tls, ", "))
		}
		if l := a.laterAccept(v); l > 0 && note.ConnectFailedFix != "" {
			expl += fmt.Sprintf(". The module then reports %s (accepted) on line %d for the same index: it contradicts itself, and what follows fails", a.evText(l), l)
			if len(tls) > 0 {
				expl += note.ContradictedTLS
			}
		}
		fix = note.ConnectFailedFix
	} else {
		expl = fmt.Sprintf("%s reports the connect failed without the broker's answer; %s", v.where, noWire)
	}
	if cloud != "" {
		expl += ". " + cloud
	}
	if fix == "" {
		fix = "capture the network side (atmq analyze --pcap) to see the CONNACK; meanwhile check the likely causes: credentials and client id in the form the platform wants (cloud platforms want signed credentials: Aliyun, Tencent, Azure, OneNET), the host and port, and the TLS setup for TLS ports"
		if cloud != "" {
			fix = "write the client id, username and password in the platform's form (its console or SDK computes them): " + v.d.FixConnect(v.idx, orDefault(v.clientID, "<client id>"), "<signed username>", "<signed password>")
		}
	}
	return expl, fix
}

// evText is the text of the event on line, as logged.
func (a *logCheck) evText(line int) string {
	for j := range a.evs {
		if a.evs[j].Line == line {
			return a.evs[j].Text
		}
	}
	return ""
}

// laterAccept returns the line of an accepting connect URC for the same
// index right after the attempt (before any other command), 0 if none.
func (a *logCheck) laterAccept(v *connAttemptView) int {
	next := 1 << 30
	for ti := range a.txs {
		if a.txs[ti].Line > v.line {
			next = a.txs[ti].Line
			break
		}
	}
	for j := range a.evs {
		e := &a.evs[j]
		if e.Line <= v.line || e.Line > next || e.Op != at.OpConnect {
			continue
		}
		res, ok1 := intArg(e.Args, at.ArgResult)
		rc, ok2 := intArg(e.Args, at.ArgReturnCode)
		if c, _ := arg(e.Args, at.ArgConn); c == v.idx && ok1 && ok2 && res == 0 && rc == 0 {
			return e.Line
		}
	}
	return 0
}

// tlsSetup lists the commands that set TLS up for the attempt on line
// (SSL contexts, certificates, TLS schemes) since the previous attempt of
// the same kind on the index, as "CMD (line N)" or, for a command given
// several times, "n× AT+NAME (lines …)".
func (a *logCheck) tlsSetup(line int, idx string) []string {
	from, op := 0, at.Op("")
	for ti := range a.txs {
		if a.txs[ti].Line == line {
			op = a.txs[ti].Op
		}
	}
	for ti := range a.txs {
		t := &a.txs[ti]
		if t.Line < line && op != "" && t.Op == op && connIndex(t) == idx {
			from = t.Line
		}
	}
	var names []string
	byName := map[string][]*at.Transaction{}
	for ti := range a.txs {
		t := &a.txs[ti]
		if t.Line >= line {
			break
		}
		if t.Line <= from || at.Refused(t.Final) || !setsTLS(t) {
			continue
		}
		if _, ok := byName[t.Name]; !ok {
			names = append(names, t.Name)
		}
		byName[t.Name] = append(byName[t.Name], t)
	}
	var out []string
	for _, n := range names {
		ts := byName[n]
		if len(ts) == 1 {
			out = append(out, fmt.Sprintf("%s (line %d)", ts[0].Command, ts[0].Line))
			continue
		}
		ls := make([]string, 0, len(ts))
		for _, t := range ts {
			ls = append(ls, strconv.Itoa(t.Line))
		}
		out = append(out, fmt.Sprintf("%d× AT+%s (lines %s)", len(ts), n, strings.Join(ls, ", ")))
	}
	first, last := 0, 0
	for j := range a.evs {
		e := &a.evs[j]
		if e.Line > from && e.Line < line && at.SetsTLS(e.Name, e.Args) {
			if first == 0 {
				first = e.Line
			}
			last = e.Line
		}
	}
	if first > 0 {
		out = append(out, fmt.Sprintf("the SSL context settings +CSSLCFG printed on lines %d-%d", first, last))
	}
	return out
}

// setsTLS reports whether a command configures TLS for a connection.
func setsTLS(t *at.Transaction) bool { return at.SetsTLS(t.Name, t.Args) }

// tlsFix says how to set TLS up right in the dialect's commands.
func (a *logCheck) tlsFix(v *connAttemptView) string {
	n := 0
	for n < len(a.txs) && a.txs[n].Line < v.line {
		n++
	}
	code, ok := intArg(v.args, at.ArgResult)
	if !ok {
		code = -1
	}
	return v.d.FixTLS(v.idx, a.txs[:n], code)
}
