package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/correlate/fleet"
	"github.com/atmq/atmq/correlate/report"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/internal/progress"
	"github.com/atmq/atmq/internal/term"
)

// runFleet analyses captures without a serial log: the broker-side fleet
// report, and the timeline of the client --client-id/--device selects.
// The captures (files, directories, globs) are read as one stream in time
// order; nothing but live connections and the report is kept.
func runFleet(o analyzeOptions, args []string, s Streams) error {
	format := o.Format
	if o.JSON {
		format = "json"
	}
	sel := fleet.NewSelection(o.ClientID, o.Device)
	if format == "mermaid" && sel == nil {
		return withCode(ExitUsage, errors.New("--format mermaid draws one device's session: give --client-id or --device (or a serial log)"))
	}
	keys, err := loadTLSKeylog(o.TLSKeylog)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	files, err := netcap.ExpandCapturePaths(args)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	src, err := netcap.OpenCaptures(files)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer src.Close()

	an := fleet.New(fleet.Options{AllClients: o.All})
	ports := mqttPorts(o.Ports, nil)
	usable := false // the verdict on the input: anything to report on
	emit := func(r netcap.Record) {
		if !usable {
			usable = usableRecord(r, ports, false)
		}
		an.Add(r)
		if sel != nil {
			sel.Add(r)
		}
	}
	prog := progress.Start(s.Err, src.Progress)
	stats, decErr := netcap.Decode(src, netcap.Options{Ports: ports, ReorderLimit: o.ReorderLimit, TLSKeys: keys}, emit)
	prog.Stop()
	var damaged *netcap.DamagedError
	switch {
	case errors.As(decErr, &damaged):
		fmt.Fprintf(s.Err, "atmq: %v; the report covers the frames before it\n", decErr)
	case decErr != nil:
		return withCode(ExitUsage, decErr)
	}
	warnSkipped(s.Err, captureLabel(files), stats)
	if !usable && damaged == nil {
		return withCode(ExitUsage, nothingToAnalyse(captureLabel(files), stats.Frames, ports))
	}

	rep := an.Report()
	rep.Summary.Files = files
	rep.Summary.Frames = stats.Frames
	var res *correlate.Result
	if sel != nil {
		copts, err := correlateOptions(o)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		res = correlate.Analyze(nil, sel.Records(), copts)
	}
	if err := writeFleet(s.Out, s.Term, format, rep, res, o); err != nil {
		return withCode(ExitUsage, fmt.Errorf("writing output: %w", err))
	}
	if rep.HasErrors() || res != nil && res.HasErrors() {
		return withCode(ExitFindings, nil)
	}
	return nil
}

// writeFleet renders the report and, when a client was selected, its
// timeline (table), its analysis under "selection" (JSON), or its sequence
// diagram alone (Mermaid).
func writeFleet(w io.Writer, out term.Output, format string, rep *fleet.Report, res *correlate.Result, o analyzeOptions) error {
	switch format {
	case "json":
		if res == nil {
			return fleet.JSON(w, rep)
		}
		var doc struct {
			Summary   json.RawMessage `json:"summary"`
			Clients   json.RawMessage `json:"clients"`
			Findings  json.RawMessage `json:"findings"`
			Selection json.RawMessage `json:"selection"`
		}
		var buf jsonBuffer
		if err := fleet.JSON(&buf, rep); err != nil {
			return err
		}
		if err := json.Unmarshal(buf.b, &doc); err != nil {
			return err
		}
		var sel jsonBuffer
		if err := report.JSON(&sel, res); err != nil {
			return err
		}
		doc.Selection = sel.b
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(doc)
	case "mermaid":
		return report.Mermaid(w, res)
	}
	if err := fleet.TableFor(w, rep, out); err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	what := fmt.Sprintf("client id %q", o.ClientID)
	if o.ClientID == "" {
		what = "device " + o.Device
	}
	if _, err := fmt.Fprintf(w, "\nTimeline of %s:\n", what); err != nil {
		return err
	}
	return report.TableFor(w, res, report.TableOptions{Width: out.Width, Color: out.Color})
}

// captureFolder reports whether dir holds captures and no serial log
// (serial.atmq, *.log, *.txt): a tcpdump ring or a broker's captures,
// analysed together as the fleet report.
func captureFolder(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		lower := strings.ToLower(e.Name())
		if lower == "serial.atmq" || strings.HasSuffix(lower, ".log") || strings.HasSuffix(lower, ".txt") {
			return false
		}
	}
	_, err = netcap.ExpandCapturePaths([]string{dir})
	return err == nil
}

type jsonBuffer struct{ b []byte }

func (j *jsonBuffer) Write(p []byte) (int, error) {
	j.b = append(j.b, p...)
	return len(p), nil
}
