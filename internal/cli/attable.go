package cli

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/atmq/atmq/decode/at"
)

// atTableStream prints the `atmq at` table row by row as the log is read
// (line order), so a log of any size prints in flat memory and about as
// fast as it decodes: the columns have fixed widths, long cells wrap at
// spaces (a word longer than its column is cut into pieces), and the
// summary line, known only at the end, comes after the table.
type atTableStream struct {
	w       *bufio.Writer
	started bool
	nTxn    int
	nEvent  int
	lines   [][]string // scratch: each cell's wrapped lines
}

// atColumns are the table's headers and column widths (the command is
// also clipped to 70 characters, an event's text to 60).
var atColumns = []struct {
	head  string
	width int
}{{"LINE", 7}, {"TIME", 23}, {"COMMAND", 72}, {"FINAL", 14}, {"RESULT", 30}, {"OUTCOME", 7}, {"MEANING", 40}, {"WARNINGS", 40}}

func newAtTableStream(w io.Writer) *atTableStream {
	return &atTableStream{w: bufio.NewWriterSize(w, 64<<10), lines: make([][]string, len(atColumns))}
}

// rule prints a horizontal line: left, join and right corners.
func (s *atTableStream) rule(l, j, r string) {
	s.w.WriteString(l)
	for i, c := range atColumns {
		if i > 0 {
			s.w.WriteString(j)
		}
		s.w.WriteString(strings.Repeat("─", c.width+2))
	}
	s.w.WriteString(r)
	s.w.WriteByte('\n')
}

func (s *atTableStream) start() {
	s.started = true
	s.rule("┌", "┬", "┐")
	heads := make([]string, len(atColumns))
	for i, c := range atColumns {
		heads[i] = c.head
	}
	s.row(heads)
	s.rule("├", "┼", "┤")
}

// row prints one row, its cells wrapped to their columns.
func (s *atTableStream) row(cells []string) {
	height := 1
	for i, c := range atColumns {
		s.lines[i] = wrapCell(s.lines[i][:0], cells[i], c.width)
		height = max(height, len(s.lines[i]))
	}
	for k := 0; k < height; k++ {
		s.w.WriteString("│")
		for i, c := range atColumns {
			text := ""
			if k < len(s.lines[i]) {
				text = s.lines[i][k]
			}
			s.w.WriteByte(' ')
			s.w.WriteString(text)
			for n := utf8.RuneCountInString(text); n < c.width; n++ {
				s.w.WriteByte(' ')
			}
			s.w.WriteString(" │")
		}
		s.w.WriteByte('\n')
	}
}

// wrapCell splits text into lines of at most width characters: at its
// newlines, then at spaces, cutting words longer than width.
func wrapCell(out []string, text string, width int) []string {
	if len(text) <= width && strings.IndexByte(text, '\n') < 0 && strings.TrimSpace(text) == text && !strings.Contains(text, "  ") {
		// Fits as it is (bytes ≥ characters): most cells.
		if text == "" {
			return out
		}
		return append(out, text)
	}
	for _, para := range strings.Split(text, "\n") {
		line, n := "", 0
		for _, word := range strings.Fields(para) {
			for utf8.RuneCountInString(word) > width {
				if n > 0 {
					out = append(out, line)
					line, n = "", 0
				}
				cut := 0
				for i := 0; i < width; i++ {
					_, size := utf8.DecodeRuneInString(word[cut:])
					cut += size
				}
				out = append(out, word[:cut])
				word = word[cut:]
			}
			wn := utf8.RuneCountInString(word)
			switch {
			case wn == 0:
			case n == 0:
				line, n = word, wn
			case n+1+wn <= width:
				line, n = line+" "+word, n+1+wn
			default:
				out = append(out, line)
				line, n = word, wn
			}
		}
		if n > 0 {
			out = append(out, line)
		}
	}
	return out
}

// item prints one transaction or event.
func (s *atTableStream) item(it at.Item) {
	if !s.started {
		s.start()
	}
	if t := it.Txn; t != nil {
		s.nTxn++
		var ws []string
		for _, x := range t.Warnings {
			ws = append(ws, x.Code+": "+x.Fix)
		}
		final := t.Final
		if t.FinalLine > 0 && t.FinalLine != t.Line {
			final += " (" + strconv.Itoa(t.FinalLine) + ")"
		}
		result := t.Result
		if t.ResultLine > 0 {
			result += " (" + strconv.Itoa(t.ResultLine) + ")"
		}
		s.row([]string{strconv.Itoa(t.Line), formatTime(t.Time, timeOnly),
			clipText(t.Command, 70), final, result, outcomeCell(t.Outcome), t.Meaning, strings.Join(ws, "\n")})
		return
	}
	e := it.Event
	s.nEvent++
	s.row([]string{strconv.Itoa(e.Line), formatTime(e.Time, timeOnly),
		"", "", "(event) " + clipText(e.Text, 60), "", e.Meaning, ""})
}

// finish closes the table and prints the summary.
func (s *atTableStream) finish(log *at.Log) error {
	if s.started {
		s.rule("└", "┴", "┘")
	}
	fmt.Fprintf(s.w, "format %s, dialect %s, times from %s: %d commands, %d events\n",
		orDash(log.Format), orDash(log.Dialect), log.TimeSource, s.nTxn, s.nEvent)
	return s.w.Flush()
}
