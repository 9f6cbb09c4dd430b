package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/correlate"
	htmlreport "github.com/atmq/atmq/correlate/report/html"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

func init() { commands = append(commands, newReportCmd) }

// reportOptions are the flags of `atmq report`.
type reportOptions struct {
	Dir          string // session folder (positional)
	Serial       string
	Pcap         string
	Out          string // the HTML file; "-" for stdout
	ClientID     string
	Device       string
	ClockOffset  string
	Dialect      string
	SerialFormat string
	Date         string
	Ports        []uint16
	ReorderLimit int
	TLSKeylog    string // NSS key log decrypting TLS sessions
	// NoRedact keeps secrets in the report; it is meant for sharing, so
	// they are masked unless asked.
	NoRedact bool
}

func newReportCmd(s Streams) *cobra.Command {
	var o reportOptions
	var ports []uint
	cmd := &cobra.Command{
		Use:   "report [DIR] [--serial LOG] [--pcap CAPTURE] -o report.html",
		Short: "Write the analysis as one self-contained HTML page",
		Long: `report analyses a session as 'atmq analyze' does and writes one HTML file
that opens in any browser without network access: the findings first, each
with its evidence, its fix and links to the lines and frames it cites; a
zoomable swim-lane timeline (MCU host→module, module→host, device→broker,
broker→device) with each command's packets and result drawn as one path,
failures in colour and the module's latency; every MQTT field of a packet
with its spec violations; the raw serial lines around an event; filters by
connection, operation and finding; search; the device choice and the clock.

Secrets (passwords as typed and as sent) are masked, since a report is made
to be shared; --no-redact keeps them.

Exit codes as for analyze: 0 no error finding, 1 at least one error finding
(the report is written either way), 2 bad usage or unreadable input, 3 input
partly damaged (the report shows what could be read and lists the damage).`,
		Example: `  atmq report pcaps/ecmt-no-credentials -o report.html
  atmq report --serial sscom.txt --pcap server.pcapng --date 2026-11-26 -o session.html`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Dir = args[0]
			}
			p, err := tcpPorts(ports)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			o.Ports = p
			return runReport(o, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Out, "output", "o", "", "HTML file to write (- for stdout)")
	f.StringVar(&o.Serial, "serial", "", "serial log file")
	f.StringVar(&o.Pcap, "pcap", "", "capture file (pcap or pcapng)")
	f.StringVar(&o.ClientID, "client-id", "", "the device's MQTT client id (overrides the connect command's)")
	f.StringVar(&o.Device, "device", "", "the device's address as the capture shows it: IP or IP:port")
	f.StringVar(&o.ClockOffset, "clock-offset", "", "serial clock minus capture clock (e.g. 8h, -3.2s, 28800): skips the estimate")
	f.StringVar(&o.Dialect, "dialect", "", "AT dialect: "+strings.Join(at.Dialects(), ", ")+" (detected unless given)")
	f.StringVar(&o.SerialFormat, "serial-format", "", "serial log format: "+strings.Join(at.Formats(), ", ")+" (detected unless given)")
	f.StringVar(&o.Date, "date", "", "date (YYYY-MM-DD) for serial logs that stamp only the time of day")
	f.UintSliceVar(&ports, "port", nil, "TCP port carrying MQTT (repeatable; default 1883)")
	f.BoolVar(&o.NoRedact, "no-redact", false, "keep passwords and other secrets in the report (it masks them by default)")
	addReorderLimitFlag(cmd, &o.ReorderLimit)
	addTLSKeylogFlag(cmd, &o.TLSKeylog)
	return cmd
}

// runReport writes the report and maps the outcome to an exit code.
func runReport(o reportOptions, s Streams) error {
	res, err := writeReport(o, s)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if res.Damaged() {
		return withCode(ExitDamaged, errors.New("input was damaged: the report shows what could be read (its header lists the damage)"))
	}
	if res.HasErrors() {
		return withCode(ExitFindings, nil)
	}
	return nil
}

// writeReport decodes the inputs as analyze does, analyses with redaction
// (unless --no-redact) and writes the page. A file is written whole or not
// at all: the page goes to a temporary file renamed at the end.
func writeReport(o reportOptions, s Streams) (*correlate.Result, error) {
	if o.Out == "" {
		return nil, errors.New("no output file: give -o report.html (or -o - for stdout)")
	}
	ao := analyzeOptions{Dir: o.Dir, Serial: o.Serial, Pcap: o.Pcap, ClientID: o.ClientID, Device: o.Device,
		ClockOffset: o.ClockOffset, Dialect: o.Dialect, SerialFormat: o.SerialFormat, Date: o.Date,
		Ports: o.Ports, ReorderLimit: o.ReorderLimit, TLSKeylog: o.TLSKeylog, Redact: !o.NoRedact}
	in, err := loadReportInput(ao, s.Err)
	if err != nil {
		return nil, err
	}
	if o.Out == "-" {
		err = htmlreport.Write(s.Out, in.Input)
	} else {
		err = writeFileAtomic(o.Out, func(w io.Writer) error { return htmlreport.Write(w, in.Input) })
	}
	if in.serialFile != nil {
		in.serialFile.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("writing the report: %w", err)
	}
	res := in.Result
	if o.Out != "-" {
		nErr := 0
		for _, f := range res.Findings {
			if f.Severity == correlate.SeverityError {
				nErr++
			}
		}
		fmt.Fprintf(s.Err, "atmq: wrote %s: %d timeline events, %d findings (%d errors)\n", o.Out, len(res.Timeline), len(res.Findings), nErr)
	}
	return res, nil
}

// writeSessionReport writes the HTML report of a session folder `atmq
// live` just closed (--report FILE), redacted like every shared report.
func writeSessionReport(dir string, o *liveOptions, stderr io.Writer) error {
	_, err := writeReport(reportOptions{Dir: dir, Out: o.Report, ClientID: o.ClientID, Dialect: o.Dialect, Ports: o.Ports},
		Streams{Out: io.Discard, Err: stderr})
	if err != nil {
		return fmt.Errorf("--report %s: %w", o.Report, err)
	}
	return nil
}

// reportInput is the renderer's input with the serial file it reads from.
type reportInput struct {
	htmlreport.Input
	serialFile *os.File
}

// loadReportInput resolves and decodes the inputs as runAnalyze does and
// analyses them; the serial file is left open for the raw lines.
func loadReportInput(o analyzeOptions, stderr io.Writer) (*reportInput, error) {
	copts, err := inputOptions(o)
	if err != nil {
		return nil, err
	}
	serial, pcap, err := inputFiles(o, "report")
	if err != nil {
		return nil, err
	}
	in := &reportInput{Input: htmlreport.Input{Redacted: copts.Redact}}
	var captures []string
	if pcap != "" {
		if captures, err = netcap.ExpandCapturePaths([]string{pcap}); err != nil {
			return nil, err
		}
	}
	dec, err := decodeInputs(o, copts, serial, captures, stderr)
	if err != nil {
		return nil, err
	}
	log, recs, skipped := dec.log, dec.recs, dec.skipped
	if serial != "" {
		in.Sources = append(in.Sources, filepath.Base(serial))
	}
	if pcap != "" {
		in.Sources = append(in.Sources, filepath.Base(pcap))
	}
	res := correlate.Analyze(log, recs, copts)
	for i := range skipped {
		skipped[i].File = filepath.Base(skipped[i].File) // the page is shared: no paths
		skipped[i].What = res.RedactText(skipped[i].What)
	}
	res.Input = skipped
	in.Result, in.Records = res, recs
	in.Title = reportTitle(o.Dir, serial, pcap)
	// The raw lines around events are read again from the file; a pipe
	// was consumed by the decoder, so its report has none.
	if serial != "" {
		if st, err := os.Stat(serial); err == nil && st.Mode().IsRegular() {
			f, err := os.Open(serial)
			if err != nil {
				return nil, err
			}
			in.serialFile, in.Serial = f, f
		}
	}
	return in, nil
}

// reportTitle names the session by its folder, else its files (never a
// full path: the page is shared).
func reportTitle(dir, serial, pcap string) string {
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			return filepath.Base(abs)
		}
		return filepath.Base(dir)
	}
	var names []string
	for _, p := range []string{serial, pcap} {
		if p != "" {
			names = append(names, filepath.Base(p))
		}
	}
	return strings.Join(names, " + ")
}

// writeFileAtomic writes path through a temporary file in its folder,
// renamed over path only when write succeeded.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
