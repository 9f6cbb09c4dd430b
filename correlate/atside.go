package correlate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// diagnoseCommands reports what the serial log alone shows: commands the
// module refused, and result codes the capture did not already explain
// (all of them when there is no capture).
func (a *analysis) diagnoseCommands() {
	for ti := range a.txs {
		t := &a.txs[ti]
		if at.Refused(t.Final) {
			// A refused open or connect is the session's failure, unless
			// the way it is written explains the refusal.
			if len(t.Warnings) > 0 || !t.Op.IsAttempt() || !a.connectFailure(t) {
				a.commandRefused(t)
			}
			continue
		}
		if len(t.Warnings) > 0 {
			a.acceptedWithWarnings(t)
		}
		a.resultFinding(t)
	}
	for j := range a.evs {
		switch a.evs[j].Op {
		case at.OpConnect:
			a.connectEventFinding(&a.evs[j], j)
		case at.OpStatus:
			a.statusFinding(&a.evs[j], j)
		}
	}
}

// acceptedWithWarnings reports a command the module took although it is
// written in a way modules misread. The module's OK is the evidence: the
// finding must not claim a refusal.
func (a *analysis) acceptedWithWarnings(t *at.Transaction) {
	w := t.Warnings[0]
	answer := "the module took the command"
	if t.Final != "" {
		answer = fmt.Sprintf("the module answered %s to the command", t.Final)
	}
	expl := "the module may have read an argument differently from what was meant"
	if w.Code == at.WarnTypographicQuote {
		expl = "since the module took the command, either the log is a rendered copy (a forum post, web page or document turns \" into “ ”) and the module got ASCII quotes, or the module kept the typographic quotes as part of the values (a host or file name with “ ” in it), which later fails; check what was really sent"
	}
	if more := warningsText(t.Warnings[1:], t.Line); more != "" {
		expl += "; also " + more
	}
	a.add(Finding{
		Code: CodeATSyntax, Severity: SeverityWarning, Line: t.Line,
		Summary:     answer + ", but it is written in a way modules misread: " + warningMessage(w, t.Line),
		Explanation: expl,
		Fix:         orDefault(w.Fix, "rewrite the command as the dialect documents it"),
	})
}

// commandRefused reports a command the module answered with ERROR.
func (a *analysis) commandRefused(t *at.Transaction) {
	if len(t.Warnings) > 0 {
		w := t.Warnings[0]
		a.add(Finding{
			Code: CodeATSyntax, Severity: SeverityError, Line: t.Line,
			Summary:     fmt.Sprintf("the module answered %s: %s", t.Final, warningMessage(w, t.Line)),
			Explanation: refusedText(t),
			Fix:         orDefault(w.Fix, "rewrite the command as the dialect documents it"),
		})
		return
	}
	a.add(Finding{
		Code: CodeCommandError, Severity: SeverityWarning, Line: t.Line,
		Summary:     fmt.Sprintf("the module answered %s to %s", t.Final, t.Command),
		Explanation: orDefault(t.Meaning, "the module refused the command; its syntax looks right, so the state is the likely cause (no network or PDP context, connection not open, already connected, a previous operation still running)"),
		Fix:         "check the module's state before the command (the open/connect results, network registration with AT+CEREG?) and the order of commands",
	})
}

// refusedText explains a refused command whose first warning the
// summary already gives: the rest of the warnings, not that one again.
func refusedText(t *at.Transaction) string {
	s := t.Command + " was refused before anything went on the network"
	if more := warningsText(t.Warnings[1:], t.Line); more != "" {
		s += "; also " + more
	}
	return s
}

// warningMessage is a warning's message without the "line N: " that
// decode/at starts it with: a finding gives the line in its own field.
func warningMessage(w at.Warning, line int) string {
	return strings.TrimPrefix(w.Message, "line "+strconv.Itoa(line)+": ")
}

// warningsText joins warnings, each with its code.
func warningsText(ws []at.Warning, line int) string {
	var parts []string
	for _, w := range ws {
		s := warningMessage(w, line)
		if w.Code != "" {
			s = w.Code + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// txSucceeded reports whether the module says the command worked; the
// dialect decides (at.Transaction.Succeeded).
func txSucceeded(t *at.Transaction) bool { return t.Succeeded() }

// resultFinding explains a failing result URC when the capture gave no
// finding for the command already.
func (a *analysis) resultFinding(t *at.Transaction) {
	if t.Result == "" || a.hasLine(t.Line) {
		return
	}
	if t.Op.IsAttempt() && t.Outcome == at.OutcomePending && resultCut(t) {
		a.connectFailure(t) // success unknown: not to be taken for one
		return
	}
	if txSucceeded(t) {
		return
	}
	d := a.dialectOf(t)
	meaning := orDefault(t.Meaning, "failure")
	base := Finding{Severity: SeverityError, Line: t.Line}
	switch t.Op {
	case at.OpConnect:
		// The dialect maps vendor codes (SIMCom 27–31) to CONNACK 1–5;
		// a refusal goes to the one refusal diagnosis.
		if fl := d.AttemptFailure(t.Op, t.ResultArgs, t.Final, t.Outcome); fl.Kind == at.FailConnack {
			a.attemptFinding(a.attemptOfTx(t), nil)
			return
		}
		if a.connectFailure(t) {
			return
		}
	case at.OpOpen:
		if a.connectFailure(t) {
			return
		}
	case at.OpSubscribe:
		if v, ok := arg(t.ResultArgs, at.ArgValue); ok && strings.TrimSpace(v) == "128" {
			f := base
			f.Code = CodeSubackFailure
			f.Summary = fmt.Sprintf("the broker refused the subscription: %s", t.Result)
			f.Explanation = "the result URC carries 128 (0x80), the SUBACK failure code: the broker does not allow this subscription"
			f.Fix = "allow the subscription on the broker (ACL) or subscribe to a topic the client may read"
			a.add(f)
			return
		}
	}
	if len(a.recs) > 0 {
		return // the capture's findings speak for the wire
	}
	f := base
	f.Severity = SeverityWarning
	f.Code = CodeCommandError
	f.Summary = fmt.Sprintf("the module reports failure: %s (%s)", t.Result, meaning)
	f.Explanation = fmt.Sprintf("result URC on line %d; without a capture the network side cannot be checked", t.ResultLine)
	f.Fix = "capture the network side too (atmq analyze --pcap) to see what the broker answered"
	a.add(f)
}

// resultCut reports whether the result URC stops where its result code
// should be ("+CMQTTCONNECT: 0,"): the log was cut there.
func resultCut(t *at.Transaction) bool {
	v, ok := arg(t.ResultArgs, at.ArgResult)
	return ok && strings.TrimSpace(v) == ""
}

// withoutWire says why a finding rests on the serial log alone: the
// capture lacks the evidence (given as missing), or there is no capture.
func (a *analysis) withoutWire(missing string) string {
	if len(a.recs) == 0 {
		return "no capture was given to check it on the wire"
	}
	return missing
}

// statusFinding explains a connection-status URC the capture did not.
func (a *analysis) statusFinding(e *at.Event, j int) {
	if e.Op != at.OpStatus {
		return
	}
	frames := a.frames(a.evRecs[j])
	for _, f := range a.findings {
		if len(frames) > 0 && len(f.Frames) > 0 && overlaps(f.Frames, frames) {
			return // the capture's finding explains it
		}
	}
	if len(a.deviceConns) > 0 && len(frames) > 0 {
		return
	}
	if a.followsFailure(e) {
		return // the open/connect failure already says the connection is gone
	}
	code := CodeServerClosed
	switch at.StatusOf(e) {
	case at.StatusKeepalive:
		code = CodeKeepaliveTimeout
	case at.StatusNormal:
		return // the client disconnected: normal
	}
	f := Finding{
		Code: code, Severity: SeverityError, Line: e.Line, Frames: frames,
		Summary:     fmt.Sprintf("the module reports the connection lost: %s (%s)", e.Text, orDefault(e.Meaning, "status change")),
		Explanation: "the status URC reports the connection closed or reset",
		Fix:         "capture the network side (atmq analyze --pcap) to see who closed it; then check keepalive, client id uniqueness and the broker's log",
	}
	if len(a.recs) > 0 {
		f.Code = CodeConnectionLost
		f.Severity = SeverityWarning
		f.Explanation += "; the capture shows no close on the device's connection before it: the module gave up on its own (PINGRESP missing, radio or PDP lost) or the close happened outside the capture"
		f.Fix = "check the module's network registration and PDP context at that time (AT+CEREG?, AT+CGACT?), its keepalive, and that the capture covers the device's path to the broker"
	}
	a.add(f)
}

// followsFailure reports whether a status URC comes right after an
// open/connect failure already reported on its connection index, with no
// new attempt in between (+QMTCONN: 0,0,5 then +QMTSTAT: 0,4).
func (a *analysis) followsFailure(e *at.Event) bool {
	idx, ok := arg(e.Args, at.ArgConn)
	if !ok || strings.TrimSpace(idx) == "" {
		idx = "0"
	}
	last := 0
	for _, f := range a.connFailed {
		if f.idx == strings.TrimSpace(idx) && f.line <= e.Line {
			last = f.line
		}
	}
	if last == 0 {
		return false
	}
	for ti := range a.txs {
		t := &a.txs[ti]
		if t.Line > last && t.Line < e.Line && t.Op.IsAttempt() && connIndex(t) == strings.TrimSpace(idx) {
			return false
		}
	}
	return true
}

func overlaps(a, b []int) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// diagnoseNotOnWire reports operations the module says it did that the
// capture never shows, one finding per kind of operation.
func (a *analysis) diagnoseNotOnWire() {
	if len(a.recs) == 0 {
		return
	}
	missing := map[at.Op][]int{}
	var order []at.Op
	for ti := range a.txs {
		t := &a.txs[ti]
		switch t.Op {
		case at.OpOpen, at.OpConnect, at.OpSubscribe, at.OpUnsubscribe, at.OpPublish, at.OpDisconnect:
		default:
			continue
		}
		if !txSucceeded(t) || len(a.txRecs[ti]) > 0 {
			continue
		}
		if _, ok := missing[t.Op]; !ok {
			order = append(order, t.Op)
		}
		missing[t.Op] = append(missing[t.Op], t.Line)
	}
	for j := range a.evs {
		e := &a.evs[j]
		if e.Op != at.OpReceive || len(a.evRecs[j]) > 0 {
			continue
		}
		if _, ok := missing[e.Op]; !ok {
			order = append(order, e.Op)
		}
		missing[e.Op] = append(missing[e.Op], e.Line)
	}
	for _, op := range order {
		lines := missing[op]
		sort.Ints(lines)
		var ls []string
		for _, l := range lines {
			ls = append(ls, strconv.Itoa(l))
		}
		a.add(Finding{
			Code: CodeNotOnWire, Severity: SeverityWarning, Line: lines[0],
			Summary:     fmt.Sprintf("the module reports %d %s operation(s) the capture never shows (line %s)", len(lines), op, strings.Join(ls, ", ")),
			Explanation: "the serial log says these succeeded, yet no matching packet is in the capture. " + a.captureHint(),
			Fix:         "capture where the module's traffic passes (the broker host or the gateway, not a machine beside it), with a filter that keeps the broker's port (atmq --port PORT for non-standard ports), and check the serial log and the capture cover the same period",
		})
	}
}

// captureHint says what the capture does hold, to guide the fix.
func (a *analysis) captureHint() string {
	ports := map[string]bool{}
	tls := false
	for _, id := range a.connOrder {
		c := a.conns[id]
		ports[strconv.Itoa(int(c.server.Port()))] = true
		for _, i := range c.recs {
			if a.isEvent(i, netcap.EventTLSHello) {
				tls = true
				break
			}
		}
	}
	if len(ports) == 0 {
		return "The capture holds no MQTT connection at all: wrong interface or capture point, or a filter excluding the broker's port."
	}
	h := fmt.Sprintf("The capture holds %d connection(s) to port(s) %s", len(a.connOrder), joinKeys(ports))
	if len(a.deviceConns) == 0 {
		h += ", none of them the device's (see device.reason)"
	}
	h += "."
	if tls {
		h += " Some are TLS: MQTT inside them is encrypted and cannot be matched."
	}
	return h
}
