package correlate

import (
	"sort"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
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

// Secrets lists what a shared file must not carry: every secret the
// dialects know in the log's commands (passwords, device secrets, PSKs;
// decode/at/secrets.go) and the passwords the capture's CONNECT packets
// sent, longest first (a truncated password is a prefix of the full one).
// Outputs that hold raw bytes (an exported pcapng) mask these themselves;
// Result strings are masked by Options.Redact.
func Secrets(log *at.Log, recs []netcap.Record) []at.Secret {
	set := map[string]string{} // value → what
	if log != nil {
		for i := range log.Transactions {
			for _, sec := range at.TransactionSecrets(&log.Transactions[i]) {
				if sec.Value != "" {
					set[sec.Value] = sec.What
				}
			}
		}
	}
	for i := range recs {
		if p := recs[i].Packet; p != nil && p.PasswordFlag && len(p.Password) > 0 {
			if _, ok := set[string(p.Password)]; !ok {
				set[string(p.Password)] = at.SecretPassword
			}
		}
	}
	list := make([]at.Secret, 0, len(set))
	for v, what := range set {
		list = append(list, at.Secret{What: what, Value: v})
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i].Value) != len(list[j].Value) {
			return len(list[i].Value) > len(list[j].Value)
		}
		return list[i].Value < list[j].Value
	})
	return list
}
