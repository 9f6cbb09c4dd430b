package correlate

import "github.com/atmq/atmq/decode/at"

// followsReset says a status URC comes after a command of the user that
// resets the module or turns its radio off (AT+CRESET, AT+CFUN=1,1,
// AT+QPOWD…) with no open or connect in between: the connection ended
// because the user asked, which explains the URC.
func (a *inputs) followsReset(e *at.Event) bool {
	reset := false
	for i := range a.txs {
		t := &a.txs[i]
		if t.Line >= e.Line {
			break
		}
		switch {
		case at.ResetsModule(t.Command):
			reset = true
		case t.Op == at.OpOpen || t.Op == at.OpConnect:
			reset = false
		}
	}
	return reset
}
