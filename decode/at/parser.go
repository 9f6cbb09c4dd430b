package at

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// Options control reading a log.
type Options struct {
	Format  string    // log format; "" = detect
	Dialect string    // AT dialect; "" = detect per command
	Date    time.Time // date for time-only logs; zero = none
	// DateSource says where Date came from ("--date", "capture", "file
	// mtime"), for Log.TimeSource.
	DateSource string
	// Location is the zone of the log's local stamps; nil = time.Local.
	Location *time.Location
}

// readerBuffer bounds one read of a file line: an atmq-serial record
// escapes a MaxLine chunk into up to 4 bytes per byte.
const readerBuffer = 4*MaxLine + 64

// Parser decodes a serial stream incrementally: chunks in, transactions and
// events out. Live capture feeds chunks as they come; files go through
// ReadLog.
type Parser struct {
	opts   Options
	split  *Splitter
	eng    *engine
	clock  *clock
	format string
	// OnTransaction is called when a transaction gets its final result,
	// its result URC, or is closed without one (it may be called again
	// for the same transaction as more arrives).
	OnTransaction func(*Transaction)
	// OnEvent is called for each event when it is seen (a receive
	// event's payload may still grow over the following lines).
	OnEvent func(*Event)
	closed  bool
	skipped []Skipped
	damaged int
}

// NewParser makes a parser for a live stream (or chunks already read).
// opts.Format is only recorded; chunks carry their own direction.
func NewParser(opts Options) (*Parser, error) {
	var forced *Dialect
	if opts.Dialect != "" {
		if forced = LookupDialect(opts.Dialect); forced == nil {
			return nil, fmt.Errorf("unknown dialect %q (known: %v)", opts.Dialect, Dialects())
		}
	}
	p := &Parser{opts: opts, clock: newClock(opts), format: opts.Format}
	p.split = &Splitter{LFIsLine: false}
	p.eng = newEngine(forced, p.split)
	p.split.Out = p.eng.Line
	p.split.Problem = func(s string) { p.eng.problem("%s", s) }
	p.split.Damage = func(line int, what string) { p.skip(line, -1, what) }
	p.eng.onTransaction = func(t *Transaction) {
		if p.OnTransaction != nil {
			p.OnTransaction(t)
		}
	}
	p.eng.onEvent = func(e *Event) {
		if p.OnEvent != nil {
			p.OnEvent(e)
		}
	}
	return p, nil
}

// Chunk feeds one chunk.
func (p *Parser) Chunk(c record.SerialChunk) {
	if !p.closed {
		p.split.Chunk(c)
	}
}

// Close ends the stream and returns the decoded log.
func (p *Parser) Close() *Log {
	if !p.closed {
		p.closed = true
		p.split.Flush()
		p.eng.finish()
	}
	l := &Log{Format: p.format, TimeSource: p.clock.source(p.opts), Config: p.eng.snapshot(),
		Skipped: p.skipped, Damaged: p.damaged}
	if d := p.eng.majority(); d != nil {
		l.Dialect = d.Name
	}
	l.Transactions = make([]Transaction, 0, len(p.eng.txns))
	for _, t := range p.eng.txns {
		l.Transactions = append(l.Transactions, *t)
	}
	l.Events = make([]Event, 0, len(p.eng.events))
	for _, e := range p.eng.events {
		l.Events = append(l.Events, *e)
	}
	l.Problems = append(l.Problems, p.eng.problems...)
	return l
}

// ReadChunks decodes chunks already in memory.
func ReadChunks(chunks []record.SerialChunk, opts Options) (*Log, error) {
	p, err := NewParser(opts)
	if err != nil {
		return nil, err
	}
	timed := false
	for _, c := range chunks {
		timed = timed || !c.Time.IsZero()
		p.Chunk(c)
	}
	if timed {
		p.clock.dated = true
	}
	return p.Close(), nil
}

// ReadLog detects the log's format (unless opts.Format names it), streams
// it through the decoder and returns the decoded log. Problems with parts
// of the input are in Log.Problems (and Log.Damaged counts unreadable
// parts); the error is for input that cannot be read at all.
func ReadLog(r io.Reader, opts Options) (*Log, error) {
	br := bufio.NewReaderSize(r, readerBuffer)
	name := opts.Format
	if name == "" {
		head, err := br.Peek(detectBytes)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, err
		}
		name = detectFormat(head)
	}
	f := lookupFormat(name)
	if f == nil {
		return nil, fmt.Errorf("unknown log format %q (known: %v)", name, Formats())
	}
	opts.Format = f.name
	p, err := NewParser(opts)
	if err != nil {
		return nil, err
	}
	p.split.LFIsLine = f.lfIsLine
	p.split.ChunkEndsHostLine = f.chunkEndsHostLine
	fr := f.newReader(p.clock)
	readLines(br, fr, p.Chunk, p.skip)
	return p.Close(), nil
}
