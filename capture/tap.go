package capture

import (
	"context"
	"sync"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// TapOptions tune RunTap.
type TapOptions struct {
	ReopenInterval time.Duration // how often to look for an unplugged port; 0 means DefaultReopenInterval
}

// RunTap listens to the UART through one or two receive-only adapters:
// rx hears the module's TX line (chunks DirModuleToHost) and tx, if not
// nil, hears the host's TX line (chunks DirHostToModule). It never writes
// to either port. Both ports must open at start; later an unplugged port
// is reported through sink.Status and reopened when it returns while the
// other goes on. RunTap returns nil when ctx is cancelled.
func RunTap(ctx context.Context, rx SerialConfig, tx *SerialConfig, sink SerialSink, opts TapOptions) error {
	em := newEmitter(sink)
	rxPort, err := openLivePort(rx, em, opts.ReopenInterval)
	if err != nil {
		return err
	}
	ports := []*livePort{rxPort}
	dirs := []record.Direction{record.DirModuleToHost}
	if tx != nil {
		txPort, err := openLivePort(*tx, em, opts.ReopenInterval)
		if err != nil {
			rxPort.Close()
			return err
		}
		ports = append(ports, txPort)
		dirs = append(dirs, record.DirHostToModule)
	}
	// Say when the ports are open: bytes the module sends from now on are
	// heard (a user, and a test, may start the device then).
	em.status(StatusInfo, rx.Port, "listening", nil)
	if tx != nil {
		em.status(StatusInfo, tx.Port, "listening", nil)
	}
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Add(1)
		go func(p *livePort, dir record.Direction) {
			defer wg.Done()
			p.readLoop(ctx, func(b []byte) { em.chunk(dir, b) })
		}(p, dirs[i])
	}
	wg.Wait()
	for _, p := range ports {
		p.Close()
	}
	return nil
}
