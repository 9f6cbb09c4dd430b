package correlate

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// timeline merges the serial lanes (host→module commands, module→host
// answers and URCs) and the device's network records. Rows are ordered by
// the capture clock; serial rows without a usable time are anchored to
// their paired frames (a command just before its first frame, a result
// just after its last), so logs without timestamps read in causal order
// too.
func (a pairedEvidence) timeline() []Row {
	type keyed struct {
		Row
		key time.Time
		seq int
	}
	var rows []keyed
	seq := 0
	push := func(r Row, key time.Time) {
		seq++
		rows = append(rows, keyed{r, key, seq})
	}
	// Network rows: every record of the device's connections and every DNS
	// record paired with a command.
	for i := range a.recs {
		r := &a.recs[i]
		inDevice := r.Conn != 0 && a.device[r.Conn]
		if !inDevice && a.recTx[i] == 0 && a.recEv[i] == 0 {
			continue
		}
		push(Row{
			Time: r.Time, Lane: LaneNetwork, Tx: a.recTx[i], Event: a.recEv[i],
			Frame: r.Frame, Conn: r.Conn, FromClient: r.FromClient, Text: describeRecord(r),
		}, r.Time)
	}
	// Serial rows in line order.
	type serialRow struct {
		row          Row
		t            time.Time // serial time, zero if unknown
		anchor       time.Time // paired frame time used without a clock
		anchorBefore bool
	}
	var srows []serialRow
	for ti := range a.txs {
		t := &a.txs[ti]
		first, last := a.pairedSpan(a.txRecs[ti])
		cmd := t.Command
		if len(t.Payload) > 0 {
			cmd += " > " + shortPayload(t.Payload)
		}
		srows = append(srows, serialRow{Row{Lane: LaneHostToModule, Tx: ti + 1, Line: t.Line, Text: cmd}, t.Time, first, true})
		if t.Final != "" {
			text := t.Final
			if len(t.Responses) > 0 {
				text = strings.Join(t.Responses, " ") + " " + t.Final
			}
			line := t.FinalLine
			if line == 0 {
				line = t.Line
			}
			anchor := time.Time{}
			if t.Result == "" {
				anchor = last
			}
			srows = append(srows, serialRow{Row{Lane: LaneModuleToHost, Tx: ti + 1, Line: line, Text: text}, t.FinalTime, anchor, false})
		}
		if t.Result != "" {
			srows = append(srows, serialRow{Row{Lane: LaneModuleToHost, Tx: ti + 1, Line: t.ResultLine, Text: t.Result}, t.ResultTime, last, false})
		}
	}
	for j := range a.evs {
		e := &a.evs[j]
		_, last := a.pairedSpan(a.evRecs[j])
		srows = append(srows, serialRow{Row{Lane: LaneModuleToHost, Event: j + 1, Line: e.Line, Text: e.Text}, e.Time, last, false})
	}
	slices.SortStableFunc(srows, func(x, y serialRow) int { return cmp.Compare(x.row.Line, y.row.Line) })
	// Keys: the serial time on the capture clock, clamped so a command
	// sits before its first frame and a result after its last (timestamp
	// resolution and the offset's spread can invert them by a few ms);
	// rows without a time take their anchor or follow the previous row.
	keys := make([]time.Time, len(srows))
	var prev time.Time
	for i := range srows {
		s := &srows[i]
		key := time.Time{}
		if ct, ok := a.toCapture(s.t); ok {
			key = ct
			s.row.Time = ct
			if !s.anchor.IsZero() {
				if s.anchorBefore && !key.Before(s.anchor) {
					key = s.anchor.Add(-time.Nanosecond)
				} else if !s.anchorBefore && !key.After(s.anchor) {
					key = s.anchor.Add(time.Nanosecond)
				}
			}
		} else if !s.anchor.IsZero() {
			if s.anchorBefore {
				key = s.anchor.Add(-time.Nanosecond)
			} else {
				key = s.anchor.Add(time.Nanosecond)
			}
		}
		if key.IsZero() || (!a.timed && key.Before(prev)) {
			key = prev // keep the log's own order
		}
		keys[i] = key
		prev = key
	}
	// The log's order is the truth for serial rows: a row never sorts
	// after the row that follows it in the log.
	for i := len(keys) - 2; i >= 0; i-- {
		if keys[i].After(keys[i+1]) {
			keys[i] = keys[i+1]
		}
	}
	for i := range srows {
		push(srows[i].row, keys[i])
	}
	// seq makes the order total, so an unstable sort is deterministic.
	slices.SortFunc(rows, func(x, y keyed) int {
		if c := x.key.Compare(y.key); c != 0 {
			return c
		}
		// Same instant: serial before network for commands, log order
		// otherwise.
		return cmp.Compare(x.seq, y.seq)
	})
	out := make([]Row, len(rows))
	for i := range rows {
		out[i] = rows[i].Row
	}
	return out
}

// pairedSpan returns the times of the first and last paired records.
func (a *captureIndex) pairedSpan(idx []int) (first, last time.Time) {
	for _, i := range idx {
		t := a.recs[i].Time
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return first, last
}
