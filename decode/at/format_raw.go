package at

import (
	"bytes"

	"github.com/atmq/atmq/decode/record"
)

// Raw byte captures: picocom --logfile, minicom -C, screen -L, PuTTY
// "printable/all session output". They hold only what the module sent (so
// commands come from the echo), without timestamps or direction
// (docs/mqtt-captures-and-wireshark.md §C; field-notes "Terminal logs").
// PuTTY writes a header line per session (logging.c logfopen_callback):
// "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log YYYY.MM.DD HH:MM:SS =~=~=~=~=~=~=~=~=~=~=~=";
// appended sessions repeat it.

var puttyHeader = []byte("=~=~=~=~=~=~=~=~=~=~=~= PuTTY log ")

func init() {
	registerFormat(&format{name: "raw", title: "raw module output (picocom, minicom, screen)", lfIsLine: true,
		newReader: func(c *clock) formatReader { return &rawReader{} }})
	registerFormat(&format{name: "putty", title: "PuTTY session log", lfIsLine: true,
		newReader: func(c *clock) formatReader { return &rawReader{putty: true} }})
}

type rawReader struct {
	putty bool
}

func (r *rawReader) feed(p piece, emit func(record.SerialChunk)) error {
	if p.first && bytes.HasPrefix(p.text, puttyHeader) {
		// A new session begins: nothing of the module's output.
		return nil
	}
	emit(record.SerialChunk{Dir: record.DirUnknown, Data: withLF(p), Line: p.n})
	return nil
}

func (r *rawReader) flush(func(record.SerialChunk)) {}

// withLF copies a piece's text with its LF.
func withLF(p piece) []byte {
	data := make([]byte, 0, len(p.text)+1)
	data = append(data, p.text...)
	if p.lf {
		data = append(data, '\n')
	}
	return data
}
