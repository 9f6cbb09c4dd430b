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
)

// writeAtTable prints the log's transactions and events in line order,
// fitted to the terminal and with failed outcomes coloured.
func writeAtTable(w io.Writer, log *at.Log, out term.Output) error {
	head := fmt.Sprintf("format %s, dialect %s, times from %s: %d commands, %d events",
		orDash(log.Format), orDash(log.Dialect), log.TimeSource, len(log.Transactions), len(log.Events))
	if _, err := fmt.Fprintln(w, term.WrapIndent(head, out.Width, 2)); err != nil {
		return err
	}
	type row struct {
		line  int
		cells []string
	}
	rows := make([]row, 0, len(log.Transactions)+len(log.Events))
	for _, t := range log.Transactions {
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
		rows = append(rows, row{t.Line, []string{strconv.Itoa(t.Line), formatTime(t.Time, log.TimeSource),
			term.Cut(t.Command, atCommandCut), term.Cut(final, atTextCut), result, outcomeCell(t.Outcome),
			term.Cut(t.Meaning, atTextCut), term.Cut(strings.Join(ws, "; "), atTextCut)}})
	}
	for _, e := range log.Events {
		rows = append(rows, row{e.Line, []string{strconv.Itoa(e.Line), formatTime(e.Time, log.TimeSource),
			"", "", "(event) " + term.Cut(e.Text, atEventCut), "", term.Cut(e.Meaning, atTextCut), ""}})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].line < rows[j].line })
	// Columns no row uses are left out (times in a raw log, warnings in
	// a clean one).
	const (
		cLine, cTime, cCommand, cFinal, cResult, cOutcome, cMeaning, cWarnings = 0, 1, 2, 3, 4, 5, 6, 7
	)
	all := []term.Column{
		{Header: "LINE", Min: 4}, {Header: "TIME", Min: 12}, {Header: "COMMAND", Min: 10},
		{Header: "FINAL", Min: 5}, {Header: "RESULT", Min: 8}, {Header: "OUTCOME", Min: 7},
		{Header: "MEANING", Max: 56, Min: 10}, {Header: "WARNINGS", Max: 56, Min: 8},
	}
	used := make([]bool, len(all))
	for _, r := range rows {
		for j, c := range r.cells {
			if c != "" {
				used[j] = true
			}
		}
	}
	for _, j := range []int{cLine, cCommand, cFinal, cResult, cOutcome, cMeaning} {
		used[j] = true
	}
	layout := func(merge bool) ([]term.Column, [][]string) {
		var cols []term.Column
		var idx []int
		for j, c := range all {
			if !used[j] || (merge && j == cResult) {
				continue
			}
			if merge && j == cFinal {
				c = term.Column{Header: "ANSWER", Min: 8}
			}
			cols = append(cols, c)
			idx = append(idx, j)
		}
		cells := make([][]string, len(rows))
		for i, r := range rows {
			row := make([]string, len(idx))
			for k, j := range idx {
				row[k] = term.Clean(r.cells[j])
				if merge && j == cFinal && r.cells[cResult] != "" {
					row[k] = strings.TrimSpace(term.Clean(r.cells[cFinal] + " " + r.cells[cResult]))
				}
			}
			cells[i] = row
		}
		return cols, cells
	}
	cols, cells := layout(false)
	tbl := term.NewTable(w, cols, term.NaturalWidths(len(cols), cells), term.Boxed, out)
	if out.Width > 0 && tbl.Widths()[slices.IndexFunc(cols, func(c term.Column) bool { return c.Header == "COMMAND" })] < atNarrow {
		// A narrow terminal: the final result and the result URC share
		// one ANSWER column.
		cols, cells = layout(true)
		tbl = term.NewTable(w, cols, term.NaturalWidths(len(cols), cells), term.Boxed, out)
	}
	tbl.Paint = func(col int, c string) string {
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
	if err := tbl.Header(); err != nil {
		return err
	}
	for _, r := range cells {
		if err := tbl.Row(r...); err != nil {
			return err
		}
	}
	return tbl.Close()
}
