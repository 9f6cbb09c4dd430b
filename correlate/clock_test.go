package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
)

// The clock explanation names only the kinds of content the estimate
// used, with counts, and calls a whole-hour offset a time-zone step.
func TestClockExplanationListsKindsUsed(t *testing.T) {
	l := newLog(8 * time.Hour)
	b := &capBuilder{}
	l.connect(1, 1.08, "dev1", "", "", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	l.event(3, `+ECMTRECV: 0,0,"dev1/cmd",on`, at.OpReceive, args(at.ArgTopic, "dev1/cmd"), "on")
	b.pkt(2.98, devConn, false, publish("dev1/cmd", "on", 0, 0))
	res := Analyze(&l.log, b.recs, Options{})
	if res.Clock.Method != "content" {
		t.Fatalf("clock %+v", res.Clock)
	}
	want := "median of 3 content matches (1 CONNECT and 1 CONNACK by client id; 1 received PUBLISH by topic and payload)"
	if !strings.Contains(res.Clock.Explanation, want) {
		t.Errorf("explanation %q lacks %q", res.Clock.Explanation, want)
	}
	for _, unused := range []string{"SUBSCRIBE", "PUBLISH topic", "SYN"} {
		if strings.Contains(res.Clock.Explanation, unused) {
			t.Errorf("explanation names %s, which no match used: %q", unused, res.Clock.Explanation)
		}
	}
	if !strings.Contains(res.Clock.Explanation, "time-zone step, not drift: the serial log keeps UTC+8 time") {
		t.Errorf("8 h offset not called a time-zone step: %q", res.Clock.Explanation)
	}
}

// Clocks that agree are said to agree, not to be "0s behind".
func TestClockRelationWording(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-300 * time.Microsecond: "serial clock agrees with the capture's (to the millisecond)",
		3012 * time.Millisecond: "serial clock is 3.012s ahead of the capture's",
		-8 * time.Hour:          "serial clock is 8h0m0s behind the capture's",
	} {
		if got := clockRelation(d); got != want {
			t.Errorf("clockRelation(%v) = %q, want %q", d, got, want)
		}
	}
	if got := zoneNote(-8 * time.Hour); got != "; a whole time-zone step, not drift: the serial log keeps UTC-8 time if the capture keeps UTC" {
		t.Errorf("zoneNote(-8h) = %q", got)
	}
	if got := zoneNote(5*time.Hour + 30*time.Minute); !strings.Contains(got, "UTC+5:30") {
		t.Errorf("zoneNote(5h30m) = %q", got)
	}
	if got := zoneNote(3 * time.Second); got != "" {
		t.Errorf("drift called a time-zone step: %q", got)
	}
}
