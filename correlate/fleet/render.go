package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
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

// Table writes the summary, the problems grouped by cause, TLS per server
// name and the client table.
func Table(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	s := r.Summary
	fmt.Fprintf(ew, "Capture: %s%s\n", filesLine(s.Files), spanLine(s))
	fmt.Fprintf(ew, "Connections: %s TCP", count(s.Connections))
	var notes []string
	if s.TLSConnections > 0 {
		notes = append(notes, count(s.TLSConnections)+" TLS")
	}
	if s.WithoutConnect > 0 {
		notes = append(notes, count(s.WithoutConnect)+" without CONNECT in the capture")
	}
	if len(notes) > 0 {
		fmt.Fprintf(ew, " (%s)", strings.Join(notes, ", "))
	}
	fmt.Fprintf(ew, "; %s from %s: %s accepted, %s refused; sessions ended: %s with DISCONNECT, %s open at the end\n",
		plural(s.Connects, "CONNECT", "CONNECTs"), plural(s.ClientIDs, "client id", "client ids"),
		count(s.Accepted), count(s.Refused), count(s.Disconnected), count(s.OpenAtEnd))
	fmt.Fprintf(ew, "Clients with problems: %s of %s\n\n", count(s.ClientsWithProblems), count(s.ClientIDs))
	if ew.err != nil {
		return ew.err
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(ew, "Problems: none")
	} else {
		fmt.Fprintln(ew, "Problems:")
		t := newTable(ew)
		t.Header("severity", "code", "clients", "conns", "problem and fix")
		for _, f := range r.Findings {
			clients := count(f.Clients)
			if f.Clients == 0 && f.Addresses > 0 {
				clients = count(f.Addresses) + " addr"
			}
			if err := t.Append(f.Severity, f.Code, clients, count(f.Connections), f.Summary+"\nfix: "+f.Fix); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(s.TLS) > 0 {
		fmt.Fprintln(ew, "\nTLS by server name:")
		t := newTable(ew)
		t.Header("server name", "connections", "alerts")
		for _, ts := range s.TLS {
			var alerts []string
			for _, a := range ts.Alerts {
				alerts = append(alerts, fmt.Sprintf("%s × %s", count(a.Count), a.Value))
			}
			if err := t.Append(sniLabel(clip(ts.ServerName)), count(ts.Connections), strings.Join(alerts, "; ")); err != nil {
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
	if len(r.Clients) == 0 {
		return ew.err
	}
	if len(r.Clients) == s.ClientIDs {
		fmt.Fprintf(ew, "\nClients (%s):\n", count(len(r.Clients)))
	} else {
		fmt.Fprintf(ew, "\nClients with a problem (%s of %s; --all lists every client):\n", count(len(r.Clients)), count(s.ClientIDs))
	}
	t := newTable(ew)
	t.Header("client id", "address", "conns", "accepted", "refused", "last result", "cause")
	for _, c := range r.Clients {
		if err := t.Append(clip(c.ClientID), c.Address, count(c.Connections), count(c.Accepted), count(c.Refused), c.LastResult, c.Cause); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return ew.err
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

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithRowMaxWidth(cellWidth),
		tablewriter.WithTrimSpace(tw.Off),
	)
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
