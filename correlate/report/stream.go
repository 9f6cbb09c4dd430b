package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/atmq/atmq/correlate"
)

// Stream is a result too long to hold in memory at once: a session's
// settled part, replayed in order from where it was kept (a
// correlate.Spill), followed by Final, its last window, which also holds
// the device, the clock and every finding.
type Stream struct {
	Final        *correlate.Result
	Transactions func(yield func(json.RawMessage) error) error
	Events       func(yield func(json.RawMessage) error) error
	Rows         func(yield func(correlate.Row) error) error
}

// streamTableRows is how many timeline rows one table of TableStream
// holds: a longer timeline prints as consecutive tables, so the table
// library never holds the whole session.
const streamTableRows = 5000

// JSONStream writes the document JSON writes for the whole session,
// byte for byte, holding one transaction or event at a time.
func JSONStream(w io.Writer, s Stream) error {
	ew := &errWriter{w: w}
	r := s.Final
	dev := r.Device
	if dev.Connections == nil {
		dev.Connections = []correlate.Connection{}
	}
	findings := r.Findings
	if findings == nil {
		findings = []correlate.Finding{}
	}
	io.WriteString(ew, "{\n  \"device\": ")
	writeIndented(ew, dev)
	io.WriteString(ew, ",\n  \"clock\": ")
	writeIndented(ew, r.Clock)
	io.WriteString(ew, ",\n  \"transactions\": ")
	if err := writeList(ew, s.Transactions, r.Transactions); err != nil {
		return err
	}
	io.WriteString(ew, ",\n  \"events\": ")
	if err := writeList(ew, s.Events, r.Events); err != nil {
		return err
	}
	io.WriteString(ew, ",\n  \"findings\": ")
	writeIndented(ew, findings)
	io.WriteString(ew, "\n}\n")
	return ew.err
}

// writeIndented writes v as the document's encoder writes a value of
// the top-level object.
func writeIndented(ew *errWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && ew.err == nil {
		ew.err = err
		return
	}
	ew.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// writeList writes the settled items, then the final window's, as one
// JSON array of the top-level object.
func writeList[T any](ew *errWriter, settled func(func(json.RawMessage) error) error, final []T) error {
	n := 0
	var buf bytes.Buffer
	item := func(raw []byte) error {
		if n == 0 {
			io.WriteString(ew, "[\n    ")
		} else {
			io.WriteString(ew, ",\n    ")
		}
		n++
		buf.Reset()
		if err := json.Indent(&buf, raw, "    ", "  "); err != nil {
			return err
		}
		ew.Write(buf.Bytes())
		return ew.err
	}
	if settled != nil {
		if err := settled(func(raw json.RawMessage) error { return item(raw) }); err != nil {
			return err
		}
	}
	for _, v := range final {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		if err := item(bytes.TrimSuffix(b.Bytes(), []byte("\n"))); err != nil {
			return err
		}
	}
	if n == 0 {
		io.WriteString(ew, "[]")
	} else {
		io.WriteString(ew, "\n  ]")
	}
	return ew.err
}

// TableStream writes what Table writes for the whole session; a timeline
// longer than streamTableRows rows prints as consecutive tables.
func TableStream(w io.Writer, s Stream) error {
	ew := &errWriter{w: w}
	r := s.Final
	fmt.Fprintf(ew, "Device: %s\n", deviceLine(r.Device))
	if r.Device.Reason != "" {
		fmt.Fprintf(ew, "  why: %s\n", r.Device.Reason)
	}
	fmt.Fprintf(ew, "Clock: %s\n\n", clockLine(r.Clock))
	if ew.err != nil {
		return ew.err
	}
	var rows []correlate.Row
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		part := &correlate.Result{Timeline: rows}
		if err := timelineTable(ew, part); err != nil {
			return err
		}
		rows = rows[:0]
		return ew.err
	}
	add := func(row correlate.Row) error {
		rows = append(rows, row)
		if len(rows) >= streamTableRows {
			return flush()
		}
		return nil
	}
	if s.Rows != nil {
		if err := s.Rows(add); err != nil {
			return err
		}
	}
	for _, row := range r.Timeline {
		if err := add(row); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return findingsTable(ew, r)
}

// timelineTable writes r's timeline as Table does.
func timelineTable(ew *errWriter, r *correlate.Result) error {
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
	return t.Render()
}

// findingsTable writes r's findings as Table does.
func findingsTable(ew *errWriter, r *correlate.Result) error {
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
		if err := t.Append(f.Severity, f.Code, num(f.Line), frameList(f.Frames), summary, f.Fix); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return ew.err
}
