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
)

// The live view: what `atmq live` prints while a session runs, and its
// closing summary.

// update brings the view up to date with what the session has: the
// rows and findings not shown yet. final flushes the network decoder
// first (connections still open are decoded to their end) and ends the
// serial stream.
func (st *liveState) update(final bool) {
	var res *correlate.Result
	if final {
		st.mu.Lock()
		st.dec.Flush()
		st.mu.Unlock()
		res = st.sess.Close()
	} else {
		if !st.sess.Changed() {
			return
		}
		res = st.sess.Result()
	}
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
	onView := map[string]bool{}
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
		onView[key] = true
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
		onView[key] = true
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
		fmt.Fprintf(st.out, "!! %s %s%s%s: %s\n   fix: %s\n", strings.ToUpper(f.Severity.String()), f.Code, updated, where, f.Summary, f.Fix)
	}
	// Rows the session settled never come back: forget them, so the
	// view's memory follows the window, not the session.
	for key := range st.printed {
		if !onView[key] {
			delete(st.printed, key)
		}
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
	nChunks, nRecs, netErr := st.chunks, st.records, st.netErr
	stats := st.dec.Stats()
	st.mu.Unlock()
	saved := sess.Info() // what the files hold, which a failure can make less than what was seen
	fmt.Fprintf(w, "atmq: session %s: %s, %d frames (%d saved), %d MQTT packets/events, %d serial chunks (%d saved)\n",
		sess.Dir(), time.Since(start).Round(time.Millisecond), stats.Frames, saved.Frames, nRecs, nChunks, saved.Chunks)
	for _, e := range netErr {
		fmt.Fprintf(w, "atmq: network: %s\n", e)
	}
	if res := st.last; res != nil {
		counts := map[string]int{}
		for _, f := range res.Findings {
			counts[f.Severity.String()]++
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
