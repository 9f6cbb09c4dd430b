// Package progress prints how far a long read has come — bytes and frames,
// rate, time left — on a terminal's stderr, rewriting one line. It stays
// silent when stderr is not a terminal (piped or redirected) and for reads
// that finish within the first second or two.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// Source reports the bytes read so far, the total (0 when unknown) and the
// frames (or records) read; it is called from the reporter's goroutine.
type Source func() (read, total, frames int64)

// Reporter prints progress until Stop.
type Reporter struct {
	w     io.Writer
	src   Source
	delay time.Duration
	every time.Duration
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// Defaults: nothing is printed before Delay; the line is refreshed every
// Every.
const (
	Delay = 1500 * time.Millisecond
	Every = 500 * time.Millisecond
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Start starts reporting src on w when w is a terminal; otherwise the
// returned Reporter does nothing.
func Start(w io.Writer, src Source) *Reporter {
	return start(w, src, IsTerminal(w), Delay, Every)
}

func start(w io.Writer, src Source, on bool, delay, every time.Duration) *Reporter {
	r := &Reporter{w: w, src: src, delay: delay, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	if !on {
		close(r.done)
		return r
	}
	go r.run()
	return r
}

func (r *Reporter) run() {
	defer close(r.done)
	began := time.Now()
	timer := time.NewTimer(r.delay)
	defer timer.Stop()
	select {
	case <-r.stop:
		return
	case <-timer.C:
	}
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		r.print(time.Since(began))
		select {
		case <-r.stop:
			fmt.Fprint(r.w, "\r\033[K") // clear the line for what follows
			return
		case <-tick.C:
		}
	}
}

func (r *Reporter) print(elapsed time.Duration) {
	read, total, frames := r.src()
	fmt.Fprintf(r.w, "\r\033[K%s", Line(read, total, frames, elapsed))
}

// Stop ends the reporting and clears the line; safe to call more than once.
func (r *Reporter) Stop() {
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

// Line renders one progress line: "412.0 MB of 1.2 GB (34%), 2,612,004
// frames, 180.3 MB/s, 4s left".
func Line(read, total, frames int64, elapsed time.Duration) string {
	s := size(read)
	if total > 0 {
		s += fmt.Sprintf(" of %s (%d%%)", size(total), min(100, read*100/total))
	}
	s += fmt.Sprintf(", %s frames", thousands(frames))
	secs := elapsed.Seconds()
	if secs > 0 && read > 0 {
		rate := float64(read) / secs
		s += fmt.Sprintf(", %s/s", size(int64(rate)))
		if total > read {
			left := time.Duration(float64(total-read) / rate * float64(time.Second))
			s += fmt.Sprintf(", %s left", left.Round(time.Second))
		}
	}
	return s
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
