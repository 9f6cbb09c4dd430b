package at

import (
	"bytes"
	"strconv"

	"github.com/atmq/atmq/decode/record"
)

// interceptty dumps (interceptty 0.6, interceptty.pod "Output";
// seriallogs/11): one byte per line, "< 0x41 (A)" for a byte sent to the
// real device (host → module) and ">\t0x4f (O)" for one received from it;
// interceptty-nicedump regroups them as "< 41 54 0d  | AT.".

func init() {
	registerFormat(&format{name: "interceptty", title: "interceptty byte dump",
		newReader: func(c *clock) formatReader { return &intercepttyReader{} }})
}

type intercepttyReader struct{}

// intercepttyLine parses one dump line: direction and bytes.
func intercepttyLine(b []byte) (record.Direction, []byte, bool) {
	b = bytes.TrimLeft(b, " ")
	if len(b) < 3 || (b[0] != '<' && b[0] != '>') || (b[1] != ' ' && b[1] != '\t') {
		return 0, nil, false
	}
	dir := record.DirHostToModule
	if b[0] == '>' {
		dir = record.DirModuleToHost
	}
	rest := b[1:]
	if i := bytes.IndexByte(rest, '|'); i >= 0 {
		rest = rest[:i] // nicedump: hex bytes, then "| ascii"
	}
	var out []byte
	for _, f := range bytes.Fields(rest) {
		if f[0] == '(' {
			break // "(A)": the printable form of the byte before
		}
		f = bytes.TrimPrefix(bytes.TrimPrefix(f, []byte("0x")), []byte("0X"))
		v, err := strconv.ParseUint(string(f), 16, 8)
		if err != nil {
			return 0, nil, false
		}
		out = append(out, byte(v))
	}
	return dir, out, len(out) > 0
}

func (r *intercepttyReader) feed(p piece, emit func(record.SerialChunk)) error {
	if !p.first || len(bytes.TrimSpace(p.text)) == 0 {
		return nil
	}
	dir, data, ok := intercepttyLine(p.text)
	if !ok {
		return nil // the documentation's own prose around a sample
	}
	emit(record.SerialChunk{Dir: dir, Line: p.n, Data: data})
	return nil
}

func (r *intercepttyReader) flush(func(record.SerialChunk)) {}
