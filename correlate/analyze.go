package correlate

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// toCapture converts a serial time to the capture's clock.
func (a *clockEstimate) toCapture(t time.Time) (time.Time, bool) {
	if !a.timed || t.IsZero() {
		return time.Time{}, false
	}
	return t.Add(-a.offset), true
}

// slack is how far a packet may sit outside its command's window: the
// cluster window plus the offset's own uncertainty.
func (a *clockEstimate) slack() time.Duration { return clusterWindow + a.spread }

// arg returns a transaction's or event's named argument.
func arg(args map[string]string, key string) (string, bool) {
	if args == nil {
		return "", false
	}
	v, ok := args[key]
	return v, ok
}

// intArg parses a numeric argument.
func intArg(args map[string]string, key string) (int, bool) {
	v, ok := arg(args, key)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, false
	}
	return n, true
}

// txPayload is the payload a publish command carried (data mode or inline).
func txPayload(t *at.Transaction) ([]byte, bool) {
	if t.Payload != nil {
		return t.Payload, true
	}
	if v, ok := arg(t.Args, at.ArgPayload); ok {
		return []byte(v), true
	}
	return nil, false
}

// evPayload is the payload a receive URC carried.
func evPayload(e *at.Event) ([]byte, bool) {
	if e.Payload != nil {
		return e.Payload, true
	}
	if v, ok := arg(e.Args, at.ArgPayload); ok {
		return []byte(v), true
	}
	return nil, false
}

// frames turns record indices into sorted, distinct frame numbers;
// negative indices (evidence not found) are skipped.
func (a *captureIndex) frames(idx []int) []int {
	out := make([]int, 0, len(idx))
	seen := map[int]bool{}
	for _, i := range idx {
		if i < 0 || i >= len(a.recs) {
			continue
		}
		f := a.recs[i].Frame
		if f > 0 && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Ints(out)
	return out
}

func (a pairedEvidence) transactionResults() []Transaction {
	out := make([]Transaction, 0, len(a.txs))
	for i := range a.txs {
		t := &a.txs[i]
		tr := Transaction{
			Line: t.Line, Command: t.Command, Op: string(t.Op), Final: t.Final,
			Result: t.Result, ResultLine: t.ResultLine, Outcome: string(t.Outcome), Frames: a.frames(a.txRecs[i]),
		}
		if !t.Time.IsZero() {
			tm := t.Time
			tr.Time = &tm
		}
		tr.Latency = a.latency(i)
		out = append(out, tr)
	}
	return out
}

func (a pairedEvidence) eventResults() []Event {
	out := make([]Event, 0, len(a.evs))
	for i := range a.evs {
		e := &a.evs[i]
		out = append(out, Event{Line: e.Line, Text: e.Text, Op: string(e.Op), Frames: a.frames(a.evRecs[i])})
	}
	return out
}

// latency measures command → first frame the module sent, and last paired
// frame → result URC, on the capture's clock.
func (a pairedEvidence) latency(ti int) *Latency {
	t := &a.txs[ti]
	recs := a.txRecs[ti]
	if len(recs) == 0 {
		return nil
	}
	var l Latency
	if ct, ok := a.toCapture(t.Time); ok {
		for _, i := range recs {
			if a.recs[i].FromClient {
				ms := float64(a.recs[i].Time.Sub(ct)) / float64(time.Millisecond)
				l.CommandToWire = &ms
				break
			}
		}
	}
	if rt, ok := a.toCapture(t.ResultTime); ok {
		// The last frame before the URC is what the module reports on;
		// frames after it (the broker's FIN after a DISCONNECT) are not.
		last := -1
		for _, i := range recs {
			if tm := a.recs[i].Time; !tm.After(rt) && (last < 0 || tm.After(a.recs[last].Time)) {
				last = i
			}
		}
		if last >= 0 {
			ms := float64(rt.Sub(a.recs[last].Time)) / float64(time.Millisecond)
			l.WireToResult = &ms
		}
	}
	if l.CommandToWire == nil && l.WireToResult == nil {
		return nil
	}
	return &l
}

// sortedFindings orders findings by severity, then line, then first frame.
func (a *findingSet) sortedFindings() []Finding {
	rank := map[string]int{SeverityError: 0, SeverityWarning: 1, SeverityInfo: 2}
	out := append([]Finding(nil), a.findings...)
	sort.SliceStable(out, func(i, j int) bool {
		fi, fj := out[i], out[j]
		if rank[fi.Severity] != rank[fj.Severity] {
			return rank[fi.Severity] < rank[fj.Severity]
		}
		if fi.Line != fj.Line {
			return fi.Line < fj.Line
		}
		return firstFrame(fi.Frames) < firstFrame(fj.Frames)
	})
	for i := range out {
		if out[i].Frames == nil {
			out[i].Frames = []int{}
		}
	}
	return out
}

func firstFrame(f []int) int {
	if len(f) == 0 {
		return 0
	}
	return f[0]
}

// timeOrdered returns recs sorted by time (then frame). Decoders emit
// records as items complete, so a report made at a connection's end (an
// unanswered SYN) can follow later frames; windows need time order. The
// caller's slice is copied only when it is out of order.
func timeOrdered(recs []netcap.Record) []netcap.Record {
	less := func(x, y *netcap.Record) bool {
		if !x.Time.Equal(y.Time) {
			return x.Time.Before(y.Time)
		}
		return x.Frame < y.Frame
	}
	sorted := true
	for i := 1; i < len(recs); i++ {
		if less(&recs[i], &recs[i-1]) {
			sorted = false
			break
		}
	}
	if sorted {
		return recs
	}
	out := append([]netcap.Record(nil), recs...)
	sort.SliceStable(out, func(i, j int) bool { return less(&out[i], &out[j]) })
	return out
}

// connectKeys are the connect settings some dialects give in a configure
// command before the connect command (ESP-AT AT+MQTTUSERCFG, Luat
// AT+MCONFIG, SIMCom AT+CMQTTACCQ).
var connectKeys = []string{at.ArgClientID, at.ArgUsername, at.ArgPassword}

// effectiveConnectArgs returns the transactions with each connect
// command's arguments completed by the client id, username and password
// that earlier commands on the same connection index set, so every later
// step sees what the module was asked to send. The caller's log is not
// modified.
func effectiveConnectArgs(txs []at.Transaction) []at.Transaction {
	out := append([]at.Transaction(nil), txs...)
	set := map[string]map[string]string{} // connection index → key → value
	for i := range out {
		t := &out[i]
		idx := connIndex(t)
		if t.Op != at.OpConnect {
			if at.Refused(t.Final) {
				continue
			}
			for _, k := range connectKeys {
				if v, ok := t.Args[k]; ok {
					if set[idx] == nil {
						set[idx] = map[string]string{}
					}
					set[idx][k] = v
				}
			}
			continue
		}
		missing := false
		for _, k := range connectKeys {
			if _, ok := t.Args[k]; !ok && set[idx][k] != "" {
				missing = true
			}
		}
		if !missing {
			continue
		}
		merged := make(map[string]string, len(t.Args)+len(connectKeys))
		for k, v := range set[idx] {
			merged[k] = v
		}
		for k, v := range t.Args {
			merged[k] = v
		}
		t.Args = merged
	}
	return out
}
