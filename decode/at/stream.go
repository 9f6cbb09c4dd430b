package at

import (
	"bufio"
	"fmt"
	"io"

	"github.com/atmq/atmq/decode/record"
)

// StreamLog reads a log like ReadLog for a caller that takes the
// transactions and events as they come (Parser.Take) instead of keeping
// the whole log in memory: step, when not nil, is called after each chunk
// of the file has been decoded. The Log returned holds what step did not
// take, with the log's format, dialect, time source, problems and damage.
func StreamLog(r io.Reader, opts Options, step func(*Parser)) (*Log, error) {
	br, in, f, p, binary, err := openLog(r, opts)
	if err != nil || binary != nil {
		return binary, err
	}
	// Items a step takes away still count as decoded input.
	p.onTake = func(txns []*Transaction, events []*Event) {
		for _, t := range txns {
			in.count(Item{Txn: t})
		}
		for _, e := range events {
			in.count(Item{Event: e})
		}
	}
	fr := in.observe(p, f.newReader(p.clock))
	feed := p.Chunk
	if step != nil {
		feed = func(c record.SerialChunk) {
			p.Chunk(c)
			step(p)
		}
	}
	readLines(br, fr, feed, p.skip)
	l := p.Close()
	in.done(l)
	return l, nil
}

// Take hands over the transactions and events decoded since the last
// call and forgets them, so a long stream is not kept whole: Close's Log
// then holds only what was not taken. A transaction taken while still
// open (its result URC not seen yet) is the same value the parser goes on
// filling in, so the caller sees it complete later; OnTransaction says
// when.
func (p *Parser) Take() (txns []*Transaction, events []*Event) {
	txns, events = p.eng.txns, p.eng.events
	p.eng.txns, p.eng.events = nil, nil
	if p.onTake != nil {
		p.onTake(txns, events)
	}
	return txns, events
}

// openLog prepares the reading of a log: terminal noise (ANSI escapes,
// UTF-16, GBK, NUL padding) decoded, the format forced or guessed, a
// parser set up for it. A file that is not text at all (a capture passed
// as a log) gives its verdict as binary instead.
func openLog(r io.Reader, opts Options) (br *bufio.Reader, in *Input, f *format, p *Parser, binary *Log, err error) {
	if opts.Format != "" && lookupFormat(opts.Format) == nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("unknown log format %q (known: %v)", opts.Format, Formats())
	}
	br, in, err = decodedInput(r, opts.Format)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	if in.Binary != "" {
		return nil, nil, nil, nil, in.binaryLog(), nil
	}
	name := opts.Format
	if name == "" {
		name = in.Guessed
	}
	f = lookupFormat(name)
	opts.Format = f.name
	if p, err = NewParser(opts); err != nil {
		return nil, nil, nil, nil, nil, err
	}
	p.split.LFIsLine = f.lfIsLine
	p.split.ChunkEndsHostLine = f.chunkEndsHostLine
	return br, in, f, p, nil, nil
}
