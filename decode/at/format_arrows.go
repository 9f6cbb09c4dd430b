package at

import (
	"bytes"

	"github.com/atmq/atmq/decode/record"
)

// Logs that mark each line's direction with "» " (sent by the host) and
// "« " (received from the module), as some serial consoles and issue
// reports do (atlogs/02: "» AT+…" then the echo "« AT+…"). Unmarked lines
// continue the module's output.

var (
	arrowTX = []byte("» ")
	arrowRX = []byte("« ")
)

func init() {
	registerFormat(&format{name: "arrows", title: "direction-marked lines (» sent, « received)", lfIsLine: true,
		newReader: func(c *clock) formatReader { return &arrowsReader{} }})
}

type arrowsReader struct{}

func (r *arrowsReader) feed(p piece, emit func(record.SerialChunk)) error {
	dir := record.DirModuleToHost
	text := p.text
	if p.first {
		switch {
		case bytes.HasPrefix(text, arrowTX):
			dir, text = record.DirHostToModule, text[len(arrowTX):]
		case bytes.HasPrefix(text, arrowRX):
			text = text[len(arrowRX):]
		}
	}
	data := withLF(piece{text: text, lf: p.lf})
	if dir == record.DirHostToModule && p.lf {
		// the host ends its command with CR (V.250 S3); the log shows a line break
		data[len(data)-1] = '\r'
	}
	emit(record.SerialChunk{Dir: dir, Line: p.n, Data: data})
	return nil
}

func (r *arrowsReader) flush(func(record.SerialChunk)) {}
