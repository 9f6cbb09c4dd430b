package capture

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.bug.st/serial"
)

// DefaultReopenInterval is how often a source looks for an unplugged port.
const DefaultReopenInterval = 500 * time.Millisecond

// errUnplugged is returned by livePort.Write while the port is away.
var errUnplugged = errors.New("serial port is unplugged")

// livePort is a serial port that survives being unplugged: when a read
// fails it reports the loss, closes the handle and polls the same path
// until a device is back, then reports that and goes on reading. Only the
// first open must succeed: a wrong path at start is the user's typo.
type livePort struct {
	cfg    SerialConfig
	em     *emitter
	retry  time.Duration
	mu     sync.Mutex // guards port and closed; held by Write so Close cannot free the fd under it
	port   serial.Port
	closed bool
}

func openLivePort(cfg SerialConfig, em *emitter, retry time.Duration) (*livePort, error) {
	if retry <= 0 {
		retry = DefaultReopenInterval
	}
	port, err := openSerial(cfg)
	if err != nil {
		return nil, err
	}
	return &livePort{cfg: cfg, em: em, retry: retry, port: port}, nil
}

func (p *livePort) current() serial.Port {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.port
}

// readLoop reads until ctx is done and hands every run of bytes to
// onData. Only one goroutine may run it.
func (p *livePort) readLoop(ctx context.Context, onData func([]byte)) {
	buf := make([]byte, 4096)
	for ctx.Err() == nil {
		port := p.current()
		if port == nil {
			if !p.reopen(ctx) {
				return
			}
			continue
		}
		n, err := port.Read(buf)
		if n > 0 {
			onData(buf[:n])
		}
		// A read timeout is (0, nil); a vanished device is an error
		// (EIO, ENXIO, or go.bug.st's PortClosed for a zero-length read).
		if err != nil && ctx.Err() == nil {
			p.lost(port, err)
		}
	}
}

// lost closes a port that failed and says so.
func (p *livePort) lost(port serial.Port, err error) {
	p.mu.Lock()
	if p.port == port {
		p.port = nil
	}
	p.mu.Unlock()
	port.Close()
	p.em.status(StatusUnplugged, p.cfg.Port,
		fmt.Sprintf("serial port %s unplugged; the rest of the capture goes on, checking for it every %v", p.cfg.Port, p.retry), err)
}

// reopen polls the port's path until it opens or ctx is done.
func (p *livePort) reopen(ctx context.Context) bool {
	t := time.NewTicker(p.retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		port, err := openSerial(p.cfg)
		if err != nil {
			continue // still away (ENOENT), or not yet usable
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			port.Close()
			return false
		}
		p.port = port
		p.mu.Unlock()
		p.em.status(StatusReopened, p.cfg.Port, fmt.Sprintf("serial port %s reopened", p.cfg.Port), nil)
		return true
	}
}

// Write sends b to the port; it fails with errUnplugged while the port is away.
func (p *livePort) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.port == nil {
		return 0, errUnplugged
	}
	written := 0
	for written < len(b) {
		n, err := p.port.Write(b[written:])
		written += n
		if err != nil {
			return written, fmt.Errorf("serial port %s: write: %w", p.cfg.Port, err)
		}
		if n == 0 {
			return written, fmt.Errorf("serial port %s: write made no progress", p.cfg.Port)
		}
	}
	return written, nil
}

// Close closes the port for good; a running readLoop ends soon after.
func (p *livePort) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.port == nil {
		return nil
	}
	err := p.port.Close()
	p.port = nil
	return err
}
