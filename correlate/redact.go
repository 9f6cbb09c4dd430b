package correlate

import (
	"github.com/atmq/atmq/decode/at"
)

// redact replaces every secret in the result's strings by "<what: N
// bytes>", so a report can be shared: what the dialects know as secrets in
// the commands (passwords, device secrets, PSKs; decode/at/secrets.go) and
// the passwords the CONNECT packets sent. Every string a renderer prints
// is masked: commands, results, events, findings, the timeline, the
// device's and the clock's explanations, the skipped input.
func (a *analysis) redact(res *Result) {
	var m at.Masker
	for i := range a.txs {
		m.AddTransaction(&a.txs[i])
	}
	for _, id := range a.connOrder {
		if p := a.connectPacket(a.conns[id]); p != nil && p.PasswordFlag && len(p.Password) > 0 {
			m.Add(at.Secret{What: at.SecretPassword, Value: string(p.Password)})
		}
	}
	if m.Empty() {
		return
	}
	for i := range res.Transactions {
		t := &res.Transactions[i]
		t.Command, t.Final, t.Result = m.Mask(t.Command), m.Mask(t.Final), m.Mask(t.Result)
	}
	for i := range res.Events {
		res.Events[i].Text = m.Mask(res.Events[i].Text)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		f.Summary, f.Explanation, f.Fix = m.Mask(f.Summary), m.Mask(f.Explanation), m.Mask(f.Fix)
	}
	for i := range res.Timeline {
		res.Timeline[i].Text = m.Mask(res.Timeline[i].Text)
	}
	for i := range res.Device.Connections {
		c := &res.Device.Connections[i]
		c.ClientID = m.Mask(c.ClientID)
	}
	res.Device.Reason = m.Mask(res.Device.Reason)
	res.Clock.Explanation = m.Mask(res.Clock.Explanation)
	for i := range res.Input {
		res.Input[i].What = m.Mask(res.Input[i].What)
	}
}
