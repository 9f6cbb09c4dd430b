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

// liveState accumulates what the sources produce and keeps the live view.
type liveState struct {
	mu      sync.Mutex
	chunks  []record.SerialChunk
	recs    []netcap.Record
	dec     *netcap.Decoder
	changed bool
	netErr  []string

	// recorded counts the chunks written to serial.atmq: chunk k is on
	// its line k+1 (after the header), the line the live view and
	// `atmq analyze DIR` both name.
	recorded int

	out  io.Writer
	opts *liveOptions
	// printed maps each timeline row and finding already shown (by what
	// it is about, not its text) to the text shown, so a row whose text
	// grows (a command whose payload followed) is shown again as an
	// update, and a repeated command is not taken for one already shown.
	printed map[string]string
	last    *correlate.Result
}

// liveHoldBack is how long the live view waits for the rest of a serial
// line before it shows the part received so far.
const liveHoldBack = time.Second

// addChunk records c with record (nil: not recorded) and keeps it for the
// view, numbered with its line in serial.atmq when the recording took it.
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
	st.chunks = append(st.chunks, c)
	st.changed = true
	return err
}

// completeChunks is how many of chunks the view shows now: it leaves out
// the recent ones after the last line end, so that a line whose rest is
// on its way is not shown cut; nothing is held back longer than
// liveHoldBack, even while a port streams without line ends.
func completeChunks(chunks []record.SerialChunk, now time.Time) int {
	n := len(chunks)
	for ; n > 0; n-- {
		c := chunks[n-1]
		if d := c.Data; len(d) > 0 && (d[len(d)-1] == '\n' || d[len(d)-1] == '\r') {
			break
		}
		if now.Sub(c.Time) >= liveHoldBack {
			break
		}
	}
	return n
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

	st := &liveState{out: stdout, opts: o, printed: map[string]string{}}
	st.dec = netcap.NewDecoder(netcap.Options{Ports: o.Ports}, func(r netcap.Record) { st.recs = append(st.recs, r) })

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if o.Duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, o.Duration)
		defer stop()
	}

	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return
		}
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	onFrame := func(f record.Frame) {
		// A write failure stops the session: reported once, below.
		sess.Frame(f)
		st.mu.Lock()
		defer st.mu.Unlock()
		if err := st.dec.Frame(f); err != nil {
			st.netErr = append(st.netErr, fmt.Sprintf("frame %d: %v", f.Number, err))
		}
		st.changed = true
	}
	sink := capture.SerialSink{
		Chunk: func(c record.SerialChunk) {
			st.addChunk(c, sess.SerialChunk) // a failure stops the session: reported once, below
		},
		Status: func(s capture.Status) { fmt.Fprintf(stderr, "atmq: %s\n", s) },
	}

	switch {
	case ifc != nil:
		wg.Add(1)
		go func() { defer wg.Done(); fail(ifc.Run(ctx, onFrame)) }()
	case o.PcapFollow != "":
		wg.Add(1)
		go func() { defer wg.Done(); fail(capture.FollowPcap(ctx, o.PcapFollow, capture.FollowOptions{}, onFrame)) }()
	}
	switch {
	case o.SerialRX != "":
		var tx *capture.SerialConfig
		if o.SerialTX != "" {
			c := line(o.SerialTX)
			tx = &c
		}
		wg.Add(1)
		go func() { defer wg.Done(); fail(capture.RunTap(ctx, line(o.SerialRX), tx, sink, capture.TapOptions{})) }()
	case o.PTY:
		px, err := capture.StartProxy(ctx, line(o.Serial), sink, capture.ProxyOptions{})
		if err != nil {
			fail(err) // ends the session like any source failing at start
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); fail(px.Wait()) }()
	case script != nil:
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := capture.RunScript(ctx, line(o.Serial), script, sink, capture.ScriptOptions{Log: prefixWriter{w: stderr, prefix: "atmq: script: "}})
			if err != nil && !errors.Is(err, capture.ErrScriptStep) {
				fail(err)
				return
			}
			if err != nil {
				fmt.Fprintf(stderr, "atmq: %v\n", err)
			}
			// The script is done: keep listening a moment for late
			// packets and URCs, then end the session.
			select {
			case <-time.After(o.Settle):
			case <-ctx.Done():
			}
			cancel()
		}()
	}

	ticker := time.NewTicker(o.Tick)
	defer ticker.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-sess.Failed():
			// A full disk or an I/O error: stop at once, say it once.
			fmt.Fprintf(stderr, "atmq: %v; recording stopped\n", sess.Err())
			cancel()
			break loop
		case <-ticker.C:
			st.update(false)
		}
	}
	wg.Wait()
	errMu.Lock()
	err = firstErr
	errMu.Unlock()
	if info := sess.Info(); err != nil && info.Frames == 0 && info.Chunks == 0 {
		// A source failed before anything was recorded (a port that is no
		// serial port, a capture file that is no capture): leave no empty
		// folder behind to block the corrected command's --out.
		if derr := sess.Discard(); derr != nil {
			fmt.Fprintf(stderr, "atmq: %v\n", derr)
		} else {
			fmt.Fprintf(stderr, "atmq: nothing recorded; the session files in %s/ were removed\n", sess.Dir())
		}
		return withCode(ExitUsage, err)
	}
	st.update(true)
	closeErr := sess.Close()

	res := st.last
	st.summary(stderr, sess, start)
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
