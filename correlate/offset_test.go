package correlate

import (
	"math/rand"
	"testing"
	"time"
)

// synthMatches builds n true matches at the given offset with latency
// jitter up to ±jitter, plus wrong matches (another client's identical
// content) at random offsets.
func synthMatches(rng *rand.Rand, n int, offset, jitter time.Duration, outliers int) []clockMatch {
	var ms []clockMatch
	for i := 0; i < n; i++ {
		capT := capStart.Add(time.Duration(i) * 7 * time.Second)
		j := time.Duration(rng.Int63n(int64(2*jitter+1))) - jitter
		ms = append(ms, clockMatch{Serial: capT.Add(offset + j), Capture: capT, Key: i, Weight: 2})
	}
	for k := 0; k < outliers; k++ {
		key := rng.Intn(n)
		wrong := time.Duration(rng.Int63n(int64(20*time.Hour))) - 10*time.Hour
		capT := capStart.Add(time.Duration(key) * 7 * time.Second)
		ms = append(ms, clockMatch{Serial: capT.Add(wrong), Capture: capT, Key: key, Weight: 2})
	}
	return ms
}

func TestEstimateOffsetWithOutliers(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, off := range []time.Duration{0, 3 * time.Second, -3 * time.Second, 8 * time.Hour, -8 * time.Hour, 90 * time.Minute} {
		for _, outliers := range []int{0, 3, 9} {
			ms := synthMatches(rng, 10, off, 80*time.Millisecond, outliers)
			est, ok := estimateOffset(ms)
			if !ok {
				t.Fatalf("offset %v: no estimate", off)
			}
			if d := absDur(est.Offset - off); d > 80*time.Millisecond {
				t.Errorf("offset %v, %d outliers: got %v", off, outliers, est.Offset)
			}
			if est.Matches != 10 {
				t.Errorf("offset %v, %d outliers: %d matches accepted, want 10", off, outliers, est.Matches)
			}
			if est.Outliers != outliers {
				t.Errorf("offset %v: %d outliers reported, want %d", off, est.Outliers, outliers)
			}
			if est.Spread > 160*time.Millisecond { // deviation from the median: up to twice the jitter
				t.Errorf("spread %v beyond the jitter", est.Spread)
			}
		}
	}
}

// A wrong cluster may hold more raw matches (one packet matching many
// commands' content) but fewer distinct serial items: items vote once.
func TestEstimateOffsetCountsItemsOnce(t *testing.T) {
	var ms []clockMatch
	for i := 0; i < 4; i++ {
		capT := capStart.Add(time.Duration(i) * time.Minute)
		ms = append(ms, clockMatch{Serial: capT.Add(5 * time.Second), Capture: capT, Key: i, Weight: 1})
	}
	// One serial item matched by six packets, all at about the same
	// wrong offset (a payload repeated in a burst).
	for k := 0; k < 6; k++ {
		capT := capStart.Add(time.Hour + time.Duration(k)*100*time.Millisecond)
		ms = append(ms, clockMatch{Serial: capStart.Add(2 * time.Minute), Capture: capT, Key: 9, Weight: 1})
	}
	est, _ := estimateOffset(ms)
	if absDur(est.Offset-5*time.Second) > time.Millisecond {
		t.Errorf("got %v, want 5s", est.Offset)
	}
}

func TestEstimateOffsetEmpty(t *testing.T) {
	if _, ok := estimateOffset(nil); ok {
		t.Error("estimate from nothing")
	}
	if _, ok := estimateOffset([]clockMatch{{Capture: capStart, Key: 1}}); ok {
		t.Error("estimate from a match without serial time")
	}
}

func BenchmarkEstimateOffset(b *testing.B) {
	rng := rand.New(rand.NewSource(2))
	ms := synthMatches(rng, 2000, 8*time.Hour, 100*time.Millisecond, 500)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		estimateOffset(ms)
	}
}

// Two offsets fit equally (a client id used by two connections, nothing
// else matched): the one nearest a whole quarter hour wins, then the
// smaller one, and the estimate says it was ambiguous.
func TestEstimateOffsetTieBreak(t *testing.T) {
	pair := func(off time.Duration, key int) clockMatch {
		return clockMatch{Serial: capStart.Add(off), Capture: capStart, Key: key, Weight: 2}
	}
	for _, c := range []struct {
		a, b, want time.Duration
	}{
		{2 * time.Second, -7 * time.Second, 2 * time.Second},
		{8*time.Hour + 500*time.Millisecond, 3*time.Hour + 17*time.Minute, 8*time.Hour + 500*time.Millisecond},
		{-5*time.Hour - 30*time.Minute, 41 * time.Minute, -5*time.Hour - 30*time.Minute},
	} {
		est, ok := estimateOffset([]clockMatch{pair(c.a, 1), pair(c.b, 1), pair(c.a+10*time.Millisecond, 2), pair(c.b+10*time.Millisecond, 2)})
		if !ok || absDur(est.Offset-c.want) > 20*time.Millisecond || !est.Ambiguous {
			t.Errorf("%v vs %v: got %v ambiguous=%v, want %v", c.a, c.b, est.Offset, est.Ambiguous, c.want)
		}
	}
	est, _ := estimateOffset([]clockMatch{pair(3*time.Second, 1), pair(3*time.Second, 2), pair(-7*time.Second, 1)})
	if est.Ambiguous || absDur(est.Offset-3*time.Second) > time.Millisecond {
		t.Errorf("a clear winner: %+v", est)
	}
}
