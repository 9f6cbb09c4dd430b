package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBusyLog writes n lines of a busy ECMT module's stamped log (the
// shape of bench/genlog).
func writeBusyLog(b *testing.B, n int) string {
	var sb strings.Builder
	lines, ms := 0, 0
	line := func(format string, a ...any) {
		fmt.Fprintf(&sb, "[2026-11-26 %02d:%02d:%02d.%03d] ", 4+ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
		fmt.Fprintf(&sb, format, a...)
		sb.WriteString("\r\n")
		ms += 7
		lines++
	}
	for seq := 0; lines < n; seq++ {
		id := seq%65535 + 1
		line(`AT+ECMTPUB=0,%d,1,0,"dev1/telemetry","{\"seq\":%d,\"t\":21.5}"`, id, seq)
		line("OK")
		line("+ECMTPUB: 0,%d,0", id)
		if seq%10 == 9 {
			line(`+ECMTRECV: 0,0,"dev/cmd","{\"set\":%d}"`, seq%1000)
		}
	}
	p := filepath.Join(b.TempDir(), "busy.log")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkAt prints a 100,000-line log as JSON and as a table (bench/at.sh
// measures a million lines with the binary).
func BenchmarkAt(b *testing.B) {
	p := writeBusyLog(b, 100_000)
	st, _ := os.Stat(p)
	for _, args := range [][]string{{"at", "--json", p}, {"at", p}} {
		b.Run(strings.Join(args[:len(args)-1], " "), func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				if code := Main(args, strings.NewReader(""), io.Discard, io.Discard); code != ExitOK {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
