package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
)

// The live view: what `atmq live` prints while a session runs, and its
// closing summary.

// update re-analyses what was captured so far and prints the timeline
// rows and findings not shown yet. final flushes the network decoder
// first (connections still open are decoded to their end).
func (st *liveState) update(final bool) {
	st.mu.Lock()
	if final {
		st.dec.Flush()
		st.changed = true
	}
	if !st.changed {
		st.mu.Unlock()
		return
	}
	st.changed = false
	n := len(st.chunks)
	if !final {
		n = completeChunks(st.chunks, time.Now())
		if n < len(st.chunks) {
			st.changed = true // look again next tick: the rest may come, or the hold-back end
		}
	}
	chunks := append([]record.SerialChunk(nil), st.chunks[:n]...)
	recs := append([]netcap.Record(nil), st.recs...)
	st.mu.Unlock()

	var log *at.Log
	if len(chunks) > 0 {
		l, err := at.ReadChunks(chunks, at.Options{Format: "atmq", Dialect: st.opts.Dialect})
		if err == nil {
			log = l
		}
	}
	opts := correlate.Options{ClientID: st.opts.ClientID, Redact: st.opts.Redact}
	if st.opts.Iface == "" && st.opts.PcapFollow == "" {
		// Serial only: nothing to estimate a clock offset from, but the
		// chunks' own stamps are right, so rows show their times.
		var zero time.Duration
		opts.ClockOffset = &zero
	}
	res := correlate.Analyze(log, recs, opts)
	st.show(res)
}

// show prints the rows and findings of res not shown yet, and those whose
// text changed since, marked "updated". A row is identified by its frame
// (network) or its lane and serial line (serial), a finding by its code,
// serial line and first frame — never by the pairing, which may change as
// more arrives — plus its rank among those alike, so that several rows of
// one frame or one line stay apart.
func (st *liveState) show(res *correlate.Result) {
	st.last = res
	seen := map[string]int{}
	identity := func(key string) string {
		seen[key]++
		return fmt.Sprintf("%s|%d", key, seen[key])
	}
	for _, r := range res.Timeline {
		var key string
		if r.Frame > 0 {
			key = identity(fmt.Sprintf("r|#%d", r.Frame))
		} else {
			key = identity(fmt.Sprintf("r|%s|L%d", r.Lane, r.Line))
		}
		shown, ok := st.printed[key]
		if ok && shown == r.Text {
			continue
		}
		st.printed[key] = r.Text
		if ok {
			fmt.Fprintln(st.out, formatLiveRow(r)+"  (updated)")
		} else {
			fmt.Fprintln(st.out, formatLiveRow(r))
		}
	}
	for _, f := range res.Findings {
		first := 0
		if len(f.Frames) > 0 {
			first = f.Frames[0]
		}
		key := identity(fmt.Sprintf("f|%s|%d|%d", f.Code, f.Line, first))
		text := f.Summary + "\x00" + f.Fix
		shown, ok := st.printed[key]
		if ok && shown == text {
			continue // the same finding, perhaps with more frames: nothing new to say
		}
		st.printed[key] = text
		where := ""
		if f.Line > 0 {
			where = fmt.Sprintf(" (serial line %d)", f.Line)
		}
		updated := ""
		if ok {
			updated = " updated"
		}
		fmt.Fprintf(st.out, "!! %s %s%s%s: %s\n   fix: %s\n", strings.ToUpper(f.Severity), f.Code, updated, where, f.Summary, f.Fix)
	}
}

func formatLiveRow(r correlate.Row) string {
	ts := "            "
	if !r.Time.IsZero() {
		ts = r.Time.Local().Format("15:04:05.000")
	}
	tag := "     "
	switch {
	case r.Tx > 0:
		tag = fmt.Sprintf("T%-4d", r.Tx)
	case r.Event > 0:
		tag = fmt.Sprintf("E%-4d", r.Event)
	}
	where := ""
	switch {
	case r.Frame > 0:
		where = fmt.Sprintf("#%d", r.Frame)
	case r.Line > 0:
		where = fmt.Sprintf("L%d", r.Line)
	}
	return fmt.Sprintf("%s %s %-11s %-6s %s", ts, tag, r.Lane, where, r.Text)
}

// summary prints what was recorded and found, on stderr so that stdout
// stays the timeline.
func (st *liveState) summary(w io.Writer, sess *capture.Session, start time.Time) {
	st.mu.Lock()
	nChunks, nRecs, netErr := len(st.chunks), len(st.recs), st.netErr
	st.mu.Unlock()
	stats := st.dec.Stats()
	saved := sess.Info() // what the files hold, which a failure can make less than what was seen
	fmt.Fprintf(w, "atmq: session %s: %s, %d frames (%d saved), %d MQTT packets/events, %d serial chunks (%d saved)\n",
		sess.Dir(), time.Since(start).Round(time.Millisecond), stats.Frames, saved.Frames, nRecs, nChunks, saved.Chunks)
	for _, e := range netErr {
		fmt.Fprintf(w, "atmq: network: %s\n", e)
	}
	if res := st.last; res != nil {
		counts := map[string]int{}
		for _, f := range res.Findings {
			counts[f.Severity]++
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := []string{}
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
		if len(parts) == 0 {
			parts = append(parts, "no findings")
		}
		fmt.Fprintf(w, "atmq: findings: %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "atmq: analyse again with: atmq analyze %s\n", filepath.Clean(sess.Dir()))
}
