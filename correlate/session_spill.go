package correlate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
)

// Spill keeps what a session settles in temporary files instead of
// memory, for a caller that prints the whole session at the end (`atmq
// analyze` of a long log): give Settled as SessionOptions.OnSettled, then
// replay the settled transactions, events and rows, in order, before the
// final result's own.
type Spill struct {
	files [3]*os.File // transactions, events, rows: one JSON value a line
	bufs  [3]*bufio.Writer
	count [3]int
	err   error
}

const (
	spillTx = iota
	spillEv
	spillRow
)

// NewSpill creates the spill's temporary files (removed by Close).
func NewSpill() (*Spill, error) {
	sp := &Spill{}
	for i := range sp.files {
		f, err := os.CreateTemp("", "atmq-spill-*.jsonl")
		if err != nil {
			sp.Close()
			return nil, err
		}
		sp.files[i], sp.bufs[i] = f, bufio.NewWriterSize(f, 64<<10)
	}
	return sp, nil
}

// Settled takes one settled value (findings are not spilled: the
// session's result holds every finding).
func (sp *Spill) Settled(l SettledLine) {
	var v any
	var i int
	switch {
	case l.Transaction != nil:
		v, i = l.Transaction, spillTx
	case l.Event != nil:
		v, i = l.Event, spillEv
	case l.Row != nil:
		v, i = l.Row, spillRow
	default:
		return
	}
	if sp.err != nil {
		return
	}
	enc := json.NewEncoder(sp.bufs[i])
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		sp.err = err
		return
	}
	sp.count[i]++
}

// Empty says nothing was settled.
func (sp *Spill) Empty() bool { return sp.count == [3]int{} }

// replay hands each line of spill file i to yield.
func (sp *Spill) replay(i int, yield func([]byte) error) error {
	if sp.err != nil {
		return sp.err
	}
	if err := sp.bufs[i].Flush(); err != nil {
		return err
	}
	if _, err := sp.files[i].Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(sp.files[i], 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if yerr := yield(bytes.TrimSpace(line)); yerr != nil {
				return yerr
			}
		}
		if errors.Is(err, io.EOF) {
			_, serr := sp.files[i].Seek(0, io.SeekEnd)
			return serr
		}
		if err != nil {
			return err
		}
	}
}

// Transactions replays the settled transactions as JSON, in order.
func (sp *Spill) Transactions(yield func(json.RawMessage) error) error {
	return sp.replay(spillTx, func(b []byte) error { return yield(b) })
}

// Events replays the settled events as JSON, in order.
func (sp *Spill) Events(yield func(json.RawMessage) error) error {
	return sp.replay(spillEv, func(b []byte) error { return yield(b) })
}

// Rows replays the settled timeline rows, in order.
func (sp *Spill) Rows(yield func(Row) error) error {
	return sp.replay(spillRow, func(b []byte) error {
		var r Row
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		return yield(r)
	})
}

// Close removes the spill's files.
func (sp *Spill) Close() error {
	var first error
	for _, f := range sp.files {
		if f == nil {
			continue
		}
		f.Close()
		if err := os.Remove(f.Name()); err != nil && first == nil {
			first = err
		}
	}
	return first
}
