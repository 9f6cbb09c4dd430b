package capture

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/atmq/atmq/internal/record"
)

// ProxyOptions tune StartProxy.
type ProxyOptions struct {
	ReopenInterval time.Duration // how often to look for an unplugged port; 0 means DefaultReopenInterval
	// PTYWriteTimeout bounds a write of module bytes into the
	// pseudo-terminal when no program drains it; the bytes are recorded
	// anyway and a warning is reported. 0 means 2 s.
	PTYWriteTimeout time.Duration
}

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
	if opts.PTYWriteTimeout <= 0 {
		opts.PTYWriteTimeout = 2 * time.Second
	}
	em := newEmitter(sink)
	port, err := openLivePort(cfg, em, opts.ReopenInterval)
	if err != nil {
		return nil, err
	}
	pt, err := openPTY()
	if err != nil {
		port.Close()
		return nil, err
	}
	px := &Proxy{Path: pt.path, done: make(chan struct{})}
	em.status(StatusInfo, cfg.Port, fmt.Sprintf("serial port %s is proxied at %s: open that in your terminal program", cfg.Port, pt.path), nil)

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { px.err = err })
		cancel()
	}

	wg.Add(2)
	go func() { // module → host
		defer wg.Done()
		port.readLoop(ctx, func(b []byte) {
			em.chunk(record.DirModuleToHost, b)
			pt.master.SetWriteDeadline(time.Now().Add(opts.PTYWriteTimeout))
			if n, err := pt.master.Write(b); err != nil {
				em.status(StatusWarning, pt.path, fmt.Sprintf("%d bytes from the module were recorded but not passed to %s (nobody reading it?)", len(b)-n, pt.path), err)
			}
		})
	}()
	go func() { // host → module
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := pt.master.Read(buf)
			if n > 0 {
				em.chunk(record.DirHostToModule, buf[:n])
				if w, werr := port.Write(buf[:n]); werr != nil {
					em.status(StatusWarning, cfg.Port, fmt.Sprintf("%d bytes from %s were recorded but not delivered to %s", n-w, pt.path, cfg.Port), werr)
				}
			}
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					fail(fmt.Errorf("pseudo-terminal %s: %w", pt.path, err))
				}
				return
			}
		}
	}()
	go func() {
		<-ctx.Done()
		cancel()
		pt.master.SetReadDeadline(time.Now()) // ends the host → module reader
		wg.Wait()
		port.Close()
		pt.Close()
		close(px.done)
	}()
	return px, nil
}
