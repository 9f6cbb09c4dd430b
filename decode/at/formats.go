package at

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// A format reads one kind of log file, line by line, into serial chunks.
type format struct {
	name string
	// title names the tools that write it.
	title string
	// lfIsLine: each LF in the chunks' data is a line of the file, so line
	// numbers advance with it.
	lfIsLine bool
	// chunkEndsHostLine: a host chunk is one complete send (SSCOM).
	chunkEndsHostLine bool
	newReader         func(c *clock) formatReader
}

// formatReader turns file lines into chunks.
type formatReader interface {
	// feed takes one piece of a file line (an over-long line comes in
	// pieces).
	feed(p piece, emit func(record.SerialChunk)) error
	// flush gives out what is still held at the end of input.
	flush(emit func(record.SerialChunk))
}

var formats = map[string]*format{}

func registerFormat(f *format) { formats[f.name] = f }

// formatAliases lets users name the tool instead of the format.
var formatAliases = map[string]string{
	"picocom": "raw", "minicom": "raw", "screen": "raw", "plain": "raw",
	"tio": "stamped", "teraterm": "stamped", "tera-term": "stamped", "arduino": "stamped",
	"sscom-gbk": "sscom", "atmq-serial": "atmq",
}

// Formats lists the log format names.
func Formats() []string {
	var out []string
	for n := range formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func lookupFormat(name string) *format {
	if a, ok := formatAliases[name]; ok {
		name = a
	}
	return formats[name]
}

// piece is one file line, or a piece of an over-long one.
type piece struct {
	text  []byte // without the LF
	n     int    // 1-based line number
	first bool   // the piece starts the line
	lf    bool   // the line ends here with LF
	more  bool   // the line goes on in the next piece
}

// readLines feeds r's lines to fr, bounded: a line longer than the reader's
// buffer comes in pieces, and input that ends no line (CR or LF) within
// maxLineRun bytes is no text log (/dev/zero, a binary file): reading stops
// there. Damage goes to damage with its line and byte offset.
func readLines(r *bufio.Reader, fr formatReader, emit func(record.SerialChunk), damage func(line int, offset int64, what string)) {
	n, first := 1, true
	var offset, lineStart int64 // of the piece, of its line
	run := 0                    // bytes since the last CR or LF
	for {
		text, rerr := r.ReadSlice('\n')
		lf := rerr == nil
		size := len(text)
		if lf {
			text = text[:len(text)-1]
		}
		if first {
			lineStart = offset
		}
		if i := bytes.LastIndexByte(text, '\r'); lf || i >= 0 {
			run = len(text) - i - 1
			if lf {
				run = 0
			}
		} else {
			run += len(text)
		}
		if len(text) > 0 || lf {
			p := piece{text: text, n: n, first: first, lf: lf, more: errors.Is(rerr, bufio.ErrBufferFull)}
			if ferr := fr.feed(p, emit); ferr != nil {
				damage(n, lineStart, ferr.Error())
			}
		}
		offset += int64(size)
		if run > maxLineRun {
			fr.flush(emit)
			damage(n, lineStart, fmt.Sprintf("no line end in %d MiB: not a text log (a binary file or a device such as /dev/zero?); stopped reading at byte %d", maxLineRun>>20, offset))
			return
		}
		switch {
		case rerr == nil:
			n++
			first = true
		case errors.Is(rerr, bufio.ErrBufferFull):
			first = false
		case rerr == io.EOF:
			fr.flush(emit)
			return
		default:
			fr.flush(emit)
			damage(n, lineStart, "read error: "+rerr.Error())
			return
		}
	}
}

// clock turns the stamps of a log into times. Time-only stamps get the
// date of Options.Date (or the zero date), and a stamp earlier than the
// previous one by more than 12 hours is taken as the next day.
type clock struct {
	date     time.Time // zero: none
	loc      *time.Location
	last     time.Time
	dayShift int
	timeOnly bool // some stamp had no date
	dated    bool // some stamp had a date
}

func newClock(opts Options) *clock {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	c := &clock{loc: loc}
	if !opts.Date.IsZero() {
		y, m, d := opts.Date.Date()
		c.date = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	return c
}

// timeOfDay gives the time of a time-only stamp.
func (c *clock) timeOfDay(h, m, s, ns int) time.Time {
	c.timeOnly = true
	base := c.date
	if base.IsZero() {
		base = time.Date(0, 1, 1, 0, 0, 0, 0, c.loc)
	}
	t := base.AddDate(0, 0, c.dayShift).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(ns))
	if !c.last.IsZero() && t.Before(c.last.Add(-12*time.Hour)) {
		c.dayShift++
		t = t.AddDate(0, 0, 1)
	}
	c.last = t
	return t
}

// full gives the time of a dated stamp (local time of the log).
func (c *clock) full(y, mo, d, h, m, s, ns int) time.Time {
	c.dated = true
	t := time.Date(y, time.Month(mo), d, h, m, s, ns, c.loc)
	c.last = t
	return t
}

// source says where dates came from.
func (c *clock) source(opts Options) string {
	switch {
	case c.dated:
		return "log"
	case c.timeOnly && !c.date.IsZero():
		if opts.DateSource != "" {
			return opts.DateSource
		}
		return "--date"
	}
	return "none"
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// KnownFormat says name is a format or one of the tool names it answers to
// (tio, teraterm, picocom, minicom, screen, …).
func KnownFormat(name string) bool { return lookupFormat(name) != nil }
