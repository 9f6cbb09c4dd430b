package correlate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// redact replaces every password (as typed in connect commands and as
// sent in CONNECT packets) in the result's strings by "<password: N
// bytes>", so a report can be shared. Quoted forms are replaced first;
// bare occurrences only for passwords of 4 bytes or more, so short ones
// cannot garble unrelated text.
func (a *analysis) redact(res *Result) {
	secrets := map[string]bool{}
	for i := range a.txs {
		if p, ok := arg(a.txs[i].Args, at.ArgPassword); ok && p != "" {
			secrets[p] = true
		}
	}
	for _, id := range a.connOrder {
		if p := a.connectPacket(a.conns[id]); p != nil && p.PasswordFlag && len(p.Password) > 0 {
			secrets[string(p.Password)] = true
		}
	}
	if len(secrets) == 0 {
		return
	}
	list := make([]string, 0, len(secrets))
	for s := range secrets {
		list = append(list, s)
	}
	// Longest first: a truncated password is a prefix of the full one.
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	var pairs []string
	for _, s := range list {
		mask := fmt.Sprintf("<password: %d bytes>", len(s))
		pairs = append(pairs, strconv.Quote(s), strconv.Quote(mask), `"`+s+`"`, `"`+mask+`"`)
	}
	for _, s := range list {
		if len(s) >= 4 {
			pairs = append(pairs, s, fmt.Sprintf("<password: %d bytes>", len(s)))
		}
	}
	r := strings.NewReplacer(pairs...)
	for i := range res.Transactions {
		res.Transactions[i].Command = r.Replace(res.Transactions[i].Command)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		f.Summary, f.Explanation, f.Fix = r.Replace(f.Summary), r.Replace(f.Explanation), r.Replace(f.Fix)
	}
	for i := range res.Timeline {
		res.Timeline[i].Text = r.Replace(res.Timeline[i].Text)
	}
	res.Device.Reason = r.Replace(res.Device.Reason)
}

// Secrets lists the passwords a shared file must not carry: as typed in
// the log's connect commands and as sent in the capture's CONNECT
// packets, longest first (a truncated password is a prefix of the full
// one). Outputs that hold raw bytes (an exported pcapng) mask these
// themselves; Result strings are masked by Options.Redact.
func Secrets(log *at.Log, recs []netcap.Record) []string {
	set := map[string]bool{}
	if log != nil {
		for i := range log.Transactions {
			if p, ok := arg(log.Transactions[i].Args, at.ArgPassword); ok && p != "" {
				set[p] = true
			}
		}
	}
	for i := range recs {
		if p := recs[i].Packet; p != nil && p.PasswordFlag && len(p.Password) > 0 {
			set[string(p.Password)] = true
		}
	}
	list := make([]string, 0, len(set))
	for s := range set {
		list = append(list, s)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	return list
}
