package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/internal/term"
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
	input := r.Input
	if input == nil {
		input = []correlate.Skipped{}
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
	io.WriteString(ew, ",\n  \"input\": ")
	writeIndented(ew, input)
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

// TableStream writes what TableFor writes for the whole session; a
// timeline longer than streamTableRows rows prints as consecutive tables.
func TableStream(w io.Writer, s Stream, o TableOptions) error {
	out := term.Output{Width: o.Width, Color: o.Color}
	ew := &errWriter{w: w}
	r := s.Final
	fmt.Fprintln(ew, term.WrapIndent("Device: "+term.Cut(deviceLine(r.Device), textCut), o.Width, 2))
	if r.Device.Reason != "" {
		fmt.Fprintln(ew, term.WrapIndent("  why: "+term.Cut(r.Device.Reason, textCut), o.Width, 7))
	}
	fmt.Fprintln(ew, term.WrapIndent("Clock: "+term.Cut(clockLine(r.Clock), textCut), o.Width, 2))
	fmt.Fprintln(ew)
	if ew.err != nil {
		return ew.err
	}
	var rows []correlate.Row
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		if err := timelineTable(ew, rows, out); err != nil {
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
