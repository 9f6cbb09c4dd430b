package at

import (
	"errors"
	"fmt"

	"github.com/atmq/atmq/decode/record"
)

// atmq's own serial recording ("atmq-serial v1", decode/record): one
// chunk per line with its stamp and direction.

func init() {
	registerFormat(&format{name: "atmq", title: "atmq-serial v1 recording",
		newReader: func(c *clock) formatReader { return &atmqReader{clock: c} }})
}

type atmqReader struct {
	clock *clock
}

func (r *atmqReader) feed(p piece, emit func(record.SerialChunk)) error {
	if !p.first {
		return nil // the rest of an over-long record, reported below
	}
	if p.more {
		return fmt.Errorf("line %d: record longer than %d bytes; skipped", p.n, readerBuffer)
	}
	if !p.lf && len(p.text) > 0 && p.text[0] != '#' {
		// atmq writes every record with its LF: one without is the last
		// record of a recording killed while writing it.
		return fmt.Errorf("line %d: the file ends inside a record (recording interrupted?); the record is skipped", p.n)
	}
	c, err := record.ParseSerialRecord(p.text, p.n)
	if errors.Is(err, record.ErrNotRecord) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Time.IsZero() {
		r.clock.dated = true
	}
	emit(c)
	return nil
}

func (r *atmqReader) flush(func(record.SerialChunk)) {}
