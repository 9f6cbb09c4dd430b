package cli

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/internal/term"
)

// Cuts for `atmq at`'s table: long commands and URCs (a 47,000-character
// publish) are cut, with their length, before layout.
const (
	atCommandCut = 70
	atEventCut   = 60
	atTextCut    = 400
	atNarrow     = 24 // COMMAND narrower than this: merge FINAL and RESULT
	// atLookahead rows are held before the layout is fixed: enough to see
	// which columns a log uses and how wide they run, while a log of any
	// size still prints in flat memory.
	atLookahead = 512
)

// The table's columns, in order.
const (
	cLine, cTime, cCommand, cFinal, cResult, cOutcome, cMeaning, cWarnings = 0, 1, 2, 3, 4, 5, 6, 7
)

var atColumns = []term.Column{
	{Header: "LINE", Min: 4}, {Header: "TIME", Min: 12}, {Header: "COMMAND", Min: 10},
	{Header: "FINAL", Min: 5}, {Header: "RESULT", Min: 8}, {Header: "OUTCOME", Min: 7},
	{Header: "MEANING", Max: 56, Min: 10}, {Header: "WARNINGS", Max: 56, Min: 8},
}

// atTableStream prints the `atmq at` table row by row as the log is read
// (line order). The first atLookahead rows decide the layout (which
// columns are used, their natural widths, fitted to the terminal); later
// rows stream through it. The summary line, known only at the end, comes
// after the table.
type atTableStream struct {
	w       io.Writer
	out     term.Output
	pending [][]string // rows held until the layout is fixed
	tbl     *term.Table
	idx     []int // which of atColumns the table shows
	merge   bool  // FINAL and RESULT share one ANSWER column
	nTxn    int
	nEvent  int
	err     error
}

func newAtTableStream(w io.Writer, out term.Output) *atTableStream {
	return &atTableStream{w: w, out: out}
}

// atRowCells are one item's cells in atColumns order, cut before layout.
func atRowCells(it at.Item) []string {
	if t := it.Txn; t != nil {
		var ws []string
		for _, x := range t.Warnings {
			ws = append(ws, x.Code+": "+x.Fix)
		}
		final := t.Final
		if t.FinalLine > 0 && t.FinalLine != t.Line {
			final += " (" + strconv.Itoa(t.FinalLine) + ")"
		}
		result := term.Cut(t.Result, atTextCut)
		if t.ResultLine > 0 {
			result += " (" + strconv.Itoa(t.ResultLine) + ")"
		}
		return []string{strconv.Itoa(t.Line), formatTime(t.Time, timeOnly),
			term.Cut(t.Command, atCommandCut), term.Cut(final, atTextCut), result, outcomeCell(t.Outcome),
			term.Cut(t.Meaning, atTextCut), term.Cut(strings.Join(ws, "; "), atTextCut)}
	}
	e := it.Event
	return []string{strconv.Itoa(e.Line), formatTime(e.Time, timeOnly),
		"", "", "(event) " + term.Cut(e.Text, atEventCut), "", term.Cut(e.Meaning, atTextCut), ""}
}

// item prints (or, before the layout is fixed, holds) one transaction or
// event.
func (s *atTableStream) item(it at.Item) {
	if it.Txn != nil {
		s.nTxn++
	} else {
		s.nEvent++
	}
	cells := atRowCells(it)
	if s.tbl == nil {
		s.pending = append(s.pending, cells)
		if len(s.pending) >= atLookahead {
			s.layout()
		}
		return
	}
	s.emit(cells)
}

// layout fixes the columns from the held rows and prints them.
func (s *atTableStream) layout() {
	used := make([]bool, len(atColumns))
	for _, r := range s.pending {
		for j, c := range r {
			if c != "" {
				used[j] = true
			}
		}
	}
	for _, j := range []int{cLine, cCommand, cFinal, cResult, cOutcome, cMeaning} {
		used[j] = true
	}
	build := func(merge bool) ([]term.Column, [][]string) {
		s.idx, s.merge = s.idx[:0], merge
		var cols []term.Column
		for j, c := range atColumns {
			if !used[j] || (merge && j == cResult) {
				continue
			}
			if merge && j == cFinal {
				c = term.Column{Header: "ANSWER", Min: 8}
			}
			cols = append(cols, c)
			s.idx = append(s.idx, j)
		}
		cells := make([][]string, len(s.pending))
		for i, r := range s.pending {
			cells[i] = s.project(r)
		}
		return cols, cells
	}
	cols, cells := build(false)
	s.tbl = term.NewTable(s.w, cols, term.NaturalWidths(len(cols), cells), term.Boxed, s.out)
	if s.out.Width > 0 && s.tbl.Widths()[slices.IndexFunc(cols, func(c term.Column) bool { return c.Header == "COMMAND" })] < atNarrow {
		// A narrow terminal: the final result and the result URC share
		// one ANSWER column.
		cols, cells = build(true)
		s.tbl = term.NewTable(s.w, cols, term.NaturalWidths(len(cols), cells), term.Boxed, s.out)
	}
	s.tbl.Paint = func(col int, c string) string {
		switch cols[col].Header {
		case "OUTCOME":
			return term.SeverityStyle(c)
		case "WARNINGS":
			if c != "" {
				return term.SeverityStyle("warning")
			}
		}
		return ""
	}
	s.setErr(s.tbl.Header())
	for _, r := range cells {
		s.setErr(s.tbl.Row(r...))
	}
	s.pending = nil
}

// project picks the shown columns of a full row.
func (s *atTableStream) project(r []string) []string {
	row := make([]string, len(s.idx))
	for k, j := range s.idx {
		row[k] = term.Clean(r[j])
		if s.merge && j == cFinal && r[cResult] != "" {
			row[k] = strings.TrimSpace(term.Clean(r[cFinal] + " " + r[cResult]))
		}
	}
	return row
}

func (s *atTableStream) emit(cells []string) { s.setErr(s.tbl.Row(s.project(cells)...)) }

func (s *atTableStream) setErr(err error) {
	if s.err == nil {
		s.err = err
	}
}

// finish closes the table and prints the summary.
func (s *atTableStream) finish(log *at.Log) error {
	if s.tbl == nil {
		s.layout()
	}
	s.setErr(s.tbl.Close())
	if s.err != nil {
		return s.err
	}
	sum := fmt.Sprintf("format %s, dialect %s, times from %s: %d commands, %d events",
		orDash(log.Format), orDash(log.Dialect), log.TimeSource, s.nTxn, s.nEvent)
	_, err := fmt.Fprintln(s.w, term.WrapIndent(sum, s.out.Width, 2))
	return err
}

// writeAtTable prints a whole decoded log through the same table.
func writeAtTable(w io.Writer, log *at.Log, out term.Output) error {
	items := make([]at.Item, 0, len(log.Transactions)+len(log.Events))
	for i := range log.Transactions {
		items = append(items, at.Item{Txn: &log.Transactions[i]})
	}
	for i := range log.Events {
		items = append(items, at.Item{Event: &log.Events[i]})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Line() < items[j].Line() })
	s := newAtTableStream(w, out)
	for _, it := range items {
		s.item(it)
	}
	return s.finish(log)
}
