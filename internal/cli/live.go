package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
)

func init() { commands = append(commands, newLiveCmd) }

// liveOptions are `atmq live`'s flags.
type liveOptions struct {
	// Serial side: a tap (rx, optional tx), a proxy (serial + pty) or a
	// host script (serial + script).
	SerialRX, SerialTX string
	Serial             string
	PTY                bool
	Script             string
	Line               capture.SerialConfig // baud, framing; Port unused

	// Network side.
	Iface      string
	PortFlag   []uint
	Ports      []uint16
	PcapFollow string

	Out      string
	Dialect  string
	ClientID string
	Duration time.Duration // stop after this long (0: until Ctrl-C)
	// Settle is how long a script session keeps capturing after the
	// script's last line, so late packets and URCs are recorded.
	Settle time.Duration
	Redact bool
	Tick   time.Duration // how often the live view is brought up to date
	Report string        // HTML report written when the session ends ("": none)
}

func newLiveCmd(s Streams) *cobra.Command {
	o := &liveOptions{Settle: 2 * time.Second, Tick: 500 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "live",
		Short: "Capture the UART and the network together beside a running device",
		Long: `live records a device's serial line and its network traffic at once, stamped
by one clock, prints the correlated timeline as it happens and each finding as
soon as it is known, and saves everything to a session folder that
'atmq analyze DIR' can analyse again later.

Serial side (pick one):
  --serial-rx PORT [--serial-tx PORT]  tap: listen to the module's TX line (and the host's)
  --serial PORT --pty                  proxy: atmq opens PORT and creates a pseudo-terminal
                                       for your terminal program; bytes pass unchanged
  --serial PORT --script FILE          host: atmq sends the script's AT commands itself

Network side (pick one or none):
  --iface NAME        capture on an interface (Linux: needs root or cap_net_raw)
  --pcap-follow FILE  read a capture another tool (tcpdump -U -w) is writing

Ctrl-C or SIGTERM ends the session: files are flushed and closed, the
summary is printed.`,
		Example: `  atmq live --serial /dev/ttyUSB0 --pty --iface eth0
  atmq live --serial-rx /dev/ttyUSB0 --serial-tx /dev/ttyUSB1 --iface wlan0 --out bench-1
  atmq live --serial /dev/ttyUSB0 --script connect-test.at --iface eth0
  atmq live --serial-rx /dev/ttyUSB0 --pcap-follow /tmp/server.pcap`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// The first Ctrl-C or SIGTERM ends the session cleanly; once it
			// has, the default action is back, so a second one quits at once.
			context.AfterFunc(ctx, stop)
			return runLive(ctx, o, s.Out, s.Err)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.SerialRX, "serial-rx", "", "tap: serial port listening to the module's TX line")
	f.StringVar(&o.SerialTX, "serial-tx", "", "tap: serial port listening to the host's TX line (optional)")
	f.StringVar(&o.Serial, "serial", "", "serial port of the module, with --pty or --script")
	f.BoolVar(&o.PTY, "pty", false, "proxy --serial through a pseudo-terminal for your terminal program")
	f.StringVar(&o.Script, "script", "", "AT script to send to --serial (one command per line; see README)")
	f.IntVar(&o.Line.Baud, "baud", capture.DefaultBaud, "baud rate")
	f.IntVar(&o.Line.DataBits, "data-bits", 8, "data bits (5-8)")
	f.StringVar(&o.Line.Parity, "parity", "none", "parity: none, odd, even, mark, space")
	f.StringVar(&o.Line.StopBits, "stop-bits", "1", "stop bits: 1, 1.5, 2")
	f.StringVar(&o.Line.FlowControl, "flow-control", "none", "flow control (only none is supported by the serial library)")
	f.StringVar(&o.Iface, "iface", "", "network interface to capture on")
	f.UintSliceVar(&o.PortFlag, "port", nil, "MQTT TCP port to capture (repeatable; default 1883)")
	f.StringVar(&o.PcapFollow, "pcap-follow", "", "follow a pcap/pcapng file another program is writing")
	f.StringVar(&o.Out, "out", "", "session folder (default atmq-YYYYmmdd-HHMMSS)")
	f.StringVar(&o.Dialect, "dialect", "", "AT dialect (default: detect)")
	f.StringVar(&o.ClientID, "client-id", "", "the device's MQTT client id, when its connect command is not in the log")
	f.DurationVar(&o.Duration, "duration", 0, "stop after this long (default: until Ctrl-C)")
	f.DurationVar(&o.Settle, "settle", o.Settle, "with --script: keep capturing this long after the last line")
	f.BoolVar(&o.Redact, "redact", false, "mask passwords in the output")
	f.StringVar(&o.Report, "report", "", "when the session ends, write its HTML report (as atmq report) to this file")
	return cmd
}

func (o *liveOptions) validate() error {
	ports, err := tcpPorts(o.PortFlag, netcap.DefaultMQTTPort)
	if err != nil {
		return err
	}
	o.Ports = ports
	modes := 0
	if o.SerialRX != "" {
		modes++
	}
	if o.Serial != "" {
		modes++
		if o.PTY == (o.Script != "") {
			return errors.New("--serial needs exactly one of --pty (proxy) or --script FILE (host)")
		}
	} else if o.PTY || o.Script != "" {
		return errors.New("--pty and --script need --serial PORT")
	}
	if o.SerialTX != "" && o.SerialRX == "" {
		return errors.New("--serial-tx needs --serial-rx")
	}
	if modes > 1 {
		return errors.New("use either a tap (--serial-rx) or --serial, not both")
	}
	if o.SerialTX != "" && filepath.Clean(o.SerialTX) == filepath.Clean(o.SerialRX) {
		return fmt.Errorf("--serial-tx and --serial-rx both name %s: a tap needs one receive-only adapter per UART line", o.SerialRX)
	}
	if o.Duration < 0 {
		return fmt.Errorf("--duration %v: must not be negative (0: until Ctrl-C)", o.Duration)
	}
	if o.Settle < 0 {
		return fmt.Errorf("--settle %v: must not be negative", o.Settle)
	}
	if o.Iface != "" && o.PcapFollow != "" {
		return errors.New("use either --iface or --pcap-follow, not both")
	}
	if modes == 0 && o.Iface == "" && o.PcapFollow == "" {
		return errors.New("nothing to capture: give a serial source (--serial-rx, --serial with --pty or --script) and/or --iface / --pcap-follow")
	}
	return nil
}

// captureFilter keeps the MQTT ports, the TLS port (so a device that
// talks TLS shows its ClientHello and alerts instead of nothing) and DNS.
func (o *liveOptions) captureFilter() capture.Filter {
	ports := append([]uint16(nil), o.Ports...)
	if !slices.Contains(ports, netcap.DefaultTLSPort) {
		ports = append(ports, netcap.DefaultTLSPort)
	}
	return capture.Filter{TCPPorts: ports, DNS: true}
}

// liveState feeds what the sources produce to the correlation session
// and keeps the live view.
type liveState struct {
	mu      sync.Mutex // guards dec, netErr, recorded, chunks
	sess    *correlate.Session
	dec     *netcap.Decoder
	netErr  []string
	chunks  int
	records int

	// recorded counts the chunks written to serial.atmq: chunk k is on
	// its line k+1 (after the header), the line the live view and
	// `atmq analyze DIR` both name.
	recorded int

	// widen, when set, is called with each broker port an open command
	// names that the capture does not keep yet.
	widen func(port uint16)
	known map[uint16]bool

	out  io.Writer
	opts *liveOptions
	// printed maps each timeline row and finding on view (by what it is
	// about, not its text) to the text shown, so a row whose text grows
	// (a command whose payload followed) is shown again as an update, and
	// a repeated command is not taken for one already shown. Rows the
	// session settled leave it.
	printed map[string]string
	last    *correlate.Result
}

// newLiveState starts the correlation of a live session.
func newLiveState(o *liveOptions, out io.Writer, settled io.Writer) (*liveState, error) {
	copts := correlate.Options{ClientID: o.ClientID, Redact: o.Redact}
	if o.Iface == "" && o.PcapFollow == "" {
		// Serial only: nothing to estimate a clock offset from, but the
		// chunks' own stamps are right, so rows show their times.
		var zero time.Duration
		copts.ClockOffset = &zero
	}
	sess, err := correlate.NewSession(correlate.SessionOptions{Options: copts, Serial: at.Options{Dialect: o.Dialect},
		Window: correlate.DefaultLiveWindow, LeaveOutOthers: true, SettledTo: settled})
	if err != nil {
		return nil, err
	}
	st := &liveState{sess: sess, out: out, opts: o, printed: map[string]string{}, known: map[uint16]bool{}}
	for _, p := range o.Ports {
		st.known[p] = true
	}
	st.known[netcap.DefaultTLSPort] = true
	st.dec = netcap.NewDecoder(netcap.Options{Ports: o.Ports}, func(r netcap.Record) {
		st.records++
		sess.AddRecord(r)
	})
	return st, nil
}

// addChunk records c with record (nil: not recorded) and feeds it to the
// session, numbered with its line in serial.atmq when the recording took
// it; a broker port the chunk's open command names joins the capture.
func (st *liveState) addChunk(c record.SerialChunk, record func(record.SerialChunk) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	var err error
	if record != nil {
		if err = record(c); err == nil {
			st.recorded++
			c.Line = st.recorded + 1
		}
	}
	st.chunks++
	st.sess.AddSerial(c)
	for _, p := range st.sess.Ports() {
		if st.known[p] {
			continue
		}
		st.known[p] = true
		st.dec.AddPort(p)
		if st.widen != nil {
			st.widen(p)
		}
	}
	return err
}

// addFrame decodes one captured frame into the session.
func (st *liveState) addFrame(f record.Frame) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.dec.Frame(f); err != nil {
		st.netErr = append(st.netErr, fmt.Sprintf("frame %d: %v", f.Number, err))
	}
}

func runLive(ctx context.Context, o *liveOptions, stdout, stderr io.Writer) error {
	if err := o.validate(); err != nil {
		return withCode(ExitUsage, err)
	}
	var script *capture.Script
	if o.Script != "" {
		f, err := os.Open(o.Script)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		script, err = capture.ParseScript(f, o.Script)
		f.Close()
		if err != nil {
			return withCode(ExitUsage, err)
		}
	}
	if o.Dialect != "" && at.LookupDialect(o.Dialect) == nil {
		return withCode(ExitUsage, fmt.Errorf("unknown dialect %q (known: %s)", o.Dialect, strings.Join(at.Dialects(), ", ")))
	}
	start := time.Now()
	dir := o.Out
	if dir == "" {
		dir = uniqueSessionDir(capture.DefaultSessionDir(start))
	}
	sessOpts := capture.SessionOptions{Start: start, Interface: o.Iface, PcapFollow: o.PcapFollow, Args: os.Args[1:]}
	line := func(port string) capture.SerialConfig { c := o.Line; c.Port = port; return c }
	switch {
	case o.SerialRX != "":
		sessOpts.Serial = append(sessOpts.Serial, capture.NewSerialInfo("tap-rx", line(o.SerialRX)))
		if o.SerialTX != "" {
			sessOpts.Serial = append(sessOpts.Serial, capture.NewSerialInfo("tap-tx", line(o.SerialTX)))
		}
	case o.PTY:
		sessOpts.Serial = append(sessOpts.Serial, capture.NewSerialInfo("proxy", line(o.Serial)))
	case script != nil:
		sessOpts.Serial = append(sessOpts.Serial, capture.NewSerialInfo("script", line(o.Serial)))
	}

	// A mistyped port must fail before the session folder is made, or
	// the corrected command would find --out taken.
	for _, port := range []string{o.SerialRX, o.SerialTX, o.Serial} {
		if port == "" {
			continue
		}
		if err := line(port).Check(); err != nil {
			return withCode(ExitUsage, err)
		}
	}

	// Open the network source first: a missing privilege is the most
	// likely failure and nothing should be recorded half-way before it.
	var ifc *capture.InterfaceCapture
	if o.Iface != "" {
		var err error
		filter := o.captureFilter()
		ifc, err = capture.OpenInterface(o.Iface, capture.CaptureOptions{Filter: filter})
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer ifc.Close()
		sessOpts.LinkType = ifc.LinkType()
		sessOpts.Filter = filter.String()
	}
	sess, err := capture.NewSession(dir, sessOpts)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer sess.Close()
	fmt.Fprintf(stderr, "atmq: recording to %s/ (Ctrl-C to stop)\n", sess.Dir())

	settled, err := capture.CreateSettled(sess.Dir())
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer settled.Close()
	st, err := newLiveState(o, stdout, settled)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if ifc != nil {
		filter := o.captureFilter()
		st.widen = func(port uint16) {
			filter.TCPPorts = append(filter.TCPPorts, port)
			if err := ifc.SetFilter(filter); err != nil {
				fmt.Fprintf(stderr, "atmq: port %d not added to the capture: %v\n", port, err)
				return
			}
			fmt.Fprintf(stderr, "atmq: capturing port %d too (the module's open command names it)\n", port)
		}
	}

	if o.Duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, o.Duration)
		defer stop()
	}
	src := capture.LiveSources{Interface: ifc, PcapFollow: o.PcapFollow, Settle: o.Settle}
	switch {
	case o.SerialRX != "":
		rx := line(o.SerialRX)
		src.TapRX = &rx
		if o.SerialTX != "" {
			tx := line(o.SerialTX)
			src.TapTX = &tx
		}
	case o.PTY:
		px := line(o.Serial)
		src.Proxy = &px
	case script != nil:
		src.Script, src.ScriptPort = script, line(o.Serial)
		src.ScriptLog = prefixWriter{w: stderr, prefix: "atmq: script: "}
	}
	handlers := capture.LiveHandlers{
		Frame: func(f record.Frame) {
			// A write failure stops the session: reported once (Stopped).
			sess.Frame(f)
			st.addFrame(f)
		},
		Serial: capture.SerialSink{
			Chunk: func(c record.SerialChunk) {
				st.addChunk(c, sess.SerialChunk) // a failure stops the session: reported once
			},
			Status: func(s capture.Status) { fmt.Fprintf(stderr, "atmq: %s\n", s) },
		},
		TickEvery: o.Tick,
		Tick:      func() { st.update(false) },
		// A full disk or an I/O error: stop at once, say it once.
		Stop:    sess.Failed(),
		Stopped: func() { fmt.Fprintf(stderr, "atmq: %v; recording stopped\n", sess.Err()) },
	}
	err = capture.RunLive(ctx, src, handlers)
	if info := sess.Info(); err != nil && info.Frames == 0 && info.Chunks == 0 {
		// A source failed before anything was recorded (a port that is no
		// serial port, a capture file that is no capture): leave no empty
		// folder behind to block the corrected command's --out.
		settled.Close()
		os.Remove(settled.Name())
		if derr := sess.Discard(); derr != nil {
			fmt.Fprintf(stderr, "atmq: %v\n", derr)
		} else {
			fmt.Fprintf(stderr, "atmq: nothing recorded; the session files in %s/ were removed\n", sess.Dir())
		}
		return withCode(ExitUsage, err)
	}
	st.update(true)
	closeErr := sess.Close()
	if err := settled.Close(); err != nil && closeErr == nil {
		closeErr = err
	}
	if err := st.sess.SettleError(); err != nil && closeErr == nil {
		closeErr = fmt.Errorf("%s: %w", capture.SettledFileName, err)
	}

	res := st.last
	st.summary(stderr, sess, start)
	if o.Report != "" && closeErr == nil {
		if rerr := writeSessionReport(sess.Dir(), o, stderr); rerr != nil && err == nil {
			err = rerr
		}
	}
	if sess.Err() != nil {
		return withCode(ExitDamaged, nil) // reported when it happened
	}
	if closeErr != nil {
		return withCode(ExitDamaged, fmt.Errorf("closing the session folder: %w", closeErr))
	}
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if res != nil && res.HasErrors() {
		return withCode(ExitFindings, nil)
	}
	return nil
}

// uniqueSessionDir is base, or base-2, base-3… when base is taken: the
// default folder is named by the second, and a user who gave no --out
// must not be told to choose another.
func uniqueSessionDir(base string) string {
	dir := base
	for i := 2; i < 1000; i++ {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
	return base // NewSession will say it is taken
}

// prefixWriter prefixes each write (one log line) with a fixed string.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := fmt.Fprintf(p.w, "%s%s", p.prefix, b); err != nil {
		return 0, err
	}
	return len(b), nil
}
