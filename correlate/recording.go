package correlate

// An atmq live session stamps the serial chunks and the frames with the
// same host clock. When its log has nothing to match by content (a tap on
// the module's line only, with echo off: result URCs and no command),
// the log is still a serial log with the right times: offset 0.

// sameClockRecording places an atmq recording (format "atmq") at offset 0
// when content matching found nothing; it says whether it did.
func (a timedEvidence) sameClockRecording() bool {
	if a.log == nil || a.log.Format != "atmq" || a.log.TimeSource != "log" {
		return false
	}
	a.timed = true
	a.offset = 0
	a.clock.Method = "recording"
	a.clock.OffsetSeconds = 0
	a.clock.Explanation = "an atmq recording: the serial chunks and the frames carry the same host clock, so the offset is 0 " +
		"(nothing in the log matched a packet by content: it holds the module's side only)"
	return true
}
