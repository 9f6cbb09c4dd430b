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
	feed := p.Chunk
	if step != nil {
		feed = func(c record.SerialChunk) {
			p.Chunk(c)
			step(p)
		}
	}
	readLines(br, fr, feed, p.skip)
	return p.Close(), nil
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
	return txns, events
}
