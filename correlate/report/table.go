// Package report renders a correlate.Result: a timeline table for
// people, the JSON document, and a Mermaid sequence diagram.
package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/internal/term"
)

// Layout bounds. Cell values are cut before layout (with their length
// shown), so a 100,000-character payload costs what a short one does;
// text columns then wrap at cellWidth, narrower when the terminal is.
const (
	cellWidth = 56
	cellCut   = 256 // runes of one timeline cell
	textCut   = 600 // runes of a finding's summary or fix, the device and clock lines
)

// TableOptions say where the table goes.
type TableOptions struct {
	// Width is the terminal's width; 0 (a pipe, a file) means no limit:
	// text columns wrap at 56 characters and explanations stay on one
	// line.
	Width int
	// Color paints severities (a terminal without NO_COLOR).
	Color bool
}

// Table writes the device choice, the clock, the timeline (host→module,
// module→host and network lanes merged in time order, each row tagged
// with its transaction T<n> or event E<n>) and the findings, for a pipe.
func Table(w io.Writer, r *correlate.Result) error { return TableFor(w, r, TableOptions{}) }

// TableFor writes Table's view fitted to o.Width, colouring severities
// when o.Color.
func TableFor(w io.Writer, r *correlate.Result, o TableOptions) error {
	out := term.Output{Width: o.Width, Color: o.Color}
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, term.WrapIndent("Device: "+term.Cut(deviceLine(r.Device), textCut), o.Width, 2))
	if r.Device.Reason != "" {
		fmt.Fprintln(ew, term.WrapIndent("  why: "+term.Cut(r.Device.Reason, textCut), o.Width, 7))
	}
	fmt.Fprintln(ew, term.WrapIndent("Clock: "+term.Cut(clockLine(r.Clock), textCut), o.Width, 2))
	fmt.Fprintln(ew)
	if ew.err != nil {
		return ew.err
	}
	if len(r.Timeline) > 0 {
		if err := timelineTable(ew, r.Timeline, out); err != nil {
			return err
		}
	}
	fmt.Fprintln(ew)
	if len(r.Findings) == 0 {
		fmt.Fprintln(ew, "Findings: none")
		return ew.err
	}
	fmt.Fprintln(ew, "Findings:")
	if err := findingsTable(ew, r.Findings, out); err != nil {
		return err
	}
	return ew.err
}

// narrowLane is the width under which a lane column is too narrow to
// read: the timeline then shows one text column with the lane named
// (h→m, m→h, net) instead of three.
const narrowLane = 24

// timelineTable writes the timeline with a column per lane, or on a
// narrow terminal with one text column and a lane marker.
func timelineTable(w io.Writer, timeline []correlate.Row, out term.Output) error {
	rows := make([][]string, 0, len(timeline))
	for _, row := range timeline {
		lanes := [3]string{}
		switch row.Lane {
		case correlate.LaneHostToModule:
			lanes[0] = row.Text
		case correlate.LaneModuleToHost:
			lanes[1] = row.Text
		default:
			lanes[2] = arrow(row) + row.Text
		}
		rows = append(rows, []string{timeCell(row), tag(row), num(row.Line), num(row.Frame),
			cell(lanes[0], cellCut), cell(lanes[1], cellCut), cell(lanes[2], cellCut)})
	}
	lead := []term.Column{{Header: "time", Min: 12}, {Header: "tag", Min: 3}, {Header: "line", Min: 4}, {Header: "frame", Min: 5}}
	t := term.NewTable(w, append(lead,
		term.Column{Header: "host→module", Max: cellWidth, Min: 8}, term.Column{Header: "module→host", Max: cellWidth, Min: 8},
		term.Column{Header: "network", Max: cellWidth, Min: 8},
	), term.NaturalWidths(7, rows), term.Boxed, out)
	if ws := t.Widths(); out.Width > 0 && min(ws[4], ws[5], ws[6]) < narrowLane {
		for i, row := range timeline {
			text := rows[i][4] + rows[i][5] + rows[i][6]
			rows[i] = append(rows[i][:4], laneMark(row.Lane), text)
		}
		t = term.NewTable(w, append(lead, term.Column{Header: "lane", Min: 3}, term.Column{Header: "text", Max: cellWidth, Min: 8}),
			term.NaturalWidths(6, rows), term.Boxed, out)
	}
	t.Header()
	for _, cells := range rows {
		if err := t.Row(cells...); err != nil {
			return err
		}
	}
	return t.Close()
}

func laneMark(lane string) string {
	switch lane {
	case correlate.LaneHostToModule:
		return "h→m"
	case correlate.LaneModuleToHost:
		return "m→h"
	}
	return "net"
}

// findingsTable writes the findings as a table, or on a narrow terminal
// as a list: severity, code and evidence, then the summary and the fix
// wrapped under them.
func findingsTable(w io.Writer, findings []correlate.Finding, out term.Output) error {
	rows := make([][]string, 0, len(findings))
	for _, f := range findings {
		summary := f.Summary
		if f.Explanation != "" {
			summary += " — " + f.Explanation
		}
		rows = append(rows, []string{cell(f.Severity, cellCut), cell(f.Code, cellCut), num(f.Line), cell(frameList(f.Frames), textCut),
			cell(summary, textCut), cell(f.Fix, textCut)})
	}
	t := term.NewTable(w, []term.Column{
		{Header: "severity", Min: 7}, {Header: "code", Max: 24, Min: 8}, {Header: "line", Min: 4},
		{Header: "frames", Max: 16, Min: 6}, {Header: "summary", Max: cellWidth, Min: 10}, {Header: "fix", Max: cellWidth, Min: 10},
	}, term.NaturalWidths(6, rows), term.Boxed, out)
	if ws := t.Widths(); out.Width > 0 && (ws[4] < narrowLane || ws[5] < narrowLane) {
		ew := &errWriter{w: w}
		for _, r := range rows {
			head := r[0] + " " + r[1]
			var where []string
			if r[2] != "" {
				where = append(where, "line "+r[2])
			}
			if r[3] != "" {
				where = append(where, "frames "+r[3])
			}
			if len(where) > 0 {
				head += " (" + strings.Join(where, ", ") + ")"
			}
			for i, l := range term.Wrap(head, max(out.Width-2, 1)) {
				if i == 0 {
					// The severity leads the first line: colour it there.
					if rest, ok := strings.CutPrefix(l, r[0]); ok {
						l = out.Paint(r[0], term.SeverityStyle(r[0])) + rest
					}
					fmt.Fprintln(ew, "• "+l)
					continue
				}
				fmt.Fprintln(ew, "  "+l)
			}
			for _, l := range term.Wrap(r[4], max(out.Width-2, 1)) {
				fmt.Fprintln(ew, "  "+l)
			}
			if r[5] != "" {
				for i, l := range term.Wrap(r[5], max(out.Width-7, 1)) {
					lead := "       "
					if i == 0 {
						lead = "  fix: "
					}
					fmt.Fprintln(ew, lead+l)
				}
			}
		}
		return ew.err
	}
	t.Paint = func(col int, c string) string {
		if col == 0 {
			return term.SeverityStyle(c)
		}
		return ""
	}
	t.Header()
	for _, cells := range rows {
		if err := t.Row(cells...); err != nil {
			return err
		}
	}
	return t.Close()
}

// cell prepares a value for layout: cut to max runes, controls made
// visible.
func cell(s string, max int) string { return term.Clean(term.Cut(s, max)) }

func deviceLine(d correlate.Device) string {
	if len(d.Connections) == 0 {
		// "why" below says whether there was no capture or no match in it.
		return "none identified" + clientIDNote(d.ClientID)
	}
	var cs []string
	for _, c := range d.Connections {
		cs = append(cs, fmt.Sprintf("conn %d %s → %s (frames %d-%d)", c.Conn, c.Client, c.Server, c.FirstFrame, c.LastFrame))
	}
	return strings.Join(cs, "; ") + clientIDNote(d.ClientID)
}

func clientIDNote(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(", client id %q", id)
}

func clockLine(c correlate.Clock) string {
	s := c.Method
	if c.Method == "content" || c.Method == "override" {
		off := math.Round(c.OffsetSeconds*1000) / 1000
		if off == 0 {
			off = 0 // no "-0.000"
		}
		s = fmt.Sprintf("offset %+.3f s (serial − capture), %s", off, c.Method)
	}
	if c.Explanation != "" {
		s += ": " + c.Explanation
	}
	switch c.SerialTimeSource {
	case "", "none":
		// No dates to speak of: the explanation says the log has no times.
	default:
		s += "; serial dates from " + c.SerialTimeSource
	}
	return s
}

func timeCell(r correlate.Row) string {
	if r.Time.IsZero() {
		return "-"
	}
	return r.Time.Format("15:04:05.000")
}

func tag(r correlate.Row) string {
	switch {
	case r.Tx > 0:
		return "T" + strconv.Itoa(r.Tx)
	case r.Event > 0:
		return "E" + strconv.Itoa(r.Event)
	}
	return ""
}

func arrow(r correlate.Row) string {
	if r.Conn == 0 {
		return ""
	}
	if r.FromClient {
		return fmt.Sprintf("[%d] → ", r.Conn)
	}
	return fmt.Sprintf("[%d] ← ", r.Conn)
}

func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func frameList(fs []int) string {
	var ss []string
	for _, f := range fs {
		ss = append(ss, strconv.Itoa(f))
	}
	return strings.Join(ss, ",")
}

// errWriter keeps the first write error so rendering code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
