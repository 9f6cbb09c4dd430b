package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/internal/term"
)

// At 80 and 120 columns no line of analyze, at or packets is wider than
// the terminal: every bundled session, serial log and capture.
func TestOutputFitsTerminal(t *testing.T) {
	var runs [][]string
	sessions, _ := filepath.Glob("../../pcaps/*")
	for _, d := range sessions {
		if !strings.HasSuffix(d, ".md") {
			runs = append(runs, []string{"analyze", d})
		}
	}
	logs, _ := filepath.Glob("../../decode/at/testdata/atlogs/*.txt")
	more, _ := filepath.Glob("../../decode/at/testdata/seriallogs/*.txt")
	for _, l := range append(logs, more...) {
		runs = append(runs, []string{"at", l}, []string{"analyze", "--serial", l})
	}
	caps, _ := filepath.Glob(captures + "*.pcap*")
	for _, c := range caps {
		runs = append(runs, []string{"packets", "--events", c})
	}
	if len(sessions) == 0 || len(logs) == 0 || len(caps) == 0 {
		t.Fatalf("samples missing: %d sessions, %d logs, %d captures", len(sessions), len(logs), len(caps))
	}
	for _, width := range []int{80, 120} {
		for _, args := range runs {
			var out, errw bytes.Buffer
			code := Run(args, Streams{In: strings.NewReader(""), Out: &out, Err: &errw, Term: term.Output{Width: width, Color: true}})
			if code == ExitUsage {
				t.Errorf("%v: exit %d: %s", args, code, errw.String())
				continue
			}
			checkWidth(t, strings.Join(args, " "), stripANSI(out.String()), width)
		}
	}
}

// stripANSI removes colour escapes (they take no columns).
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Severities are coloured on a terminal, never when piped.
func TestSeverityColour(t *testing.T) {
	args := []string{"analyze", "../../pcaps/ecmt-no-credentials"}
	var out, errw bytes.Buffer
	Run(args, Streams{In: strings.NewReader(""), Out: &out, Err: &errw, Term: term.Output{Width: 120, Color: true}})
	if !strings.Contains(out.String(), term.Red+"error") {
		t.Errorf("no red error on a colour terminal:\n%s", out.String())
	}
	out.Reset()
	Main(args, strings.NewReader(""), &out, &errw)
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("escape codes in piped output:\n%s", out.String())
	}
}

func TestVersionFlag(t *testing.T) {
	var out, errw bytes.Buffer
	if code := Main([]string{"--version"}, strings.NewReader(""), &out, &errw); code != ExitOK || !strings.HasPrefix(out.String(), "atmq ") {
		t.Errorf("exit %d, %q %q", code, out.String(), errw.String())
	}
}
