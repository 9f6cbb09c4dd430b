package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/modemsim"
)

func init() { commands = append(commands, newSimulateCmd) }

// simulateOptions are the flags of `atmq simulate`.
type simulateOptions struct {
	Dialect           string
	PTY               bool
	Echo              bool
	Bind              string
	Record            string // atmq-serial log of the UART traffic
	TruncatePassword  int
	NoPingreq         bool
	MQTT31            bool
	AcceptTypographic bool
	SlowURC           time.Duration
	DropURC           string
	TLS               simulateTLSOptions
}

func newSimulateCmd(s Streams) *cobra.Command {
	var o simulateOptions
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Testing aid: play an IoT module's AT MQTT firmware against a real broker",
		Long: `Play a cellular/Wi-Fi module's AT-command MQTT firmware — a testing aid for
trying atmq, host firmware or broker setups without hardware.

The simulated module reads AT commands on stdin and answers on stdout, or
with --pty on a pseudo-terminal whose path is printed on stderr (open it
like a serial port: picocom, your MCU code, atmq at --port). Its network
side is real: it opens TCP connections and speaks MQTT 3.1/3.1.1 to the
broker the commands name.

Dialects: ecmt (Eigencomm AT+ECMT…), qmt (Quectel AT+QMT…), cmqtt (SIMCom
AT+CMQTT…), espat (Espressif AT+MQTT…). The module behaves as modules do:
echo until ATE0, OK first and the result as a URC later, a status URC when
the broker closes the connection, receive URCs with automatic QoS 1/2
acks, PINGREQ every keepalive.

Fault flags reproduce firmware defects users meet: --truncate-password,
--no-pingreq, --mqtt31 (MQTT 3.1 by default), --slow-urc, --drop-urc.

Exit codes: 0 when the host side closed (EOF) or on Ctrl-C, 2 bad usage.`,
		Example: `  atmq simulate --dialect ecmt --pty
  printf 'AT+ECMTOPEN=0,"127.0.0.1",1883\r\n' | atmq simulate --dialect ecmt --echo=false
  atmq simulate --dialect qmt --pty --no-pingreq --bind 127.0.0.5 --record uart.atmq`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runSimulate(ctx, o, s.In, s.Out, s.Err)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dialect, "dialect", modemsim.DialectECMT, "AT dialect: "+strings.Join(modemsim.Dialects(), ", "))
	f.BoolVar(&o.PTY, "pty", false, "serve on a new pseudo-terminal (path printed on stderr) instead of stdin/stdout")
	f.BoolVar(&o.Echo, "echo", true, "start with command echo on (ATE0/ATE1 switch it)")
	f.StringVar(&o.Bind, "bind", "", "local IP for the module's TCP connections, e.g. 127.0.0.5")
	f.StringVar(&o.Record, "record", "", "write the UART traffic to this file in atmq-serial format")
	f.IntVar(&o.TruncatePassword, "truncate-password", 0, "fault: cut MQTT passwords to N bytes")
	f.BoolVar(&o.NoPingreq, "no-pingreq", false, "fault: never send PINGREQ (the broker closes after 1.5 × keepalive)")
	f.BoolVar(&o.MQTT31, "mqtt31", false, "fault: default to MQTT 3.1 (MQIsdp) until the host configures a version")
	f.BoolVar(&o.AcceptTypographic, "accept-typographic-quotes", false, "fault: treat “ ” as \" (real modules answer ERROR)")
	f.DurationVar(&o.SlowURC, "slow-urc", 0, "fault: delay every URC by this duration")
	f.StringVar(&o.DropURC, "drop-urc", "", "fault: never print these URCs (comma-separated names, e.g. +ECMTCONN)")
	addSimulateTLSFlags(cmd, &o.TLS)
	return cmd
}

// runSimulate serves one module until the host side ends or ctx is done.
func runSimulate(ctx context.Context, o simulateOptions, in io.Reader, out, errw io.Writer) error {
	if !slices.Contains(modemsim.Dialects(), o.Dialect) {
		return withCode(ExitUsage, fmt.Errorf("--dialect %q: want one of %s", o.Dialect, strings.Join(modemsim.Dialects(), ", ")))
	}
	if o.TruncatePassword < 0 {
		return withCode(ExitUsage, fmt.Errorf("--truncate-password %d: want a byte count ≥ 0", o.TruncatePassword))
	}
	if o.SlowURC < 0 {
		return withCode(ExitUsage, fmt.Errorf("--slow-urc %v: want a duration ≥ 0", o.SlowURC))
	}
	opts := modemsim.Options{
		Dialect:   o.Dialect,
		Echo:      o.Echo,
		LocalAddr: o.Bind,
		Faults: modemsim.Faults{
			TruncatePassword:        o.TruncatePassword,
			NoPingreq:               o.NoPingreq,
			DefaultVersion31:        o.MQTT31,
			AcceptTypographicQuotes: o.AcceptTypographic,
			SlowURC:                 o.SlowURC,
			DropURC:                 o.DropURC,
		},
	}
	tlsOpts, keyLog, err := o.TLS.tlsOptions()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if keyLog != nil {
		defer keyLog.Close()
	}
	opts.TLS = tlsOpts
	if o.Bind != "" {
		if err := checkIP(o.Bind); err != nil {
			return withCode(ExitUsage, err)
		}
	}
	if o.Record != "" {
		rec, err := newSerialRecorder(o.Record)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer rec.Close()
		opts.Tap = rec.add
	}
	m := modemsim.New(opts)
	if !o.PTY {
		return m.ServeContext(ctx, struct {
			io.Reader
			io.Writer
		}{in, out})
	}
	p, err := modemsim.OpenPTY()
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(errw, "atmq simulate: %s module on %s (Ctrl-C to stop)\n", o.Dialect, p.Path)
	// The pty stays open on our side, so hosts may open and close it
	// repeatedly; only ctx ends the run. Closing the master unblocks the
	// read when ctx ends.
	go func() {
		<-ctx.Done()
		p.Master.Close()
	}()
	err = m.ServeContext(ctx, p.Master)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// checkIP makes --bind fail fast with a usage error.
func checkIP(s string) error {
	if net.ParseIP(s) == nil {
		return fmt.Errorf("--bind %q: not an IP address", s)
	}
	return nil
}

// serialRecorder writes the module's UART traffic as atmq-serial lines.
type serialRecorder struct {
	mu  sync.Mutex
	f   *os.File
	buf []byte
	err error
}

func newSerialRecorder(path string) (*serialRecorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	if _, err := f.WriteString(record.SerialRecordingHeader + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("--record %s: %w", path, err)
	}
	return &serialRecorder{f: f}, nil
}

// add writes one chunk at once, so the file is complete whenever the
// simulator is killed.
func (r *serialRecorder) add(c record.SerialChunk) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	r.buf = record.AppendSerialRecord(r.buf[:0], c)
	_, r.err = r.f.Write(r.buf)
}

func (r *serialRecorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.f.Close()
	if r.err != nil {
		return r.err
	}
	return err
}
