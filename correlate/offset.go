package correlate

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// clockMatch is one content match between a serial item (command or URC)
// and a capture item (packet): the same client id, packet id and filter,
// topic and payload seen on both sides.
type clockMatch struct {
	Serial  time.Time // serial-clock time of the command or URC
	Capture time.Time // capture-clock time of the packet
	// Key identifies the serial item: a serial item matched by several
	// packets (a client id reused by another connection, a payload
	// published twice) contributes at most one accepted match.
	Key int
	// Weight says how specific the content is (a CONNECT with matching
	// credentials beats a bare topic).
	Weight float64
	// Rec is the capture record matched (index into the records).
	Rec int
}

func (m clockMatch) offset() time.Duration { return m.Serial.Sub(m.Capture) }

// offsetEstimate is the outcome of estimateOffset.
type offsetEstimate struct {
	Offset   time.Duration
	Spread   time.Duration // largest deviation of an accepted match
	Matches  int           // serial items whose match was accepted
	Outliers int           // candidate matches rejected
	Accepted []clockMatch
	// Ambiguous says another offset, disjoint from this one, fits the
	// content equally well; the choice fell to the time-zone prior.
	Ambiguous bool
}

// clusterWindow bounds how far apart two matches' offsets may be and still
// count as agreeing: module latency (a CONNECT leaves the module tens of
// milliseconds to a few seconds after the command) plus timestamp
// resolution of terminal programs (SSCOM: 1 ms, some: 1 s).
const clusterWindow = 2 * time.Second

// estimateOffset finds the serial-minus-capture offset most matches agree
// on. Each match votes for its own offset; the densest cluster (by summed
// weight of distinct serial items within clusterWindow) wins, which
// rejects wrong matches however far off they are (another client's
// identical payload an hour later, a client id taken over). The offset is
// the median of the accepted matches, so a single slow command does not
// pull it. Offsets of any size work: seconds of drift and hours of time
// zone alike.
func estimateOffset(ms []clockMatch) (offsetEstimate, bool) {
	var valid []clockMatch
	for _, m := range ms {
		if !m.Serial.IsZero() && !m.Capture.IsZero() {
			if m.Weight <= 0 {
				m.Weight = 1
			}
			valid = append(valid, m)
		}
	}
	if len(valid) == 0 {
		return offsetEstimate{}, false
	}
	slices.SortStableFunc(valid, func(x, y clockMatch) int { return cmp.Compare(x.offset(), y.offset()) })

	// Sliding window over the sorted offsets: every window starting at a
	// match is a candidate cluster. The window's score is kept up to date
	// as matches enter and leave, so the sweep is linear.
	type window struct {
		lo, hi int
		score  float64
	}
	var wins []window
	bestScore := -1.0
	w := newWindowScore()
	hi := -1
	for lo := range valid {
		if hi < lo {
			hi = lo
			w.add(valid[lo])
		}
		for hi+1 < len(valid) && valid[hi+1].offset()-valid[lo].offset() <= clusterWindow {
			hi++
			w.add(valid[hi])
		}
		wins = append(wins, window{lo, hi, w.score})
		bestScore = max(bestScore, w.score)
		w.remove(valid[lo])
	}
	// Among the best-scoring windows prefer, in order: the offset nearest
	// a whole number of quarter hours (clocks differ by time zones plus a
	// drift of seconds), the smallest offset, the tightest window. A
	// best-scoring window disjoint from the chosen one is a rival: the
	// content fits two offsets equally well.
	best := -1
	better := func(x, y window) bool {
		cx, cy := medianOffset(valid[x.lo:x.hi+1]), medianOffset(valid[y.lo:y.hi+1])
		if px, py := zonePenalty(cx), zonePenalty(cy); px != py {
			return px < py
		}
		if absDur(cx) != absDur(cy) {
			return absDur(cx) < absDur(cy)
		}
		return valid[x.hi].offset()-valid[x.lo].offset() < valid[y.hi].offset()-valid[y.lo].offset()
	}
	for i, win := range wins {
		if win.score == bestScore && (best < 0 || better(win, wins[best])) {
			best = i
		}
	}
	bestLo, bestHi := wins[best].lo, wins[best].hi
	rival := false
	for _, win := range wins {
		if win.score == bestScore && (win.lo > bestHi || win.hi < bestLo) {
			rival = true
		}
	}
	cluster := valid[bestLo : bestHi+1]
	center := medianOffset(cluster)
	// Keep, per serial item, the match closest to the cluster's center.
	byKey := map[int]clockMatch{}
	for _, m := range cluster {
		if old, ok := byKey[m.Key]; !ok || absDur(m.offset()-center) < absDur(old.offset()-center) {
			byKey[m.Key] = m
		}
	}
	accepted := make([]clockMatch, 0, len(byKey))
	for _, m := range byKey {
		accepted = append(accepted, m)
	}
	sort.Slice(accepted, func(i, j int) bool { return accepted[i].offset() < accepted[j].offset() })
	est := offsetEstimate{Offset: medianOffset(accepted), Matches: len(accepted), Accepted: accepted}
	for _, m := range accepted {
		if d := absDur(m.offset() - est.Offset); d > est.Spread {
			est.Spread = d
		}
	}
	est.Outliers = len(valid) - len(accepted)
	est.Ambiguous = rival
	return est, true
}

// zonePenalty is how far an offset is from a whole number of quarter
// hours, rounded to 2 s steps so matches' jitter does not decide.
func zonePenalty(d time.Duration) time.Duration {
	const q = 15 * time.Minute
	r := absDur(d) % q
	if q-r < r {
		r = q - r
	}
	return r / clusterWindow
}

// windowScore sums, over the distinct serial items in a window, the best
// weight each has there.
type windowScore struct {
	weights map[int]map[float64]int // key → weight → count in window
	best    map[int]float64
	score   float64
}

func newWindowScore() *windowScore {
	return &windowScore{weights: map[int]map[float64]int{}, best: map[int]float64{}}
}

func (w *windowScore) add(m clockMatch) {
	ws := w.weights[m.Key]
	if ws == nil {
		ws = map[float64]int{}
		w.weights[m.Key] = ws
	}
	ws[m.Weight]++
	w.rescore(m.Key)
}

func (w *windowScore) remove(m clockMatch) {
	ws := w.weights[m.Key]
	if ws[m.Weight]--; ws[m.Weight] <= 0 {
		delete(ws, m.Weight)
	}
	if len(ws) == 0 {
		delete(w.weights, m.Key)
	}
	w.rescore(m.Key)
}

// rescore updates the score for one key; a key has few distinct weights.
func (w *windowScore) rescore(key int) {
	w.score -= w.best[key]
	best := 0.0
	for wt := range w.weights[key] {
		best = max(best, wt)
	}
	if best == 0 {
		delete(w.best, key)
	} else {
		w.best[key] = best
	}
	w.score += best
}

// medianOffset returns the median offset of ms, which must be sorted by
// offset and non-empty.
func medianOffset(ms []clockMatch) time.Duration {
	n := len(ms)
	if n%2 == 1 {
		return ms[n/2].offset()
	}
	return ms[n/2-1].offset() + (ms[n/2].offset()-ms[n/2-1].offset())/2
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
