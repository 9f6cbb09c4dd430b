package correlate

import (
	"fmt"
	"time"
)

// A --clock-offset that the content contradicts (the wrong sign of a time
// zone, a zone given twice) leaves every command off its packets and
// shows as not-on-wire warnings. The content matches are still there to
// say where the log sits: the offset is used as given, and a hint names
// the one the matches point to.

// givenOffsetHint checks the --clock-offset against the content matches;
// it says whether they contradict it.
func (a timedEvidence) givenOffsetHint() {
	if !a.timed || len(a.recs) == 0 {
		return
	}
	est, ok := estimateOffset(a.clockMatches())
	if !ok || est.Matches < 2 {
		return
	}
	weak := true
	for _, m := range est.Accepted {
		weak = weak && m.Weight < 1
	}
	if weak {
		return // SYNs by host and port alone do not contradict a given offset
	}
	diff := est.Offset - a.offset
	if diff < 0 {
		diff = -diff
	}
	if diff <= clusterWindow {
		return
	}
	hint := fmt.Sprintf("the content matches point to %s instead (%d matches, spread ±%s): %s",
		signedSeconds(est.Offset), est.Matches, est.Spread.Round(time.Millisecond), clockRelation(est.Offset))
	a.clock.Explanation += "; " + hint
	a.clockFindings = append(a.clockFindings, Finding{
		Code: CodeClockOffset, Severity: SeverityWarning,
		Summary: fmt.Sprintf("--clock-offset %s contradicts the content: the matches point to %s", signedSeconds(a.offset), signedSeconds(est.Offset)),
		Explanation: fmt.Sprintf("%d commands and URCs match packets by content (client id, packet id and filter, topic and payload) at an offset of %s, not %s; "+
			"commands placed with the given offset miss their packets (not-on-wire)", est.Matches, signedSeconds(est.Offset), signedSeconds(a.offset)),
		Fix: fmt.Sprintf("--clock-offset %s (check the sign: offset = serial − capture), or leave it out to let atmq estimate it", signedSeconds(est.Offset)),
	})
}

// CodeClockOffset: the given --clock-offset contradicts the content matches.
const CodeClockOffset = "clock-offset"

func signedSeconds(d time.Duration) string {
	return fmt.Sprintf("%+gs", d.Round(time.Millisecond).Seconds())
}
