// Package modemsim plays an IoT module's AT-command MQTT firmware on a
// serial line (a pseudo-terminal, stdin/stdout or any io.ReadWriter) while
// opening real TCP connections and speaking real MQTT 3.1/3.1.1 to a real
// broker. It reproduces what modules show on the UART — echo, `OK` first
// and the result URC later, status URCs when the peer closes, receive URCs
// with automatic QoS 1/2 acks — and the firmware faults users meet
// (truncated passwords, no PINGREQ, MQTT 3.1 by default, lost or slow
// URCs).
//
// Dialects: Eigencomm ECMT and Quectel QMT fully, SIMCom CMQTT and
// Espressif ESP-AT for connect/subscribe/publish/receive. Sources for each
// behaviour are in ../shared/docs/at-dialects.md (cited per dialect
// file).
package modemsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// Dialect names accepted in Options.Dialect.
const (
	DialectECMT  = "ecmt"  // Eigencomm AT+ECMT… (EC616, EC626, NT35E…)
	DialectQMT   = "qmt"   // Quectel AT+QMT… (EC2x, BG9x, BC2x…)
	DialectCMQTT = "cmqtt" // SIMCom AT+CMQTT… (SIM7600, A7670…)
	DialectESPAT = "espat" // Espressif ESP-AT AT+MQTT…
)

// Dialects lists the supported dialect names.
func Dialects() []string {
	return []string{DialectECMT, DialectQMT, DialectCMQTT, DialectESPAT, DialectSIM800Socket, DialectQISocket}
}

// Faults reproduce real firmware defects. The zero value is a well-behaved
// module.
type Faults struct {
	// TruncatePassword > 0 cuts the MQTT password to that many bytes
	// before it goes into CONNECT, as firmware with a short buffer does.
	TruncatePassword int
	// NoPingreq never sends PINGREQ: the broker closes the connection
	// after 1.5 × keepalive [MQTT-3.1.2-24].
	NoPingreq bool
	// DefaultVersion31 makes MQTT 3.1 ("MQIsdp", level 3) the default
	// protocol until the host configures a version, as BG9x firmware does.
	DefaultVersion31 bool
	// AcceptTypographicQuotes treats “ ” ‘ ’ as '"'. Real firmware does
	// not: a command with typographic quotes (pasted from a document) is
	// answered ERROR and nothing is sent — the default.
	AcceptTypographicQuotes bool
	// SlowURC delays every unsolicited result by this much.
	SlowURC time.Duration
	// DropURC names URCs that are never printed, comma-separated, e.g.
	// "+ECMTCONN" or "+QMTSTAT,+QMTRECV". The MQTT traffic still happens.
	DropURC string
}

// Options configure a Module.
type Options struct {
	Dialect string // one of Dialects()
	// Echo starts with command echo on (as modules do after power-up);
	// ATE0 / ATE1 switch it.
	Echo   bool
	Faults Faults
	// Clock stamps the chunks given to Tap; default time.Now.
	Clock func() time.Time
	// Dial opens the module's TCP connections; default a net.Dialer bound
	// to LocalAddr.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// LocalAddr is the local IP outgoing connections bind to when Dial is
	// nil, e.g. "127.0.0.5" so the "device" has its own loopback address.
	LocalAddr string
	// Tap, when set, sees every chunk the module reads (host→module) and
	// writes (module→host), in order, e.g. to record an atmq-serial log.
	// It is called with the output lock held: keep it quick.
	Tap func(record.SerialChunk)
	// PacketTimeout is how long the module waits for an ack (CONNACK,
	// SUBACK, PUBACK…); default 10 s, the ECMT/QMT "timeout" default.
	PacketTimeout time.Duration
	// TLS, when set, lets the host's TLS setup commands enable TLS on a
	// connection (crypto/tls with these certificates); nil answers them
	// ERROR.
	TLS *TLSOptions
}

// Module is one simulated module. Serve it on one serial line.
type Module struct {
	opts    Options
	dialect dialect
	ctx     context.Context

	outMu   sync.Mutex
	out     io.Writer
	stopped bool

	mu   sync.Mutex // dialect state; held by dialect code
	echo bool

	// input state, touched only by the Serve goroutine
	line     []byte
	overflow bool
	data     *dataMode

	pending inflight // network operations and delayed URCs still to print
}

// inflight counts goroutines that will still print something. Unlike a
// sync.WaitGroup it may gain members while someone waits for zero (a
// message arriving while the host has just hung up).
type inflight struct {
	mu   sync.Mutex
	n    int
	zero chan struct{}
}

func (f *inflight) add() {
	f.mu.Lock()
	if f.n == 0 {
		f.zero = make(chan struct{})
	}
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	f.n--
	if f.n == 0 {
		close(f.zero)
	}
	f.mu.Unlock()
}

// idle is closed when nothing is in flight.
func (f *inflight) idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	return f.zero
}

// dialect is one AT MQTT command family.
type dialect interface {
	// handle runs cmd and reports whether it was one of the dialect's.
	handle(cmd command) bool
	// shutdown closes every connection without URCs.
	shutdown()
	// escapes says whether quoted strings take \" \, \\ escapes.
	escapes() bool
}

// New returns a module for opts. An unknown dialect makes Serve fail.
func New(opts Options) *Module {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PacketTimeout <= 0 {
		opts.PacketTimeout = 10 * time.Second
	}
	m := &Module{opts: opts, echo: opts.Echo}
	switch opts.Dialect {
	case DialectECMT:
		m.dialect = newMTDialect(m, ecmtFlavor)
	case DialectQMT:
		m.dialect = newMTDialect(m, qmtFlavor)
	case DialectCMQTT:
		m.dialect = newCMQTTDialect(m)
	case DialectESPAT:
		m.dialect = newESPATDialect(m)
	case DialectSIM800Socket, DialectQISocket:
		m.dialect = newSocketDialect(m, opts.Dialect == DialectQISocket)
	}
	return m
}

// Serve runs the module on rw until rw reports EOF or an error (a closed
// pseudo-terminal reads EIO: that is a normal end and returns nil).
func (m *Module) Serve(rw io.ReadWriter) error {
	return m.ServeContext(context.Background(), rw)
}

// ServeContext is Serve that also ends when ctx is done. Connections are
// closed on return; a Read blocked in rw is left to the caller to unblock
// (by closing rw).
func (m *Module) ServeContext(ctx context.Context, rw io.ReadWriter) error {
	if m.dialect == nil {
		return fmt.Errorf("modemsim: unknown dialect %q (want one of %s)", m.opts.Dialect, strings.Join(Dialects(), ", "))
	}
	ctx, cancel := context.WithCancel(ctx)
	m.ctx = ctx
	m.outMu.Lock()
	m.out = rw
	m.outMu.Unlock()
	defer func() {
		cancel()
		m.outMu.Lock()
		m.stopped = true
		m.outMu.Unlock()
		m.mu.Lock()
		m.dialect.shutdown()
		m.mu.Unlock()
		<-m.pending.idle()
	}()

	chunks := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := rw.Read(buf)
			if n > 0 {
				select {
				case chunks <- slices.Clone(buf[:n]):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-chunks:
			m.feed(c)
		case err := <-readErr:
			if errors.Is(err, io.EOF) || errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed) {
				// The host hung up: commands already answered OK still
				// print their result (`printf … | atmq simulate` shows
				// the URCs), unless ctx ends first.
				select {
				case <-m.pending.idle():
				case <-ctx.Done():
				}
				return nil
			}
			return err
		}
	}
}

// dataMode collects raw bytes after a `>` prompt.
type dataMode struct {
	fixed  int // >0: exactly this many bytes; 0: until Ctrl-Z
	limit  int // Ctrl-Z mode: bytes beyond this are dropped
	buf    []byte
	finish func(data []byte, cancelled bool)
	// skipLF drops one LF right after the prompt: hosts end the command
	// with CR LF, the CR ran it, and the LF is not payload.
	skipLF bool
}

const (
	ctrlZ = 0x1A
	esc   = 0x1B
	// maxLine bounds a command line; longer lines are answered ERROR.
	maxLine = 4096
)

// feed processes bytes from the host in order: command lines, then prompt
// data, then command lines again, possibly within one chunk.
func (m *Module) feed(chunk []byte) {
	m.tap(record.DirHostToModule, chunk)
	var echo []byte
	flushEcho := func() {
		if len(echo) > 0 {
			m.write(echo)
			echo = echo[:0]
		}
	}
	for _, b := range chunk {
		if d := m.data; d != nil {
			m.feedData(d, b)
			continue
		}
		if m.echo {
			echo = append(echo, b)
		}
		switch b {
		case '\r', '\n':
			if len(m.line) == 0 && !m.overflow {
				continue
			}
			flushEcho()
			line, over := m.line, m.overflow
			m.line, m.overflow = nil, false
			if over {
				m.final("ERROR")
				continue
			}
			m.execute(line)
			if m.data != nil && b == '\r' {
				m.data.skipLF = true
			}
		case 0x08, 0x7F: // backspace, as terminals send it
			if len(m.line) > 0 {
				m.line = m.line[:len(m.line)-1]
			}
		default:
			if len(m.line) < maxLine {
				m.line = append(m.line, b)
			} else {
				m.overflow = true
			}
		}
	}
	flushEcho()
}

func (m *Module) feedData(d *dataMode, b byte) {
	if d.skipLF {
		d.skipLF = false
		if b == '\n' && len(d.buf) == 0 {
			return
		}
	}
	if d.fixed > 0 {
		d.buf = append(d.buf, b)
		if len(d.buf) == d.fixed {
			m.data = nil
			d.finish(d.buf, false)
		}
		return
	}
	switch b {
	case ctrlZ:
		m.data = nil
		d.finish(d.buf, false)
	case esc:
		m.data = nil
		d.finish(nil, true)
	default:
		if len(d.buf) < d.limit {
			d.buf = append(d.buf, b)
		}
	}
}

// execute answers one command line.
func (m *Module) execute(line []byte) {
	if hasTypographicQuote(line) {
		if !m.opts.Faults.AcceptTypographicQuotes {
			m.final("ERROR")
			return
		}
		line = replaceTypographicQuotes(line)
	}
	cmd, err := parseCommand(line, m.dialect.escapes())
	if err != nil {
		m.final("ERROR")
		return
	}
	if m.dialect.handle(cmd) {
		return
	}
	if !m.handleCommon(cmd) {
		m.final("ERROR")
	}
}

// prompt switches to data mode after printing the dialect's prompt.
func (m *Module) prompt(text string, d *dataMode) {
	m.data = d
	m.write([]byte(text))
}

// final prints a final result code ("OK", "ERROR") framed as V1 does.
func (m *Module) final(code string) { m.write([]byte("\r\n" + code + "\r\n")) }

// info prints information lines of a response (before its final code).
func (m *Module) info(lines ...string) {
	var b []byte
	for _, l := range lines {
		b = append(b, "\r\n"...)
		b = append(b, l...)
		b = append(b, "\r\n"...)
	}
	m.write(b)
}

// urc prints an unsolicited result line later, from its own goroutine, so
// it always follows the command's OK; Faults.SlowURC delays it and
// Faults.DropURC suppresses it.
func (m *Module) urc(line string) { m.urcRaw(urcName(line), []byte("\r\n"+line+"\r\n")) }

// urcRaw is urc for pre-framed multi-line URC blocks.
func (m *Module) urcRaw(name string, framed []byte) {
	if m.dropped(name) {
		return
	}
	if d := m.opts.Faults.SlowURC; d > 0 {
		m.pending.add()
		go func() {
			defer m.pending.done()
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				m.write(framed)
			case <-m.ctx.Done():
			}
		}()
		return
	}
	m.write(framed)
}

// async runs a network operation whose result is a URC.
func (m *Module) async(f func()) {
	m.pending.add()
	go func() {
		defer m.pending.done()
		f()
	}()
}

func urcName(line string) string {
	if i := strings.IndexByte(line, ':'); i > 0 {
		return line[:i]
	}
	return line
}

func (m *Module) dropped(name string) bool {
	for _, d := range strings.Split(m.opts.Faults.DropURC, ",") {
		if d = strings.TrimSpace(d); d != "" && strings.EqualFold(d, name) {
			return true
		}
	}
	return false
}

// write sends bytes to the host; after Serve returned it is a no-op.
func (m *Module) write(b []byte) {
	m.outMu.Lock()
	defer m.outMu.Unlock()
	if m.stopped || m.out == nil {
		return
	}
	m.tapLocked(record.DirModuleToHost, b)
	_, _ = m.out.Write(b)
}

func (m *Module) tap(dir record.Direction, b []byte) {
	m.outMu.Lock()
	defer m.outMu.Unlock()
	m.tapLocked(dir, b)
}

func (m *Module) tapLocked(dir record.Direction, b []byte) {
	if m.opts.Tap != nil {
		m.opts.Tap(record.SerialChunk{Time: m.opts.Clock(), Dir: dir, Data: slices.Clone(b)})
	}
}

// dial opens a TCP connection as the module's modem would.
func (m *Module) dial(host string, port int) (net.Conn, error) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	ctx, cancel := context.WithTimeout(m.ctx, 20*time.Second)
	defer cancel()
	if m.opts.Dial != nil {
		return m.opts.Dial(ctx, "tcp", addr)
	}
	d := net.Dialer{}
	if m.opts.LocalAddr != "" {
		ip := net.ParseIP(m.opts.LocalAddr)
		if ip == nil {
			return nil, fmt.Errorf("local address %q is not an IP", m.opts.LocalAddr)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return d.DialContext(ctx, "tcp", addr)
}

// defaultVersion is the protocol level used until the host configures one.
func (m *Module) defaultVersion() byte {
	if m.opts.Faults.DefaultVersion31 {
		return version31
	}
	return version311
}

// password applies Faults.TruncatePassword.
func (m *Module) password(p string) string {
	if n := m.opts.Faults.TruncatePassword; n > 0 && len(p) > n {
		return p[:n]
	}
	return p
}
