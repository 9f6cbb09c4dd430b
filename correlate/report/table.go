// Package report renders a correlate.Result: a timeline table for
// people, the JSON document, and a Mermaid sequence diagram.
package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/atmq/atmq/correlate"
)

// cellWidth bounds a text column so long payloads wrap instead of making
// the table wider than a terminal page.
const cellWidth = 56

// Table writes the device choice, the clock, the timeline (host→module,
// module→host and network lanes merged in time order, each row tagged
// with its transaction T<n> or event E<n>) and the findings.
func Table(w io.Writer, r *correlate.Result) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "Device: %s\n", deviceLine(r.Device))
	if r.Device.Reason != "" {
		fmt.Fprintf(ew, "  why: %s\n", r.Device.Reason)
	}
	fmt.Fprintf(ew, "Clock: %s\n\n", clockLine(r.Clock))
	if ew.err != nil {
		return ew.err
	}
	if len(r.Timeline) > 0 {
		t := newTable(ew)
		t.Header("time", "tag", "line", "frame", "host→module", "module→host", "network")
		for _, row := range r.Timeline {
			lanes := [3]string{}
			switch row.Lane {
			case correlate.LaneHostToModule:
				lanes[0] = row.Text
			case correlate.LaneModuleToHost:
				lanes[1] = row.Text
			default:
				lanes[2] = arrow(row) + row.Text
			}
			if err := t.Append(timeCell(row), tag(row), num(row.Line), num(row.Frame), lanes[0], lanes[1], lanes[2]); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if ew.err != nil {
		return ew.err
	}
	fmt.Fprintln(ew)
	if len(r.Findings) == 0 {
		fmt.Fprintln(ew, "Findings: none")
		return ew.err
	}
	fmt.Fprintln(ew, "Findings:")
	t := newTable(ew)
	t.Header("severity", "code", "line", "frames", "summary", "fix")
	for _, f := range r.Findings {
		summary := f.Summary
		if f.Explanation != "" {
			summary += " — " + f.Explanation
		}
		if f.ResolvedByLine > 0 {
			summary = fmt.Sprintf("(resolved by line %d) %s", f.ResolvedByLine, summary)
		}
		if err := t.Append(f.Severity, f.Code, num(f.Line), frameList(f.Frames), summary, f.Fix); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return ew.err
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(cellWidth),
		tablewriter.WithTrimSpace(tw.Off),
	)
}

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
