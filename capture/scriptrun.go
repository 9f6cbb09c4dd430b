package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/record"
)

// ScriptOptions tune RunScript.
type ScriptOptions struct {
	ReopenInterval time.Duration // how often to look for an unplugged port; 0 means DefaultReopenInterval
	// Log receives one human-readable line per step (what was sent,
	// what came back, how long it took). Optional.
	Log io.Writer
}

// ErrScriptStep is wrapped by the error for a step that failed (ERROR,
// +CME ERROR, or a timeout) under "@onerror stop".
var ErrScriptStep = errors.New("script step failed")

// maxPendingLine bounds a module line without LF before it is cut.
const maxPendingLine = 64 << 10

// RunScript opens cfg's port, acts as the host and runs script against
// the module, recording both directions through sink. It returns nil when
// the script ran to its end (a failed step under "@onerror continue" is
// only logged), an error wrapping ErrScriptStep for a failed step under
// "@onerror stop", or ctx's error when cancelled.
func RunScript(ctx context.Context, cfg SerialConfig, script *Script, sink SerialSink, opts ScriptOptions) error {
	em := newEmitter(sink)
	port, err := openLivePort(cfg, em, opts.ReopenInterval)
	if err != nil {
		return err
	}
	mod := &moduleLines{notify: make(chan struct{}, 1)}
	readCtx, stopReading := context.WithCancel(context.Background())
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		port.readLoop(readCtx, func(b []byte) {
			em.chunk(record.DirModuleToHost, b)
			mod.feed(b)
		})
	}()
	defer func() {
		// Give a reply that is still on its way a moment to be recorded.
		time.Sleep(2 * readTimeout)
		stopReading()
		<-readDone
		port.Close()
	}()

	r := &scriptRun{ctx: ctx, port: port, em: em, mod: mod, log: opts.Log, name: script.Name}
	return r.run(script.Steps)
}

type scriptRun struct {
	ctx  context.Context
	port *livePort
	em   *emitter
	mod  *moduleLines
	log  io.Writer
	name string
	// mark is the index of the first module line received after the
	// last command was sent: waits look from there.
	mark       int
	waitMark   int // the same for @wait, which may match lines before the final result
	promptMark int
}

func (r *scriptRun) logf(format string, a ...any) {
	if r.log != nil {
		fmt.Fprintf(r.log, format+"\n", a...)
	}
}

func (r *scriptRun) run(steps []Step) error {
	for i := 0; i < len(steps); i++ {
		st := steps[i]
		var err error
		switch st.Kind {
		case StepSleep:
			r.logf("%s line %d: sleep %v", r.name, st.Line, st.Timeout)
			err = sleepCtx(r.ctx, st.Timeout)
		case StepWait:
			var line string
			start := time.Now()
			line, err = r.waitLine(&r.waitMark, st.Timeout, func(l string) bool { return strings.HasPrefix(l, st.Text) })
			if err == nil {
				r.logf("%s line %d: got %q after %v", r.name, st.Line, line, since(start))
			} else {
				err = fmt.Errorf("%s line %d: no line starting with %q: %w", r.name, st.Line, st.Text, err)
			}
		case StepCommand:
			var data []Step
			for i+1 < len(steps) && steps[i+1].Kind == StepData {
				data = append(data, steps[i+1])
				i++
			}
			err = r.command(st, data)
		case StepData:
			err = fmt.Errorf("%s line %d: @data without a command", r.name, st.Line) // ParseScript prevents this
		}
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		if err != nil {
			r.logf("%v", err)
			if st.StopOnErr {
				return fmt.Errorf("%w: %w", ErrScriptStep, err)
			}
		}
	}
	return nil
}

// command sends one command (and its @data lines) and waits for its final
// result and, for MQTT commands, its result URC.
func (r *scriptRun) command(st Step, data []Step) error {
	where := fmt.Sprintf("%s line %d: %s", r.name, st.Line, st.Text)
	start := time.Now()
	if err := r.send(st.Data); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	for _, d := range data {
		if err := r.waitPrompt(d.Timeout); err != nil {
			return fmt.Errorf("%s: no \"> \" prompt for the data of line %d: %w", where, d.Line, err)
		}
		if err := r.send(d.Data); err != nil {
			return fmt.Errorf("%s line %d: %w", r.name, d.Line, err)
		}
	}
	var urcLine string
	urcSeen := func(l string) bool {
		if st.URC == "" {
			return false
		}
		if strings.HasPrefix(l, st.URC) {
			return true
		}
		for _, alt := range st.AltURCs {
			if alt != "" && strings.HasPrefix(l, alt) {
				return true
			}
		}
		return false
	}
	final, err := r.waitLine(&r.mark, st.Timeout, func(l string) bool {
		if urcSeen(l) && urcLine == "" {
			urcLine = l // some firmware sends the URC before OK
		}
		return at.IsFinal(l)
	})
	if err != nil {
		return fmt.Errorf("%s: no final result (OK/ERROR): %w", where, err)
	}
	if at.Refused(final) {
		return fmt.Errorf("%s: module answered %q", where, final)
	}
	if st.URC != "" && urcLine == "" {
		urcLine, err = r.waitLine(&r.mark, st.URCTimeout, urcSeen)
		if err != nil {
			return fmt.Errorf("%s: OK, but no %s result: %w", where, urcNames(st), err)
		}
	}
	if urcLine != "" && at.ResultOutcome(st.Text, urcLine) == at.OutcomeFailed {
		// The dialect decides what its result codes mean (a refused
		// CONNACK, a SIMCom error code, ESP-AT's +MQTTDISCONNECTED). The
		// step itself went through: the session goes on, so the capture
		// records what follows the failure.
		r.logf("%s → OK, %s, which reports failure (%v)", where, urcLine, since(start))
	} else if urcLine != "" {
		r.logf("%s → OK, %s (%v)", where, urcLine, since(start))
	} else {
		r.logf("%s → OK (%v)", where, since(start))
	}
	return nil
}

// urcNames words the result URCs a step waits for: "+ECMTCONN",
// "CONNECT OK/ALREADY CONNECT/CONNECT FAIL".
func urcNames(st Step) string {
	names := strings.TrimSuffix(st.URC, ":")
	for _, alt := range st.AltURCs {
		names += "/" + strings.TrimSuffix(alt, ":")
	}
	return names
}

// send writes b to the module and records it.
func (r *scriptRun) send(b []byte) error {
	r.mark, r.promptMark = r.mod.position()
	r.waitMark = r.mark
	r.mod.trim(r.mark) // nobody looks back past a send
	r.em.chunk(record.DirHostToModule, b)
	_, err := r.port.Write(b)
	return err
}

// waitLine waits until a module line at or after *mark satisfies match,
// then returns it and moves *mark past it.
func (r *scriptRun) waitLine(mark *int, timeout time.Duration, match func(string) bool) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if idx, line, ok := r.mod.find(*mark, match); ok {
			*mark = idx + 1
			return line, nil
		}
		select {
		case <-r.ctx.Done():
			return "", r.ctx.Err()
		case <-deadline.C:
			return "", fmt.Errorf("timed out after %v", timeout)
		case <-r.mod.notify:
		}
	}
}

func (r *scriptRun) waitPrompt(timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if _, prompts := r.mod.position(); prompts > r.promptMark {
			return nil
		}
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("timed out after %v", timeout)
		case <-r.mod.notify:
		}
	}
}

// moduleLines splits what the module sends into lines and counts "> "
// prompts (which come without a line end).
type moduleLines struct {
	mu      sync.Mutex
	lines   []string
	base    int // index of lines[0]; older lines are dropped once passed
	pending []byte
	prompts int
	notify  chan struct{}
}

func (m *moduleLines) feed(b []byte) {
	m.mu.Lock()
	for _, c := range b {
		switch {
		case c == '\n':
			m.push()
		case len(m.pending) >= maxPendingLine:
			m.push() // hostile or binary input: cut rather than grow
			m.pending = append(m.pending, c)
		default:
			m.pending = append(m.pending, c)
		}
	}
	if p := strings.TrimSpace(string(m.pending)); p == ">" {
		m.prompts++
		m.pending = m.pending[:0]
	}
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
}

func (m *moduleLines) push() {
	l := strings.TrimSpace(string(m.pending))
	m.pending = m.pending[:0]
	if l != "" {
		m.lines = append(m.lines, l)
	}
}

// position is the index the next line will get and the prompt count.
func (m *moduleLines) position() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.base + len(m.lines), m.prompts
}

// trim drops the lines before index from.
func (m *moduleLines) trim(from int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if drop := from - m.base; drop > 0 && drop <= len(m.lines) {
		m.lines = append(m.lines[:0], m.lines[drop:]...)
		m.base = from
	}
}

// find returns the first line at index ≥ from that matches.
func (m *moduleLines) find(from int, match func(string) bool) (int, string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := max(from-m.base, 0); i < len(m.lines); i++ {
		if match(m.lines[i]) {
			return m.base + i, m.lines[i], true
		}
	}
	return 0, "", false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
