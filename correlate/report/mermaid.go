package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/internal/term"
)

// mermaidText bounds one message's text in the diagram.
const mermaidText = 90

// Mermaid writes a sequence diagram with participants MCU, Module and
// Broker: commands MCU→Module, answers and URCs Module→MCU, packets and
// TCP events between Module and Broker, DNS as notes, and each finding as
// a note after its last piece of evidence.
func Mermaid(w io.Writer, r *correlate.Result) error {
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, "sequenceDiagram")
	fmt.Fprintln(ew, "    participant MCU")
	fmt.Fprintln(ew, "    participant Module")
	fmt.Fprintln(ew, "    participant Broker")

	// Place each finding after the row carrying its last frame, or its
	// serial line when it has no frame.
	after := map[int][]correlate.Finding{}
	var trailing []correlate.Finding
	for _, f := range r.Findings {
		at := -1
		for i, row := range r.Timeline {
			if (len(f.Frames) > 0 && row.Frame == f.Frames[len(f.Frames)-1]) ||
				(len(f.Frames) == 0 && f.Line > 0 && row.Line == f.Line) {
				at = i
			}
		}
		if at < 0 {
			trailing = append(trailing, f)
		} else {
			after[at] = append(after[at], f)
		}
	}
	for i, row := range r.Timeline {
		tag := tag(row)
		if tag != "" {
			tag += " "
		}
		text := mermaidEscape(tag + row.Text)
		switch {
		case row.Lane == correlate.LaneHostToModule:
			fmt.Fprintf(ew, "    MCU->>Module: %s\n", text)
		case row.Lane == correlate.LaneModuleToHost:
			fmt.Fprintf(ew, "    Module-->>MCU: %s\n", text)
		case row.Conn == 0:
			fmt.Fprintf(ew, "    Note right of Module: %s\n", text)
		case row.FromClient:
			fmt.Fprintf(ew, "    Module->>Broker: %s\n", text)
		default:
			fmt.Fprintf(ew, "    Broker-->>Module: %s\n", text)
		}
		for _, f := range after[i] {
			writeNote(ew, f)
		}
	}
	for _, f := range trailing {
		writeNote(ew, f)
	}
	return ew.err
}

func writeNote(w io.Writer, f correlate.Finding) {
	fmt.Fprintf(w, "    Note over Module,Broker: %s\n", mermaidEscape(fmt.Sprintf("%s %s: %s", strings.ToUpper(f.Severity), f.Code, f.Summary)))
}

// mermaidEscape makes text safe inside one Mermaid message: no line
// breaks, and the characters Mermaid parses (';' ends a statement, '#'
// starts an entity, angle brackets are markup) as entity codes.
func mermaidEscape(s string) string {
	// Cut first: a 100,000-character payload is worth 90 characters here.
	s = term.Cut(s, mermaidText)
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	return strings.NewReplacer("#", "#35;", ";", "#59;", "<", "#lt;", ">", "#gt;").Replace(s)
}
