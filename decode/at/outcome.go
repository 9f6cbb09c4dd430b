package at

import "strings"

// The outcome of a transaction as a verdict, decided here because only
// the dialect knows which of its answers mean failure (ESP-AT
// "+MQTTPUB:FAIL", a QMT SUBACK granting 128, a SIMCom error code, Luat's
// "CONNECT FAIL"); consumers must not guess it from the numbers.

// outcome says whether the module reports the command did its job.
func (e *engine) outcome(p *txnState) Outcome {
	t := p.t
	switch {
	case isErrorFinal(t.Final):
		return OutcomeFailed
	case p.cancelled:
		// ESC cancelled the payload: the module sent nothing.
		return OutcomeFailed
	case t.Result != "":
		if p.d != nil {
			if u := p.d.URCs[resultName(t.Result)]; u != nil {
				return resultOutcome(u, t.ResultArgs)
			}
		}
		return OutcomePending
	case p.expectsResult():
		// OK only says the module took the command; the result URC
		// decides, and it is not (yet) in the log.
		return OutcomePending
	case t.Final != "":
		return OutcomeOK
	}
	return OutcomePending
}

// settle records what the transaction's answers so far mean: in words and
// as a verdict.
func (e *engine) settle(p *txnState) {
	p.t.Meaning = e.meaning(p)
	p.t.Outcome = e.outcome(p)
}

// ResultOutcome says what a module line answering command asynchronously
// reports (a result URC ResultURCPrefixes named): OutcomeFailed for
// "+QMTCONN: 0,0,5", "+CMQTTCONNECT: 0,30", ESP-AT "+MQTTDISCONNECTED:0",
// Luat "CONNECT FAIL"; OutcomeOK for success; OutcomePending when the
// line is not a result the command's dialect knows, or decides nothing
// yet (QMT "retransmitted"). A tool driving a module (atmq live --script)
// asks this instead of reading the numbers itself.
func ResultOutcome(command, line string) Outcome {
	command = strings.TrimSpace(command)
	if len(command) < 3 || !strings.EqualFold(command[:2], "AT") {
		return OutcomePending
	}
	name, _, _ := parseCommand(command)
	d, spec := commandDialect(name, nil)
	if spec == nil {
		return OutcomePending
	}
	line = strings.TrimSpace(line)
	urc, argText, ok := parseURC(line)
	if !ok {
		urc, argText = strings.ToUpper(line), ""
	}
	u := d.URCs[urc]
	if u == nil || !has(spec.Results, urc) {
		return OutcomePending
	}
	var fields map[string]string
	if argText != "" {
		fields = named(u.Fields, ParseArgs(argText, d.Syntax, maxFields))
	} else {
		fields = map[string]string{}
	}
	return resultOutcome(u, fields)
}

// Succeeded reports whether the module says the command did its job: the
// dialect's verdict (Outcome) when it gave one; when it could not (no
// answer yet, a result URC it does not know, a transaction built by hand)
// a final result that is no refusal, and a result URC whose result and
// return code are 0, the one success every dialect writes alike.
func (t *Transaction) Succeeded() bool {
	switch t.Outcome {
	case OutcomeOK:
		return true
	case OutcomeFailed:
		return false
	}
	if Refused(t.Final) {
		return false
	}
	if t.Result == "" {
		return t.Final != ""
	}
	res, hasRes := intField(t.ResultArgs, ArgResult)
	rc, hasRC := intField(t.ResultArgs, ArgReturnCode)
	return (!hasRes || res == 0) && (!hasRC || rc == 0)
}
