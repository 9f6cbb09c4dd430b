package at

import "strings"

// The outcome of a transaction in words: from its result URC, its final
// result and the checks on how it was written.

// meaning says the outcome of a transaction in words.
func (e *engine) meaning(p *txnState) string {
	t := p.t
	if p.spec != nil && p.spec.Meaning != nil {
		if m := p.spec.Meaning(t); m != "" {
			return m
		}
	}
	if t.Result != "" && p.d != nil {
		name := resultName(t.Result)
		if u := p.d.URCs[name]; u != nil && has(u.Fields, ArgResult) && t.ResultArgs[ArgResult] == "" {
			return "result URC cut short in the log"
		}
		if u := p.d.URCs[name]; u != nil && u.Meaning != nil {
			m := u.Meaning(t.ResultArgs)
			if isErrorFinal(t.Final) {
				m += " (final " + t.Final + ")"
			}
			return m
		}
	}
	if isErrorFinal(t.Final) {
		m := errorMeaning(t.Final)
		if len(t.Warnings) > 0 {
			m += "; likely cause: " + warningCause[t.Warnings[0].Code]
		}
		return m
	}
	if p.cancelled {
		return "payload cancelled with ESC: nothing sent"
	}
	switch {
	case t.Final == "" && p.query:
		return ""
	case t.Final == "":
		if p.expectsResult() {
			return "no final result and no result URC in the log"
		}
		return "no final result in the log"
	case p.expectsResult():
		return "accepted; no result URC in the log"
	}
	if t.Final == "OK" {
		return "ok"
	}
	return strings.ToLower(t.Final)
}

// resultName is the URC name of a result line ("+ECMTCONN: 0,0,5" →
// ECMTCONN; "CONNACK OK" → CONNACK OK).
func resultName(s string) string {
	if name, _, ok := parseURC(s); ok {
		return name
	}
	return strings.ToUpper(s)
}

// expectsResult says a result URC should answer the command.
func (p *txnState) expectsResult() bool {
	if p.spec == nil || p.query || p.cancelled || len(p.spec.Results) == 0 {
		return false
	}
	return p.spec.ResultWhen == nil || p.spec.ResultWhen(p.t.Args)
}
