package term

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// cond measures display widths the same way whatever the locale says:
// East Asian ambiguous characters (→, ─) count one column.
var cond = &runewidth.Condition{EastAsianWidth: false}

// RuneWidth is the number of columns r takes on a terminal.
func RuneWidth(r rune) int {
	if r < 0x80 {
		if r < 0x20 || r == 0x7f {
			return 0
		}
		return 1
	}
	return cond.RuneWidth(r)
}

// Width is the display width of s (after Clean).
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return n + widthSlow(s[i:])
		}
		if s[i] >= 0x20 && s[i] != 0x7f {
			n++
		}
	}
	return n
}

func widthSlow(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}

// Clean makes s safe to print in a table cell: line breaks become ⏎,
// tabs a space, other control characters their Unicode control picture
// (␀, ␛ …) so captured bytes can never drive the terminal, and invalid
// UTF-8 the replacement character.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\n':
			b.WriteRune('⏎')
		case r == '\r':
			// CR LF is one line end; a lone CR shows as ⏎ too.
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteRune('⏎')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune('␡')
		case r >= 0x80 && r < 0xa0, r == utf8.RuneError:
			b.WriteRune('�')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isClean says s has nothing Clean would change (the common case: ASCII
// text, arrows, CJK payloads).
func isClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r < 0xa0 {
			return false
		}
		i += n
	}
	return true
}

// Cut shortens s to at most max runes, ending it with "…" and the
// original length, e.g. "AAAA… (100000 chars)". Every view cuts values
// before layout so a 100,000-character payload costs what a short one
// does.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s // bytes ≥ runes
	}
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	suffix := "… (" + strconv.Itoa(n) + " chars)"
	keep := max - utf8.RuneCountInString(suffix)
	if keep < 1 {
		keep = 1
	}
	i := 0
	for k := 0; k < keep; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + suffix
}

// Truncate cuts s to at most width columns, marking the cut with "…".
func Truncate(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	w := 0
	for i, r := range s {
		rw := RuneWidth(r)
		if w+rw > width-1 {
			return s[:i] + "…"
		}
		w += rw
	}
	return s
}

// Wrap breaks s into lines of at most width columns: at spaces where it
// can, inside a word where the word alone is wider than a line. It runs
// in time linear in len(s) whatever s holds. width < 1 returns s whole.
func Wrap(s string, width int) []string {
	if width < 1 || Width(s) <= width {
		return []string{s}
	}
	var lines []string
	for len(s) > 0 {
		// Find the longest prefix that fits and the last space in it.
		w, end, lastSpace := 0, len(s), -1
		for i, r := range s {
			rw := RuneWidth(r)
			if w+rw > width {
				end = i
				break
			}
			if r == ' ' {
				lastSpace = i
			}
			w += rw
		}
		if end == len(s) {
			lines = append(lines, s)
			break
		}
		cut, next := end, end
		if s[end] == ' ' {
			// The break falls on a space: drop it.
			next = end + 1
		} else if lastSpace > 0 {
			cut, next = lastSpace, lastSpace+1
		}
		if cut == 0 {
			// A character wider than the line (a CJK glyph in a
			// one-column cell) cannot be shown: a "…" stands for it.
			_, size := utf8.DecodeRuneInString(s)
			lines = append(lines, "…")
			s = strings.TrimLeft(s[size:], " ")
			continue
		}
		lines = append(lines, strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[next:], " ")
	}
	return lines
}

// WrapIndent wraps a paragraph for a terminal of width columns, indenting
// continuation lines by indent spaces; width 0 leaves it on one line.
func WrapIndent(s string, width, indent int) string {
	s = Clean(s)
	if width <= 0 || Width(s) <= width {
		return s
	}
	if indent >= width/2 {
		indent = 0
	}
	first := Wrap(s, width)
	if len(first) == 1 {
		return first[0] // only trailing blanks were over the width
	}
	var b strings.Builder
	b.WriteString(first[0])
	rest := strings.Join(first[1:], " ")
	pad := strings.Repeat(" ", indent)
	for _, l := range Wrap(rest, width-indent) {
		b.WriteByte('\n')
		b.WriteString(pad)
		b.WriteString(l)
	}
	return b.String()
}
