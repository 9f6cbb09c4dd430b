package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atmq/atmq/internal/term"
)

// cellWidth bounds a text column so sentences wrap within a terminal page.
const cellWidth = 80

// JSON writes the report as one indented document {summary, clients,
// findings}.
func JSON(w io.Writer, r *Report) error {
	doc := *r
	if doc.Clients == nil {
		doc.Clients = []Client{}
	}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// Table writes the report for a pipe (no width limit, no colour).
func Table(w io.Writer, r *Report) error { return TableFor(w, r, term.Output{}) }

// TableFor writes the summary, the problems grouped by cause, TLS per
// server name and the client table, fitted to out's width.
func TableFor(w io.Writer, r *Report, out term.Output) error {
	ew := &errWriter{w: w}
	line := func(s string) { fmt.Fprintln(ew, term.WrapIndent(s, out.Width, 2)) }
	s := r.Summary
	line(fmt.Sprintf("Capture: %s%s", filesLine(s.Files), spanLine(s)))
	conns := fmt.Sprintf("Connections: %s TCP", count(s.Connections))
	var notes []string
	if s.TLSConnections > 0 {
		notes = append(notes, count(s.TLSConnections)+" TLS")
	}
	if s.WithoutConnect > 0 {
		notes = append(notes, count(s.WithoutConnect)+" without CONNECT in the capture")
	}
	if len(notes) > 0 {
		conns += fmt.Sprintf(" (%s)", strings.Join(notes, ", "))
	}
	line(conns + fmt.Sprintf("; %s from %s: %s accepted, %s refused; sessions ended: %s with DISCONNECT, %s open at the end",
		plural(s.Connects, "CONNECT", "CONNECTs"), plural(s.ClientIDs, "client id", "client ids"),
		count(s.Accepted), count(s.Refused), count(s.Disconnected), count(s.OpenAtEnd)))
	line(fmt.Sprintf("Clients with problems: %s of %s", count(s.ClientsWithProblems), count(s.ClientIDs)))
	fmt.Fprintln(ew)
	if ew.err != nil {
		return ew.err
	}
	if len(r.Findings) == 0 {
		line("Problems: none")
	} else {
		line("Problems:")
		rows := make([][]string, 0, len(r.Findings))
		for _, f := range r.Findings {
			clients := count(f.Clients)
			if f.Clients == 0 && f.Addresses > 0 {
				clients = count(f.Addresses) + " addr"
			}
			rows = append(rows, []string{f.Severity, f.Code, clients, count(f.Connections), term.Cut(f.Summary+" — fix: "+f.Fix, textCut)})
		}
		t := term.NewTable(ew, []term.Column{{Header: "severity", Min: 7}, {Header: "code", Max: 24, Min: 8},
			{Header: "clients", Min: 4}, {Header: "conns", Min: 4}, {Header: "problem and fix", Max: cellWidth, Min: 16, Weight: 4}},
			term.NaturalWidths(5, rows), term.Boxed, out)
		t.Paint = func(col int, cell string) string {
			if col == 0 {
				return term.SeverityStyle(cell)
			}
			return ""
		}
		if err := writeRows(t, rows); err != nil {
			return err
		}
	}
	if len(s.TLS) > 0 {
		fmt.Fprintln(ew)
		line("TLS by server name:")
		rows := make([][]string, 0, len(s.TLS))
		for _, ts := range s.TLS {
			var alerts []string
			for _, a := range ts.Alerts {
				alerts = append(alerts, fmt.Sprintf("%s × %s", count(a.Count), a.Value))
			}
			rows = append(rows, []string{term.Cut(sniLabel(ts.ServerName), cellCut), count(ts.Connections), term.Cut(strings.Join(alerts, "; "), textCut)})
		}
		t := term.NewTable(ew, []term.Column{{Header: "server name", Max: 48, Min: 8}, {Header: "connections", Min: 4},
			{Header: "alerts", Max: cellWidth, Min: 10, Weight: 3}}, term.NaturalWidths(3, rows), term.Boxed, out)
		if err := writeRows(t, rows); err != nil {
			return err
		}
	}
	if ew.err != nil || len(r.Clients) == 0 {
		return ew.err
	}
	fmt.Fprintln(ew)
	if len(r.Clients) == s.ClientIDs {
		line(fmt.Sprintf("Clients (%s):", count(len(r.Clients))))
	} else {
		line(fmt.Sprintf("Clients with a problem (%s of %s; --all lists every client):", count(len(r.Clients)), count(s.ClientIDs)))
	}
	rows := make([][]string, 0, len(r.Clients))
	for _, c := range r.Clients {
		rows = append(rows, []string{term.Cut(c.ClientID, cellCut), c.Address, count(c.Connections), count(c.Accepted), count(c.Refused),
			term.Cut(c.LastResult, cellCut), term.Cut(c.Cause, textCut)})
	}
	t := term.NewTable(ew, []term.Column{{Header: "client id", Max: 40, Min: 8, Weight: 2}, {Header: "address", Max: 39, Min: 7},
		{Header: "conns", Min: 4}, {Header: "accepted", Min: 4}, {Header: "refused", Min: 4},
		{Header: "last result", Max: 32, Min: 8, Weight: 2}, {Header: "cause", Max: cellWidth, Min: 10, Weight: 3}},
		term.NaturalWidths(7, rows), term.Boxed, out)
	if err := writeRows(t, rows); err != nil {
		return err
	}
	return ew.err
}

// Cuts applied to values before layout: a cell, and a sentence.
const (
	cellCut = 120
	textCut = 2000
)

func writeRows(t *term.Table, rows [][]string) error {
	if err := t.Header(); err != nil {
		return err
	}
	for _, r := range rows {
		if err := t.Row(r...); err != nil {
			return err
		}
	}
	return t.Close()
}

func filesLine(files []string) string {
	switch len(files) {
	case 0:
		return ""
	case 1:
		return files[0] + ", "
	}
	return fmt.Sprintf("%d files (%s … %s), ", len(files), files[0], files[len(files)-1])
}

func spanLine(s Summary) string {
	line := count(s.Frames) + " frames"
	if s.First != nil && s.Last != nil {
		line += fmt.Sprintf(", %s – %s (%s)", s.First.UTC().Format("2006-01-02 15:04:05"), s.Last.UTC().Format("15:04:05 MST"), roundDur(s.Last.Sub(*s.First)).Truncate(time.Second))
	}
	return line
}

// errWriter keeps the first write error so a run of Fprintf calls can be
// checked once.
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
