package capture

import (
	"context"
	"errors"
	"io"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atmq/atmq/decode/record"
)

// LiveSources are what one live session captures: at most one network
// source (an open interface or a capture file another program writes) and
// at most one serial source (a tap, a proxy or a host script).
type LiveSources struct {
	Interface  *InterfaceCapture
	PcapFollow string

	TapRX *SerialConfig // tap: the module's TX line
	TapTX *SerialConfig // tap: the host's TX line (optional)
	Proxy *SerialConfig // proxy through a pseudo-terminal
	// Script is sent to ScriptPort; the session ends Settle after its
	// last line (late packets and URCs are still recorded). A failed
	// step is reported on ScriptLog and does not fail the session.
	Script     *Script
	ScriptPort SerialConfig
	ScriptLog  io.Writer
	Settle     time.Duration
}

// LiveHandlers receive what the sources produce. Frame and Serial are
// called from the sources' goroutines; Tick every TickEvery from one more.
type LiveHandlers struct {
	Frame     func(record.Frame)
	Serial    SerialSink
	TickEvery time.Duration
	Tick      func()
	// Stop, when it closes, ends the session (the recorder failed);
	// Stopped is called then, once.
	Stop    <-chan struct{}
	Stopped func()
}

// errScriptDone ends a script session's goroutines once the script and
// its settle time are over; RunLive does not report it.
var errScriptDone = errors.New("script done")

// errStopped ends the sources when LiveHandlers.Stop closes; RunLive does
// not report it (Stopped did).
var errStopped = errors.New("session stopped")

// RunLive runs every source until ctx ends, the script is done, or a
// source fails, and waits for all of them. It returns the first source's
// failure (nil when the session just ended).
func RunLive(ctx context.Context, src LiveSources, h LiveHandlers) error {
	g, ctx := errgroup.WithContext(ctx)
	switch {
	case src.Interface != nil:
		g.Go(func() error { return src.Interface.Run(ctx, h.Frame) })
	case src.PcapFollow != "":
		g.Go(func() error { return FollowPcap(ctx, src.PcapFollow, FollowOptions{}, h.Frame) })
	}
	switch {
	case src.TapRX != nil:
		g.Go(func() error { return RunTap(ctx, *src.TapRX, src.TapTX, h.Serial, TapOptions{}) })
	case src.Proxy != nil:
		px, err := StartProxy(ctx, *src.Proxy, h.Serial, ProxyOptions{})
		if err != nil {
			g.Go(func() error { return err }) // ends the session like any source failing at start
			break
		}
		g.Go(px.Wait)
	case src.Script != nil:
		g.Go(func() error {
			err := RunScript(ctx, src.ScriptPort, src.Script, h.Serial, ScriptOptions{Log: src.ScriptLog})
			if err != nil && !errors.Is(err, ErrScriptStep) {
				return err
			}
			if err != nil && src.ScriptLog != nil {
				io.WriteString(src.ScriptLog, err.Error()+"\n")
			}
			select {
			case <-time.After(src.Settle):
			case <-ctx.Done():
				return nil
			}
			return errScriptDone
		})
	}
	if h.Stop != nil {
		g.Go(func() error {
			select {
			case <-ctx.Done():
				return nil
			case <-h.Stop:
				if h.Stopped != nil {
					h.Stopped()
				}
				return errStopped
			}
		})
	}
	if h.Tick != nil && h.TickEvery > 0 {
		g.Go(func() error {
			t := time.NewTicker(h.TickEvery)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
					h.Tick()
				}
			}
		})
	}
	err := g.Wait()
	if errors.Is(err, errScriptDone) || errors.Is(err, errStopped) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}
