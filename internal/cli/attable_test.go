package cli

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrapCell(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  string
	}{
		{"ok", 10, "ok"},
		{"", 10, ""},
		{"network opened (TCP/TLS up; no MQTT packet yet)", 20, "network opened|(TCP/TLS up; no MQTT|packet yet)"},
		{"a\nb  c", 10, "a|b c"},
		{strings.Repeat("x", 25), 10, "xxxxxxxxxx|xxxxxxxxxx|xxxxx"},
		{"ab " + strings.Repeat("é", 12), 10, "ab|éééééééééé|éé"},
	} {
		got := wrapCell(nil, c.text, c.width)
		if strings.Join(got, "|") != c.want {
			t.Errorf("%q/%d: %q, want %q", c.text, c.width, got, c.want)
		}
		for _, l := range got {
			if utf8.RuneCountInString(l) > c.width {
				t.Errorf("%q wider than %d", l, c.width)
			}
		}
	}
}

// A 100,000-character word in a cell is cut into lines, never a hang.
func TestAtTableLongWord(t *testing.T) {
	p := t.TempDir() + "/big.txt"
	writeText(t, p, "AT+ECMTPUB=0,1,1,0,\"t\", "+strings.Repeat("A", 100000)+"\r\nOK\r\n+ECMTRECV: 0,0,\"t\","+strings.Repeat("B", 100000)+"\r\n")
	code, out, errs := runMain("at", p)
	if code == ExitUsage || !strings.Contains(out, "ECMTPUB") || !strings.Contains(out, "(event) +ECMTRECV") {
		t.Errorf("exit %d\n%.500s\n%s", code, out, errs)
	}
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
