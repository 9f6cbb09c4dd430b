package capture

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/rawpty"
)

// ProxyOptions tune StartProxy.
type ProxyOptions struct {
	ReopenInterval time.Duration // how often to look for an unplugged port; 0 means DefaultReopenInterval
}

// ptyQueueBytes bounds the module bytes waiting for the terminal program.
// When nobody reads the pty the queue fills and further bytes are
// recorded but not passed on, so the real port is always drained and
// nothing recorded is lost.
const ptyQueueBytes = 256 << 10

// Proxy sits between a real serial port and a pseudo-terminal that the
// user's terminal program (or host software) opens instead of the port.
type Proxy struct {
	// Path is the pseudo-terminal to open instead of the real port
	// (/dev/pts/N).
	Path string
	done chan struct{}
	err  error
}

// Wait blocks until the proxy has stopped (ctx cancelled or a fatal
// pseudo-terminal error) and all its files are closed.
func (p *Proxy) Wait() error {
	<-p.done
	return p.err
}

// StartProxy opens cfg's port and creates a pseudo-terminal, then passes
// bytes both ways unchanged while handing each run to sink.Chunk with its
// direction: port → pty is DirModuleToHost, pty → port DirHostToModule.
// While the port is unplugged, bytes typed into the pty are recorded but
// cannot be delivered; a StatusWarning says how many were dropped.
func StartProxy(ctx context.Context, cfg SerialConfig, sink SerialSink, opts ProxyOptions) (*Proxy, error) {
	em := newEmitter(sink)
	port, err := openLivePort(cfg, em, opts.ReopenInterval)
	if err != nil {
		return nil, err
	}
	pt, err := rawpty.Open()
	if err != nil {
		port.Close()
		return nil, err
	}
	px := &Proxy{Path: pt.Path, done: make(chan struct{})}
	em.status(StatusInfo, cfg.Port, fmt.Sprintf("serial port %s is proxied at %s: open that in your terminal program", cfg.Port, pt.Path), nil)

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { px.err = err })
		cancel()
	}

	toPTY := make(chan []byte, 1024)
	var queued atomic.Int64 // bytes in toPTY
	wg.Add(3)
	go func() { // module → host: record, queue for the terminal, never block
		defer wg.Done()
		defer close(toPTY)
		dropping := false
		port.readLoop(ctx, func(b []byte) {
			em.chunk(record.DirModuleToHost, b)
			if queued.Add(int64(len(b))) <= ptyQueueBytes {
				select {
				case toPTY <- append([]byte(nil), b...):
					dropping = false
					return
				default: // many tiny reads: the chunk count is the limit
				}
			}
			queued.Add(-int64(len(b)))
			if !dropping {
				em.status(StatusWarning, pt.Path, fmt.Sprintf("bytes from the module are recorded but not passed to %s until a program reads it", pt.Path), errors.New("pseudo-terminal queue full"))
				dropping = true
			}
		})
	}()
	go func() { // queued module bytes → terminal program
		defer wg.Done()
		for b := range toPTY {
			_, err := pt.Master.Write(b)
			queued.Add(-int64(len(b)))
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					fail(fmt.Errorf("pseudo-terminal %s: %w", pt.Path, err))
				}
				for range toPTY { // drain so the reader never blocks
				}
				return
			}
		}
	}()
	go func() { // host → module
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := pt.Master.Read(buf)
			if n > 0 {
				em.chunk(record.DirHostToModule, buf[:n])
				if w, werr := port.Write(buf[:n]); werr != nil {
					em.status(StatusWarning, cfg.Port, fmt.Sprintf("%d bytes from %s were recorded but not delivered to %s", n-w, pt.Path, cfg.Port), werr)
				}
			}
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					fail(fmt.Errorf("pseudo-terminal %s: %w", pt.Path, err))
				}
				return
			}
		}
	}()
	go func() {
		<-ctx.Done()
		cancel()
		pt.Master.SetDeadline(time.Now()) // ends the pty reader and a blocked pty write
		wg.Wait()
		port.Close()
		pt.Close()
		close(px.done)
	}()
	return px, nil
}
