package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/correlate/report"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/internal/progress"
	"github.com/atmq/atmq/internal/term"
)

func init() { commands = append(commands, newAnalyzeCmd) }

// analyzeOptions are the flags of `atmq analyze`.
type analyzeOptions struct {
	Dir          string // session folder (positional)
	Serial       string
	Pcap         string
	Pcaps        []string // every --pcap: files, directories or globs
	All          bool     // capture only: every client in the client table
	ClientID     string
	Device       string
	ClockOffset  string // Go duration ("8h", "-3.2s") or seconds ("28800")
	JSON         bool
	Format       string // table, json, mermaid
	Dialect      string
	SerialFormat string
	Date         string
	Ports        []uint16
	Redact       bool
	ReorderLimit int    // segments held out of order per connection direction
	TLSKeylog    string // NSS key log decrypting TLS sessions
	// DeviceSecret is the cloud platform's device secret the credentials'
	// signature is recomputed with; never printed.
	DeviceSecret string
}

func newAnalyzeCmd(s Streams) *cobra.Command {
	var o analyzeOptions
	var ports []uint
	cmd := &cobra.Command{
		Use:   "analyze [DIR] [--serial LOG] [--pcap CAPTURE]",
		Short: "Pair AT commands with MQTT packets and say why the session fails",
		Long: `analyze reads a module's serial log and a capture of its network traffic,
picks the device's connection(s) in the capture, estimates the offset between
the two clocks, pairs every AT command and URC with the packets and TCP/DNS
events it caused, compares what the commands asked for with what went on the
wire, and reports findings with evidence and a fix.

DIR is a folder holding one capture (*.pcap, *.pcapng) and one serial log
(serial.atmq, else a single *.log or *.txt), as 'atmq live' sessions and the
pcaps/ samples do. Either input alone gives what it can: the module's view
with its result codes explained, or, for captures alone (--pcap repeatable,
a folder such as a tcpdump ring, or a glob; read as one stream in time
order), the fleet report: a summary, every problem grouped by cause with
counts and example client ids, and a table of the clients with a problem
(--all: every client); --client-id/--device add that client's timeline.

Output: a timeline (host→module, module→host and network lanes, each row
tagged T<n> with its transaction or E<n> with its event) and the findings
table; --json (or --format json) one JSON document; --format mermaid a
sequence diagram.

Exit codes: 0 no error finding, 1 at least one error finding, 2 bad usage or
unreadable input, 3 damaged input (what could be read was analysed; --json
lists what was skipped under "input").`,
		Example: `  atmq analyze pcaps/ecmt-no-credentials
  atmq analyze --serial sscom.txt --pcap server.pcapng --date 2026-11-26
  atmq analyze --serial dev.log --pcap cap.pcap --client-id dev1 --json
  atmq analyze --pcap /var/log/mqtt-ring/ --json
  atmq analyze --pcap 'node*.pcapng' --client-id sensor-0042
  atmq analyze DIR --clock-offset 8h --format mermaid > session.mmd`,
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
			if len(o.Pcaps) > 0 {
				o.Pcap = o.Pcaps[0]
			}
			return runAnalyze(o, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Serial, "serial", "", "serial log file")
	f.StringArrayVar(&o.Pcaps, "pcap", nil, "capture file (pcap or pcapng); repeatable, a directory or a glob: several are read as one stream in time order")
	f.BoolVar(&o.All, "all", false, "capture only: list every client id in the client table, not only those with a problem")
	f.StringVar(&o.ClientID, "client-id", "", "the device's MQTT client id (overrides the connect command's)")
	f.StringVar(&o.Device, "device", "", "the device's address as the capture shows it: IP or IP:port")
	f.StringVar(&o.ClockOffset, "clock-offset", "", "serial clock minus capture clock (e.g. 8h, -3.2s, 28800): skips the estimate")
	f.BoolVar(&o.JSON, "json", false, "print one JSON document (same as --format json)")
	f.StringVar(&o.Format, "format", "table", "output: table, json or mermaid")
	f.StringVar(&o.Dialect, "dialect", "", "AT dialect: "+strings.Join(at.Dialects(), ", ")+" (detected unless given)")
	f.StringVar(&o.SerialFormat, "serial-format", "", "serial log format: "+strings.Join(at.Formats(), ", ")+" (detected unless given)")
	f.StringVar(&o.Date, "date", "", "date (YYYY-MM-DD) for serial logs that stamp only the time of day; default: the capture's first frame, else the log's modification time")
	f.UintSliceVar(&ports, "port", nil, "TCP port carrying MQTT (repeatable; default 1883)")
	f.BoolVar(&o.Redact, "redact", false, "mask passwords in the output")
	f.StringVar(&o.DeviceSecret, "device-secret", "", "the device's secret (key, PSK, access token) on its cloud platform: the credentials' signature is recomputed with it (never printed; $ATMQ_DEVICE_SECRET when not given, which keeps it out of the process list)")
	addReorderLimitFlag(cmd, &o.ReorderLimit)
	addTLSKeylogFlag(cmd, &o.TLSKeylog)
	return cmd
}

// runAnalyze resolves the inputs, decodes them, analyses and renders.
func runAnalyze(o analyzeOptions, s Streams) error {
	render, err := pickRenderer(o, s.Term)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	copts, err := inputOptions(o)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if o.Dir != "" && o.Serial == "" && o.Pcap == "" && captureFolder(o.Dir) {
		return runFleet(o, []string{o.Dir}, s) // a ring or a broker's captures, no serial log
	}
	serial, pcap, err := inputFiles(o, "analyze")
	if err != nil {
		return withCode(ExitUsage, err)
	}
	pcaps := o.Pcaps
	if len(pcaps) == 0 && pcap != "" {
		pcaps = []string{pcap}
	}
	if serial == "" {
		// A capture alone: the broker-side fleet report.
		return runFleet(o, pcaps, s)
	}
	var captures []string
	if len(pcaps) > 0 {
		if captures, err = netcap.ExpandCapturePaths(pcaps); err != nil {
			return withCode(ExitUsage, err)
		}
	}

	// A log alone streams through the session, which settles what lies
	// behind its bound, so memory does not grow with the log. With a
	// capture the log is read before it (its open commands name the
	// broker port to decode), so the session keeps both whole, the
	// collector bounding the capture's part.
	sopts := correlate.SessionOptions{Options: copts, Serial: at.Options{Dialect: o.Dialect}}
	var spill *correlate.Spill
	if len(captures) > 0 {
		sopts.MaxItems = math.MaxInt
	} else {
		if spill, err = correlate.NewSpill(); err != nil {
			return withCode(ExitUsage, err)
		}
		defer spill.Close()
		sopts.OnSettled = spill.Settled
	}
	sess, err := correlate.NewSession(sopts)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	// The capture's first frame dates a time-only serial log, and the log's
	// open commands name the broker port to decode: read the first frame,
	// then the log, then the whole capture.
	var firstFrame time.Time
	if len(captures) > 0 {
		if firstFrame, err = captureStart(captures); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	var skipped []correlate.Skipped
	if serial != "" {
		log, err := readSerialInto(serial, o, firstFrame, sess, s.Err)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		if err := serialVerdict(serial, log, "--serial-format"); err != nil {
			return withCode(ExitUsage, err)
		}
		skipped = logSkipped(serial, log)
	}
	if len(captures) > 0 {
		log := sess.Log() // the whole log: with a capture nothing is settled
		recs, more, err := decodeCaptures(o, copts, log, captures, s.Err)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		skipped = append(skipped, more...)
		for _, r := range recs {
			sess.AddRecord(r)
		}
	}
	res := sess.Close()
	res.Input = skipped
	if spill != nil && !spill.Empty() {
		err = renderStream(o, s.Term, s.Out, report.Stream{Final: res, Transactions: spill.Transactions, Events: spill.Events, Rows: spill.Rows})
	} else {
		err = render(s.Out, res)
	}
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("writing output: %w", err))
	}
	if res.Damaged() {
		return withCode(ExitDamaged, errors.New("input was damaged: the analysis used what could be read (--json lists it under \"input\")"))
	}
	if res.HasErrors() {
		return withCode(ExitFindings, nil)
	}
	return nil
}

// pickRenderer maps --format/--json to a renderer; the table is fitted
// to the terminal.
func pickRenderer(o analyzeOptions, tm term.Output) (func(io.Writer, *correlate.Result) error, error) {
	format := o.Format
	if o.JSON {
		if format != "table" && format != "json" {
			return nil, fmt.Errorf("--json and --format %s contradict each other", format)
		}
		format = "json"
	}
	switch format {
	case "table", "":
		return func(w io.Writer, r *correlate.Result) error {
			return report.TableFor(w, r, report.TableOptions{Width: tm.Width, Color: tm.Color})
		}, nil
	case "json":
		return report.JSON, nil
	case "mermaid":
		return report.Mermaid, nil
	}
	return nil, fmt.Errorf("--format %q: want table, json or mermaid", o.Format)
}

// renderStream renders a session too long to hold: its settled part
// replayed from the spill, then its final window.
func renderStream(o analyzeOptions, tm term.Output, w io.Writer, s report.Stream) error {
	if o.JSON || o.Format == "json" {
		return report.JSONStream(w, s)
	}
	if o.Format == "mermaid" {
		// A diagram is read whole: gather it (a diagram of a log this
		// long is for a program, which --json serves better).
		whole := *s.Final
		whole.Timeline = nil
		if err := s.Rows(func(r correlate.Row) error { whole.Timeline = append(whole.Timeline, r); return nil }); err != nil {
			return err
		}
		whole.Timeline = append(whole.Timeline, s.Final.Timeline...)
		return report.Mermaid(w, &whole)
	}
	return report.TableStream(w, s, report.TableOptions{Width: tm.Width, Color: tm.Color})
}

// correlateOptions checks and converts the correlation flags.
func correlateOptions(o analyzeOptions) (correlate.Options, error) {
	c := correlate.Options{ClientID: o.ClientID, Device: o.Device, Redact: o.Redact, DeviceSecret: o.DeviceSecret}
	if c.DeviceSecret == "" {
		c.DeviceSecret = os.Getenv("ATMQ_DEVICE_SECRET")
	}
	if o.ClockOffset != "" {
		d, err := parseOffset(o.ClockOffset)
		if err != nil {
			return c, err
		}
		c.ClockOffset = &d
	}
	if o.Device != "" {
		if err := checkDevice(o.Device); err != nil {
			return c, err
		}
	}
	return c, nil
}

// parseOffset reads --clock-offset: a Go duration or plain seconds.
func parseOffset(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e6 && f < 1e6 {
		return time.Duration(f * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("--clock-offset %q: want a duration (8h, -3.2s, 1h30m) or seconds (28800)", s)
}

func checkDevice(s string) error {
	if _, err := parseAddrOrAddrPort(s); err != nil {
		return fmt.Errorf("--device %q: want an IP address or IP:port", s)
	}
	return nil
}

// captureStart returns the time of the captures' first frame (zero when
// they are empty).
func captureStart(paths []string) (time.Time, error) {
	m, err := netcap.OpenCaptures(paths)
	if err != nil {
		return time.Time{}, err
	}
	defer m.Close()
	return m.Start(), nil
}

// mqttPorts is the --port list (default 1883) plus every port the log's
// open and connect commands name, so a broker on a non-standard port is
// decoded without --port. TLS's 8883 stays with the TLS decoder.
func mqttPorts(flag []uint16, log *at.Log) []uint16 {
	ports := append([]uint16(nil), flag...)
	if len(ports) == 0 {
		ports = append(ports, netcap.DefaultMQTTPort)
	}
	if log == nil {
		return ports
	}
	for _, t := range log.Transactions {
		if t.Op != at.OpOpen && t.Op != at.OpConnect {
			continue
		}
		p, err := strconv.Atoi(strings.TrimSpace(t.Args[at.ArgPort]))
		if err != nil || p <= 0 || p > 65535 || p == netcap.DefaultTLSPort {
			continue
		}
		if !slices.Contains(ports, uint16(p)) {
			ports = append(ports, uint16(p))
		}
	}
	return ports
}

// readCapture decodes the captures (several are read as one stream in
// time order) into the collector, which keeps what the analysis can use. A
// damaged file is reported on stderr and what could be read is used.
func readCapture(paths []string, opts netcap.Options, keep *correlate.Collector, stderr io.Writer) (recs []netcap.Record, frames int, skipped []correlate.Skipped, err error) {
	src, err := netcap.OpenCaptures(paths)
	if err != nil {
		return nil, 0, nil, err
	}
	defer src.Close()
	prog := progress.Start(stderr, src.Progress)
	stats, err := netcap.Decode(src, opts, keep.Add)
	prog.Stop()
	var damaged *netcap.DamagedError
	switch {
	case errors.As(err, &damaged):
		fmt.Fprintf(stderr, "atmq: %v; analysing the frames before it\n", err)
	case err != nil:
		return nil, 0, nil, err
	}
	label := captureLabel(paths)
	warnSkipped(stderr, label, stats)
	if n := keep.Dropped(); n > 0 {
		fmt.Fprintf(stderr, "atmq: %s: large capture: %d packets of connections that cannot be the device's were left out (their CONNECT, CONNACK, DISCONNECT and TCP/DNS events are kept)\n", label, n)
	}
	return keep.Records(), stats.Frames, captureSkipped(label, damaged, stats), nil
}

// captureLabel names the captures in messages.
func captureLabel(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return fmt.Sprintf("%d captures", len(paths))
}

// readSerial decodes a whole serial log (export keeps it whole).
func readSerial(path string, o analyzeOptions, captureStart time.Time, stderr io.Writer) (*at.Log, error) {
	return readSerialWith(path, o, captureStart, stderr, at.ReadLog)
}

// readSerialInto decodes the serial log into the session and returns what
// the log says of itself (format, problems, damage; no transactions).
func readSerialInto(path string, o analyzeOptions, captureStart time.Time, sess *correlate.Session, stderr io.Writer) (*at.Log, error) {
	return readSerialWith(path, o, captureStart, stderr, sess.ReadSerial)
}

// readSerialWith opens the log, dates it by decode/at's policy (--date,
// else the capture's first frame, else the file's modification time),
// decodes it with read and tells stderr how it was dated and what was
// wrong with it.
func readSerialWith(path string, o analyzeOptions, captureStart time.Time, stderr io.Writer, read func(io.Reader, at.Options) (*at.Log, error)) (*at.Log, error) {
	opts := at.Options{Format: o.SerialFormat, Dialect: o.Dialect}
	f, err := openLogFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mtime time.Time
	if st, err := f.Stat(); err == nil {
		mtime = st.ModTime()
	}
	if err := at.DatePolicy(&opts, o.Date, captureStart, mtime); err != nil {
		return nil, err
	}
	log, err := read(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if note := at.DateNote(path, log, opts.Date); note != "" {
		fmt.Fprintf(stderr, "atmq: %s\n", note)
	}
	for i, p := range log.Problems {
		if i == 10 {
			fmt.Fprintf(stderr, "atmq: %s: … %d more problems (atmq at --json %s lists them)\n", path, len(log.Problems)-10, path)
			break
		}
		fmt.Fprintf(stderr, "atmq: %s: %s\n", path, p)
	}
	if log.Damaged > 0 {
		fmt.Fprintf(stderr, "atmq: %s: %d part(s) could not be read; analysing the rest\n", path, log.Damaged)
	}
	return log, nil
}

// parseAddrOrAddrPort accepts "IP" or "IP:port".
func parseAddrOrAddrPort(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ip, 0), nil
}
