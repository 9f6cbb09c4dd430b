package correlate

import (
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// How many connections a session keeps context for after their opening
// commands and packets are settled.
const maxContextConns = 32

// window is one analysis of a Session's window: the items it was run on,
// by the index Analyze numbered them with, and what of them is done
// (settled now or earlier, kept only as context).
type window struct {
	res  *Result
	txs  []*sessionTx
	evs  []*sessionEv
	done struct {
		txs, evs map[int]bool // window index → settled or context
		frames   map[int]bool
		lines    map[int]bool
		below    int // serial lines below this are done
	}
	now struct { // settled by this window
		txs, evs map[int]bool
		frames   map[int]bool
		below    int // serial lines in [done.below before, now.below) settled now
	}
}

// liveItems counts what the window analyses beyond context.
func (s *Session) liveItems() (serial, network int) {
	for _, x := range s.txs {
		if !x.context {
			serial++
		}
	}
	for _, x := range s.evs {
		if !x.context {
			serial++
		}
	}
	for _, r := range s.recs {
		if !r.context {
			network++
		}
	}
	return serial, network
}

// bound settles the oldest items once the window holds more than
// MaxItems.
func (s *Session) bound() {
	serial, network := s.liveItems()
	if serial+network <= s.opts.MaxItems {
		return
	}
	s.settle(s.analyzeWindow(), true)
}

// majorityDialect is the dialect most commands of the session used.
func (s *Session) majorityDialect() string {
	if s.opts.Serial.Dialect != "" {
		if d := at.LookupDialect(s.opts.Serial.Dialect); d != nil {
			return d.Name
		}
	}
	best, n := "", 0
	for _, name := range at.Dialects() {
		if c := s.dialects[name]; c > n {
			best, n = name, c
		}
	}
	return best
}

// analyzeWindow runs Analyze over the window.
func (s *Session) analyzeWindow() *window {
	w := &window{txs: append([]*sessionTx(nil), s.txs...), evs: append([]*sessionEv(nil), s.evs...)}
	var log *at.Log
	if s.serialSeen || len(s.txs) > 0 || len(s.evs) > 0 {
		log = &at.Log{Format: s.format, Dialect: s.majorityDialect(), TimeSource: s.timeSource,
			Transactions: make([]at.Transaction, 0, len(s.txs)), Events: make([]at.Event, 0, len(s.evs))}
		for _, x := range s.txs {
			log.Transactions = append(log.Transactions, *x.t)
		}
		for _, x := range s.evs {
			log.Events = append(log.Events, *x.e)
		}
	}
	recs := make([]netcap.Record, len(s.recs))
	for i, r := range s.recs {
		recs[i] = r.r
	}
	opts := s.opts.Options
	res := Analyze(log, recs, opts)
	if res.Clock.Method == "content" {
		c := res.Clock
		s.goodClock = &c
	} else if s.goodClock != nil && opts.ClockOffset == nil && log != nil && len(recs) > 0 && s.settledAny() {
		// The matches the offset was estimated from were settled: keep
		// the estimate rather than guess from what is left.
		off := time.Duration(s.goodClock.OffsetSeconds * float64(time.Second))
		opts.ClockOffset = &off
		res = Analyze(log, recs, opts)
		res.Clock = *s.goodClock
	}
	w.res = res
	w.done.txs, w.done.evs, w.done.frames, w.done.lines = map[int]bool{}, map[int]bool{}, map[int]bool{}, map[int]bool{}
	for i, x := range w.txs {
		if x.context {
			w.done.txs[i] = true
			markLines(w.done.lines, x.t.Line, x.t.FinalLine, x.t.ResultLine)
		}
	}
	for i, x := range w.evs {
		if x.context {
			w.done.evs[i] = true
			markLines(w.done.lines, x.e.Line)
		}
	}
	for _, r := range s.recs {
		if r.context {
			w.done.frames[r.r.Frame] = true
		}
	}
	w.done.below = s.doneBelow()
	w.now.txs, w.now.evs, w.now.frames = map[int]bool{}, map[int]bool{}, map[int]bool{}
	w.now.below = w.done.below
	return w
}

// settledAny says whether the session has settled anything yet.
func (s *Session) settledAny() bool {
	return s.kept != nil || s.findings.n > 0 || len(s.conns) > 0 ||
		(len(s.txs) > 0 && s.txs[0].n > 1) || (len(s.evs) > 0 && s.evs[0].n > 1)
}

// doneBelow is the first serial line still analysed for its own sake:
// every line below it belongs to settled items.
func (s *Session) doneBelow() int {
	below := 0
	for _, x := range s.txs {
		if !x.context {
			below = x.t.Line
			break
		}
	}
	for _, x := range s.evs {
		if !x.context {
			if below == 0 || x.e.Line < below {
				below = x.e.Line
			}
			break
		}
	}
	if below == 0 {
		// Nothing live: every line seen so far is done.
		return int(^uint(0) >> 1)
	}
	return below
}

func markLines(m map[int]bool, lines ...int) {
	for _, l := range lines {
		if l > 0 {
			m[l] = true
		}
	}
}

// lastTime is the latest time known of a transaction.
func lastTime(t *at.Transaction) time.Time {
	last := t.Time
	if t.FinalTime.After(last) {
		last = t.FinalTime
	}
	if t.ResultTime.After(last) {
		last = t.ResultTime
	}
	return last
}

// settle hands over what lies behind the window — older than Window on
// its side's clock, or, with force, the oldest items past a quarter of
// MaxItems — and drops it.
func (s *Session) settle(w *window, force bool) {
	var cutSerial, cutCapture time.Time
	if s.opts.Window > 0 {
		if !s.newestSerial.IsZero() {
			cutSerial = s.newestSerial.Add(-s.opts.Window)
		}
		if !s.newestCapture.IsZero() {
			cutCapture = s.newestCapture.Add(-s.opts.Window)
		}
	}
	serial, network := s.liveItems()
	keep := s.opts.MaxItems / 4
	serialCount, networkCount := 0, 0
	if force || serial+network > s.opts.MaxItems {
		serialCount, networkCount = max(serial-keep, 0), max(network-keep, 0)
	}
	if cutSerial.IsZero() && cutCapture.IsZero() && serialCount == 0 && networkCount == 0 {
		return
	}

	// Serial items: a prefix in line order, transactions and events
	// merged.
	ti, ei, taken := 0, 0, 0
	for {
		for ti < len(w.txs) && w.txs[ti].context {
			ti++
		}
		for ei < len(w.evs) && w.evs[ei].context {
			ei++
		}
		useTx := ti < len(w.txs) && (ei >= len(w.evs) || w.txs[ti].t.Line <= w.evs[ei].e.Line)
		var t time.Time
		switch {
		case useTx:
			t = lastTime(w.txs[ti].t)
		case ei < len(w.evs):
			t = w.evs[ei].e.Time
		default:
			t = time.Time{}
		}
		if ti >= len(w.txs) && ei >= len(w.evs) {
			break
		}
		byTime := !cutSerial.IsZero() && !t.IsZero() && t.Before(cutSerial)
		if !byTime && taken >= serialCount {
			break
		}
		taken++
		if useTx {
			w.now.txs[ti] = true
			for _, f := range w.res.Transactions[ti].Frames {
				w.now.frames[f] = true
			}
			ti++
		} else {
			w.now.evs[ei] = true
			for _, f := range w.res.Events[ei].Frames {
				w.now.frames[f] = true
			}
			ei++
		}
	}
	// Frames paired with items that stay must stay with them.
	pairedLive := map[int]bool{}
	for i := range w.txs {
		if !w.now.txs[i] && !w.done.txs[i] {
			for _, f := range w.res.Transactions[i].Frames {
				pairedLive[f] = true
			}
		}
	}
	for i := range w.evs {
		if !w.now.evs[i] && !w.done.evs[i] {
			for _, f := range w.res.Events[i].Frames {
				pairedLive[f] = true
			}
		}
	}
	live := 0
	for _, r := range s.recs {
		if r.context {
			continue
		}
		byTime := !cutCapture.IsZero() && r.r.Time.Before(cutCapture)
		if (byTime || live < networkCount) && !pairedLive[r.r.Frame] {
			w.now.frames[r.r.Frame] = true
		}
		live++
	}
	if len(w.now.txs) == 0 && len(w.now.evs) == 0 && len(w.now.frames) == 0 {
		return
	}
	s.handOver(w)
	s.drop(w)
	w.now.below = s.doneBelow()
}

// handOver writes (and with KeepSettled keeps) what w settles: its
// transactions, events, timeline rows and findings.
func (s *Session) handOver(w *window) {
	if s.opts.KeepSettled && s.kept == nil {
		s.kept = &Result{}
	}
	for i, x := range w.txs {
		if w.now.txs[i] {
			t := w.res.Transactions[i]
			s.writeSettled(SettledLine{N: x.n, Transaction: &t})
			if s.kept != nil {
				s.kept.Transactions = append(s.kept.Transactions, t)
			}
		}
	}
	for i, x := range w.evs {
		if w.now.evs[i] {
			e := w.res.Events[i]
			s.writeSettled(SettledLine{N: x.n, Event: &e})
			if s.kept != nil {
				s.kept.Events = append(s.kept.Events, e)
			}
		}
	}
	newBelow := int(^uint(0) >> 1)
	for i, x := range w.txs {
		if !w.now.txs[i] && !w.done.txs[i] {
			newBelow = min(newBelow, x.t.Line)
			break
		}
	}
	for i, x := range w.evs {
		if !w.now.evs[i] && !w.done.evs[i] {
			newBelow = min(newBelow, x.e.Line)
			break
		}
	}
	for _, row := range w.res.Timeline {
		if !w.settledNow(row, newBelow) {
			continue
		}
		r := w.number(row)
		s.writeSettled(SettledLine{Row: &r})
		if s.kept != nil {
			s.kept.Timeline = append(s.kept.Timeline, r)
		}
	}
	// Findings: every one that touches a settled line or frame is
	// remembered (the part still in the window is merged with it later).
	lines := map[int]bool{}
	for i, x := range w.txs {
		if w.now.txs[i] {
			markLines(lines, x.t.Line, x.t.FinalLine, x.t.ResultLine)
		}
	}
	for i, x := range w.evs {
		if w.now.evs[i] {
			markLines(lines, x.e.Line)
		}
	}
	for _, f := range w.res.Findings {
		if touches(f, lines, w.now.frames) || f.Line > 0 && f.Line < newBelow && f.Line >= w.done.below {
			if s.findings.add(f) {
				s.writeSettled(SettledLine{Finding: &f})
			}
		}
	}
	for _, c := range w.res.Device.Connections {
		s.addConn(c)
	}
}

// settledNow says whether a timeline row belongs to what w settles.
func (w *window) settledNow(row Row, newBelow int) bool {
	switch {
	case row.Tx > 0 && row.Tx <= len(w.txs):
		return w.now.txs[row.Tx-1]
	case row.Event > 0 && row.Event <= len(w.evs):
		return w.now.evs[row.Event-1]
	case row.Frame > 0:
		return w.now.frames[row.Frame]
	case row.Line > 0:
		return row.Line >= w.done.below && row.Line < newBelow
	}
	return false
}

// doneRow says whether a row belongs to what is settled, now or earlier.
func (w *window) doneRow(row Row) bool {
	switch {
	case row.Tx > 0 && row.Tx <= len(w.txs):
		return w.now.txs[row.Tx-1] || w.done.txs[row.Tx-1]
	case row.Event > 0 && row.Event <= len(w.evs):
		return w.now.evs[row.Event-1] || w.done.evs[row.Event-1]
	case row.Frame > 0:
		return w.now.frames[row.Frame] || w.done.frames[row.Frame]
	case row.Line > 0:
		return row.Line < w.now.below
	}
	return false
}

// number gives a row its transaction's and event's numbers in the session.
func (w *window) number(row Row) Row {
	if row.Tx > 0 && row.Tx <= len(w.txs) {
		row.Tx = w.txs[row.Tx-1].n
	}
	if row.Event > 0 && row.Event <= len(w.evs) {
		row.Event = w.evs[row.Event-1].n
	}
	return row
}

func touches(f Finding, lines, frames map[int]bool) bool {
	if lines[f.Line] {
		return true
	}
	for _, l := range f.Lines {
		if lines[l] {
			return true
		}
	}
	for _, fr := range f.Frames {
		if frames[fr] {
			return true
		}
	}
	return false
}

// drop removes what w settled from the window, keeping the commands and
// packets that opened a connection as context.
func (s *Session) drop(w *window) {
	settledTx := map[*sessionTx]bool{}
	for i, x := range w.txs {
		if w.now.txs[i] {
			settledTx[x] = true
		}
	}
	keptTx := s.txs[:0]
	for _, x := range s.txs {
		if settledTx[x] {
			if x.t.Op != at.OpOpen && x.t.Op != at.OpConnect {
				continue
			}
			x.context = true
		}
		keptTx = append(keptTx, x)
	}
	clear(s.txs[len(keptTx):])
	s.txs = pruneContextTx(keptTx)

	settledEv := map[*sessionEv]bool{}
	for i, x := range w.evs {
		if w.now.evs[i] {
			settledEv[x] = true
		}
	}
	keptEv := s.evs[:0]
	for _, x := range s.evs {
		if !settledEv[x] {
			keptEv = append(keptEv, x)
		}
	}
	clear(s.evs[len(keptEv):])
	s.evs = keptEv

	keptRec := s.recs[:0]
	for _, r := range s.recs {
		if !r.context && w.now.frames[r.r.Frame] {
			if !opensSession(r.r) {
				continue
			}
			r.context = true
		}
		keptRec = append(keptRec, r)
	}
	clear(s.recs[len(keptRec):])
	s.recs = pruneContextRecs(keptRec)
}

// opensSession: the handshake and the packets that say whose a
// connection is and how it was answered.
func opensSession(r netcap.Record) bool {
	return contextKind(r) != ""
}

// contextKind names what an opening record is ("" for the others).
func contextKind(r netcap.Record) string {
	switch {
	case r.Kind == netcap.KindPacket && r.Packet != nil && (r.Packet.Type == mqtt.CONNECT || r.Packet.Type == mqtt.CONNACK):
		return r.Packet.Type.String()
	case r.Kind == netcap.KindEvent && r.Event != nil && r.Conn > 0 && (r.Event.Type == netcap.EventSYN || r.Event.Type == netcap.EventSYNACK):
		return r.Event.Type
	}
	return ""
}

// pruneContextTx keeps, of the settled open and connect commands, the
// last one per operation and connection index, at most maxContextConns of
// each operation.
func pruneContextTx(txs []*sessionTx) []*sessionTx {
	type key struct {
		op   at.Op
		conn string
	}
	last := map[key]int{}
	for i, x := range txs {
		if x.context {
			last[key{x.t.Op, x.t.Args[at.ArgConn]}] = i
		}
	}
	perOp := map[at.Op]int{}
	keep := make([]bool, len(txs))
	for i := len(txs) - 1; i >= 0; i-- {
		x := txs[i]
		if !x.context {
			keep[i] = true
			continue
		}
		k := key{x.t.Op, x.t.Args[at.ArgConn]}
		if last[k] == i && perOp[x.t.Op] < maxContextConns {
			perOp[x.t.Op]++
			keep[i] = true
		}
	}
	out := txs[:0]
	for i, x := range txs {
		if keep[i] {
			out = append(out, x)
		}
	}
	clear(txs[len(out):])
	return out
}

// pruneContextRecs keeps the last SYN, SYN-ACK, CONNECT and CONNACK of the
// maxContextConns connections that had one last.
func pruneContextRecs(recs []sessionRec) []sessionRec {
	type key struct {
		conn int
		what string
	}
	seen := map[key]bool{}
	conns := map[int]bool{}
	keep := make([]bool, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if !r.context {
			keep[i] = true
			continue
		}
		k := key{r.r.Conn, contextKind(r.r)}
		if seen[k] {
			continue
		}
		if !conns[r.r.Conn] {
			if len(conns) >= maxContextConns {
				continue
			}
			conns[r.r.Conn] = true
		}
		seen[k] = true
		keep[i] = true
	}
	out := recs[:0]
	for i, r := range recs {
		if keep[i] {
			out = append(out, r)
		}
	}
	clear(recs[len(out):])
	return out
}
