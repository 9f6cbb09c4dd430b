package term

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutShowsLength(t *testing.T) {
	long := strings.Repeat("A", 100000)
	got := Cut(long, 80)
	if utf8.RuneCountInString(got) > 80 || !strings.HasSuffix(got, "… (100000 chars)") {
		t.Errorf("Cut: %q", got)
	}
	if Cut("short", 80) != "short" {
		t.Error("short value changed")
	}
	if got := Cut(strings.Repeat("é", 50), 10); !strings.HasPrefix(got, "é") || !utf8.ValidString(got) {
		t.Errorf("multi-byte cut: %q", got)
	}
}

func TestCleanControls(t *testing.T) {
	got := Clean("a\x1b[31mb\r\nc\x00\xffd\te")
	if got != "a␛[31mb⏎c␀�d e" {
		t.Errorf("Clean: %q", got)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  []string
	}{
		{"hello world", 20, []string{"hello world"}},
		{"hello world", 5, []string{"hello", "world"}},
		{"hello world foo", 11, []string{"hello world", "foo"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ab 中文字", 4, []string{"ab", "中文", "字"}},
		{"中", 1, []string{"…"}},
	} {
		got := Wrap(c.in, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
	// A 100,000-character word wraps in linear time into lines that fit.
	lines := Wrap(strings.Repeat("A", 100000), 56)
	if len(lines) != (100000+55)/56 {
		t.Errorf("%d lines", len(lines))
	}
}

func TestTableFitsWidth(t *testing.T) {
	cols := []Column{{Header: "time", Min: 5}, {Header: "text", Max: 60, Min: 8}, {Header: "notes", Min: 5}}
	rows := [][]string{{"12:00:00.000", strings.Repeat("word ", 40), "a note that is long enough"}, {"-", "中文中文中文中文中文中文中文中文中文中文中文中文中文", "x"}}
	for _, style := range []Style{Boxed, Plain} {
		for _, width := range []int{30, 50, 80, 120} {
			var buf bytes.Buffer
			tb := NewTable(&buf, cols, NaturalWidths(3, rows), style, Output{Width: width})
			tb.Header()
			for _, r := range rows {
				tb.Row(r...)
			}
			tb.Close()
			for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
				if Width(l) > width {
					t.Errorf("style %d width %d: line of %d columns: %q", style, width, Width(l), l)
				}
			}
		}
	}
}

func TestPaintOnlyWithColour(t *testing.T) {
	if (Output{}).Paint("error", Red) != "error" {
		t.Error("painted without colour")
	}
	if got := (Output{Color: true}).Paint("error", Red); got != Red+"error"+reset {
		t.Errorf("got %q", got)
	}
}

// A pipe is not a terminal: no width, no colour.
func TestDetectPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := Detect(w); got != (Output{}) {
		t.Errorf("pipe detected as %+v", got)
	}
	if got := Detect(&bytes.Buffer{}); got != (Output{}) {
		t.Errorf("buffer detected as %+v", got)
	}
}
