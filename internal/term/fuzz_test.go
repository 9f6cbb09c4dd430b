package term

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTable streams rows of long and binary cells through a table: no
// line is wider than the terminal, no control byte reaches it, and the
// cut keeps valid UTF-8. Crashers are kept under testdata/fuzz/FuzzTable.
func FuzzTable(f *testing.F) {
	f.Add("hello world", strings.Repeat("B", 5000), uint8(80), uint16(100))
	f.Add("\x1b]0;pwned\x07\x00\xff", "中文字 e\u0301 \u200b", uint8(20), uint16(3))
	f.Fuzz(func(t *testing.T, a, b string, width uint8, cut uint16) {
		w := int(width)
		out := Output{Width: w}
		cols := []Column{{Header: "a", Min: 3}, {Header: "b", Max: 56, Min: 4, Weight: 2}, {Header: "c", Min: 2}}
		rows := [][]string{{Clean(Cut(a, int(cut)+1)), Clean(Cut(b, 300)), "x"}, {"1", Clean(a + b), ""}}
		for _, style := range []Style{Boxed, Plain} {
			var buf bytes.Buffer
			tb := NewTable(&buf, cols, NaturalWidths(3, rows), style, out)
			tb.Header()
			for _, r := range rows {
				if err := tb.Row(r...); err != nil {
					t.Fatal(err)
				}
			}
			tb.Close()
			s := buf.String()
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 out")
			}
			for _, l := range strings.Split(s, "\n") {
				for i := 0; i < len(l); i++ {
					if l[i] < 0x20 {
						t.Fatalf("control byte %#x printed: %q", l[i], l)
					}
				}
				if w >= 20 && Width(l) > w {
					t.Fatalf("width %d: line of %d columns: %q", w, Width(l), l)
				}
			}
		}
		if c := Cut(a, int(cut)+1); utf8.ValidString(a) && !utf8.ValidString(c) {
			t.Fatalf("Cut broke UTF-8: %q", c)
		}
	})
}
