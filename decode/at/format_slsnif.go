package at

import (
	"bytes"
	"strconv"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// slsnif dumps (aeruder/slsnif slsnif.h/slsnif.c; seriallogs/12, which is
// reconstructed from that source): blocks "Host   --> A (065) T (084)
// <CR> (013) " and "Device --> …", each byte written as its glyph and its
// value in parentheses, decimal (three digits) or, with -x, hex (two
// digits); -t puts a ctime() line with ".NN" hundredths before a block.

var (
	slsnifHost   = []byte("Host   --> ")
	slsnifDevice = []byte("Device --> ")
)

func init() {
	registerFormat(&format{name: "slsnif", title: "slsnif dump",
		newReader: func(c *clock) formatReader { return &slsnifReader{clock: c} }})
}

type slsnifReader struct {
	clock *clock
	time  time.Time
	dir   record.Direction
}

// slsnifBytes takes the values in parentheses.
func slsnifBytes(b []byte) []byte {
	var out []byte
	for {
		i := bytes.IndexByte(b, '(')
		if i < 0 {
			return out
		}
		j := bytes.IndexByte(b[i:], ')')
		if j < 0 {
			return out
		}
		v := b[i+1 : i+j]
		base := 10
		if len(v) == 2 {
			base = 16
		}
		if n, err := strconv.ParseUint(string(v), base, 8); err == nil && (len(v) == 2 || len(v) == 3) {
			out = append(out, byte(n))
		}
		b = b[i+j+1:]
	}
}

func (r *slsnifReader) feed(p piece, emit func(record.SerialChunk)) error {
	if !p.first {
		return nil
	}
	text := p.text
	var st stamp
	if _, ok := ctimeAt(text, 0, &st); ok {
		r.time = r.clock.at(st)
		return nil
	}
	switch {
	case bytes.HasPrefix(text, slsnifHost):
		r.dir, text = record.DirHostToModule, text[len(slsnifHost):]
	case bytes.HasPrefix(text, slsnifDevice):
		r.dir, text = record.DirModuleToHost, text[len(slsnifDevice):]
	case r.dir == 0:
		return nil
	}
	if data := slsnifBytes(text); len(data) > 0 {
		emit(record.SerialChunk{Dir: r.dir, Time: r.time, Line: p.n, Data: data})
	}
	return nil
}

func (r *slsnifReader) flush(func(record.SerialChunk)) {}
