package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/internal/term"
)

// Rows past the lookahead stream through the layout the first rows fixed:
// every row printed, none wider than the terminal.
func TestAtTableStreamsPastLookahead(t *testing.T) {
	var b strings.Builder
	n := 3 * atLookahead
	for i := 0; i < n; i++ {
		b.WriteString("AT+ECMTPUB=0,1,1,0,\"t\",\"" + strings.Repeat("p", i%90) + "\"\r\nOK\r\n")
	}
	log, err := at.ReadLog(strings.NewReader(b.String()), at.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := writeAtTable(&out, log, term.Output{Width: 80}); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(out.String(), "\n") {
		if term.Width(l) > 80 {
			t.Fatalf("line wider than 80: %q", l)
		}
		if strings.Contains(l, "AT+ECMTPUB") {
			rows++
		}
	}
	if rows != n || !strings.Contains(out.String(), fmt.Sprintf("%d commands", n)) {
		t.Errorf("%d rows with a command, want %d\n%.400s", rows, n, out.String())
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
