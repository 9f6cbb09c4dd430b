package modemsim

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/atmq/atmq/internal/mosquittotest"
)

// waitLimit bounds every wait for module output. It is a hang guard, not
// an assertion on speed: a healthy run answers in milliseconds.
const waitLimit = 15 * time.Second

// host plays the MCU: it opens the simulator's pseudo-terminal as a serial
// port (go.bug.st/serial, as a real host program would) and reads what the
// module prints.
type host struct {
	t    *testing.T
	port serial.Port
	done chan error // Serve's result

	mu      sync.Mutex
	cond    *sync.Cond
	out     []byte // everything the module printed
	scanned int    // bytes of out already split into lines
	lines   []string
	used    []bool
	closed  bool
}

// startModule serves a module with opts on a fresh pty and opens the
// terminal side.
func startModule(t *testing.T, opts Options) *host {
	t.Helper()
	p, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	port, err := serial.Open(p.Path, &serial.Mode{BaudRate: 115200})
	if err != nil {
		p.Close()
		t.Fatalf("open %s: %v", p.Path, err)
	}
	// From now on the host's handle keeps the terminal side alive; when
	// the host closes it, the module reads EIO and Serve returns.
	p.TTY.Close()
	h := &host{t: t, port: port, done: make(chan error, 1)}
	h.cond = sync.NewCond(&h.mu)
	m := New(opts)
	go func() { h.done <- m.Serve(p.Master) }()
	go h.readLoop()
	t.Cleanup(func() {
		port.Close()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Serve did not return after the host closed the port")
		}
		p.Master.Close()
		if t.Failed() {
			t.Logf("module output:\n%s", h.transcript())
		}
	})
	return h
}

func (h *host) readLoop() {
	buf := make([]byte, 4096)
	for {
		n, err := h.port.Read(buf)
		h.mu.Lock()
		h.out = append(h.out, buf[:n]...)
		if err != nil {
			h.closed = true
		}
		h.cond.Broadcast()
		h.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (h *host) transcript() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.NewReplacer("\r", `\r`, "\n", "\\n\n").Replace(string(h.out))
}

// send writes raw bytes to the module.
func (h *host) send(b string) {
	h.t.Helper()
	if _, err := h.port.Write([]byte(b)); err != nil {
		h.t.Fatalf("write to module: %v", err)
	}
}

// splitLines moves complete CRLF-terminated lines of out into lines.
func (h *host) splitLines() {
	for {
		i := bytes.Index(h.out[h.scanned:], []byte("\r\n"))
		if i < 0 {
			return
		}
		l := string(h.out[h.scanned : h.scanned+i])
		h.scanned += i + 2
		if l != "" {
			h.lines = append(h.lines, l)
			h.used = append(h.used, false)
		}
	}
}

// waitFor blocks until an unused line satisfies match, marks it used and
// returns it.
func (h *host) waitFor(what string, match func(string) bool) string {
	h.t.Helper()
	found, ok := h.await(func() (string, bool) {
		h.splitLines()
		for i, l := range h.lines {
			if !h.used[i] && match(l) {
				h.used[i] = true
				return l, true
			}
		}
		return "", false
	})
	if !ok {
		h.t.Fatalf("no %s from the module; output so far:\n%s", what, h.transcript())
	}
	return found
}

// await re-evaluates cond (with h.mu held) whenever output arrives, until
// it succeeds, the port closes or waitLimit passes.
func (h *host) await(cond func() (string, bool)) (string, bool) {
	deadline := time.Now().Add(waitLimit)
	timer := time.AfterFunc(waitLimit, func() {
		h.mu.Lock()
		h.cond.Broadcast()
		h.mu.Unlock()
	})
	defer timer.Stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		if v, ok := cond(); ok {
			return v, true
		}
		if h.closed || time.Now().After(deadline) {
			return "", false
		}
		h.cond.Wait()
	}
}

// urc waits for the next unused line starting with prefix.
func (h *host) urc(prefix string) string {
	h.t.Helper()
	return h.waitFor(fmt.Sprintf("line starting %q", prefix), func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// expectURC waits for exactly line.
func (h *host) expectURC(line string) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("%q", line), func(l string) bool { return l == line })
}

// final waits for the next OK or ERROR.
func (h *host) final() string {
	h.t.Helper()
	return h.waitFor("final result (OK/ERROR)", func(l string) bool { return l == "OK" || l == "ERROR" })
}

// cmd sends an AT command line and asserts its final result code.
func (h *host) cmd(line, want string) {
	h.t.Helper()
	h.send(line + "\r\n")
	if got := h.final(); got != want {
		h.t.Fatalf("%s: got %s, want %s", line, got, want)
	}
}

// waitPrompt waits until the module printed the data prompt ("> ", ">")
// after the lines seen so far.
func (h *host) waitPrompt(prompt string) {
	h.t.Helper()
	_, ok := h.await(func() (string, bool) {
		// The prompt is not followed by CRLF, so after splitting it is
		// the unterminated tail; consume through it.
		h.splitLines()
		if i := bytes.Index(h.out[h.scanned:], []byte(prompt)); i >= 0 {
			h.scanned += i + len(prompt)
			return "", true
		}
		return "", false
	})
	if !ok {
		h.t.Fatalf("no %q prompt; output so far:\n%s", prompt, h.transcript())
	}
}

// seen reports whether any line so far (used or not) satisfies match.
func (h *host) seen(match func(string) bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.splitLines()
	for _, l := range h.lines {
		if match(l) {
			return true
		}
	}
	return false
}

// raw returns everything the module printed.
func (h *host) raw() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.out)
}

// waitLog waits until the broker's log contains s (mosquitto logs every
// packet with log_type all: an independent witness of the wire).
func waitLog(t *testing.T, b *mosquittotest.Broker, s string) {
	t.Helper()
	if err := b.WaitLog(s, waitLimit); err != nil {
		t.Fatal(err)
	}
}
