package at

// The outcome of a transaction as a verdict, decided here because only
// the dialect knows which of its answers mean failure (ESP-AT
// "+MQTTPUB:FAIL", a QMT SUBACK granting 128, a SIMCom error code, Luat's
// "CONNECT FAIL"); consumers must not guess it from the numbers.

// outcome says whether the module reports the command did its job.
func (e *engine) outcome(p *txnState) string {
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
