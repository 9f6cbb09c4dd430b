package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/internal/term"
)

// FuzzWriters renders results whose texts are very long or binary in
// every writer: none may hang, grow without bound, or (at a terminal
// width) print a line wider than the terminal. Crashers are kept under
// testdata/fuzz/FuzzWriters.
func FuzzWriters(f *testing.F) {
	f.Add("AT+ECMTPUB=0,1,1,0,\"t\",\"hello\"", "+ECMTRECV: 0,0,\"t\",\"x\"", "connack-refused", "fix it", uint8(80))
	f.Add(strings.Repeat("A", 70000), strings.Repeat("中", 3000), "code", strings.Repeat("word ", 3000), uint8(40))
	f.Add("\x1b[31m\x00\xff\xfe\r\n\t", "\u200b\u0301e\u0301", "c\x00de", "\x7f\x80\x9f", uint8(1))
	f.Fuzz(func(t *testing.T, cmd, urc, code, fix string, width uint8) {
		t0 := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
		res := &correlate.Result{
			Device: correlate.Device{ClientID: urc, Reason: cmd + " " + fix},
			Clock:  correlate.Clock{Method: "content", Explanation: fix},
			Timeline: []correlate.Row{
				{Time: t0, Lane: correlate.LaneHostToModule, Tx: 1, Line: 1, Text: cmd},
				{Time: t0, Lane: correlate.LaneNetwork, Tx: 1, Frame: 3, Conn: 1, FromClient: true, Text: "PUBLISH " + cmd},
				{Lane: correlate.LaneModuleToHost, Event: 1, Line: 2, Text: urc},
			},
			Findings: []correlate.Finding{{Code: code, Severity: "error", Line: 1, Frames: []int{3}, Summary: cmd, Explanation: urc, Fix: fix}},
		}
		in := len(cmd) + len(urc) + len(code) + len(fix)
		for _, w := range []int{0, int(width)} {
			var buf bytes.Buffer
			if err := TableFor(&buf, res, TableOptions{Width: w, Color: w%2 == 1}); err != nil {
				t.Fatal(err)
			}
			// Cut values bound the output whatever the input's size.
			if buf.Len() > 64<<10+4*in/10 && buf.Len() > 200<<10 {
				t.Fatalf("width %d: %d bytes out for %d in", w, buf.Len(), in)
			}
			if w >= 20 {
				for _, l := range strings.Split(stripEscapes(buf.String()), "\n") {
					if term.Width(l) > w {
						t.Fatalf("width %d: line of %d columns: %q", w, term.Width(l), l)
					}
				}
			}
		}
		var buf bytes.Buffer
		if err := Mermaid(&buf, res); err != nil {
			t.Fatal(err)
		}
		if buf.Len() > 16<<10 {
			t.Fatalf("mermaid: %d bytes", buf.Len())
		}
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n")[1:] {
			if !strings.HasPrefix(l, "    ") {
				t.Fatalf("a value broke a diagram line: %q", l)
			}
		}
		buf.Reset()
		if err := JSON(&buf, res); err != nil {
			t.Fatal(err)
		}
	})
}

func stripEscapes(s string) string {
	for _, c := range []string{term.Red, term.Yellow, term.Cyan, term.Bold, "\x1b[0m"} {
		s = strings.ReplaceAll(s, c, "")
	}
	return s
}
