package capture

import (
	"bytes"
	"fmt"
	"os"
)

// wholeWriteAt is the buffered size past which records are written at
// once instead of at the next flush, so a burst of traffic does not grow
// the buffer beyond it (plus one record).
const wholeWriteAt = 1 << 20

// wholeFile is a session file that only ever holds whole records: they
// are buffered whole (pcapng blocks, recording lines) and written with
// one write; if the write fails part way (a full disk, an I/O error) the
// file is cut back to the end of the last whole record, so every reader
// (atmq analyze, tshark) can read it to its end.
type wholeFile struct {
	f       *os.File
	name    string       // path, for messages
	buf     bytes.Buffer // whole records not written yet
	pending int          // records in buf
	size    int64        // bytes of whole records in the file
}

func createWhole(path string) (*wholeFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &wholeFile{f: f, name: path}, nil
}

// write writes the buffered records. On failure the file is cut back to
// its whole records and the buffer dropped.
func (w *wholeFile) write() error {
	if w.buf.Len() == 0 {
		return nil
	}
	n, err := w.f.Write(w.buf.Bytes())
	if err == nil && n < w.buf.Len() {
		err = fmt.Errorf("short write (%d of %d bytes)", n, w.buf.Len())
	}
	if err != nil {
		if n > 0 {
			if terr := w.f.Truncate(w.size); terr != nil {
				err = fmt.Errorf("%w; cutting back to the last whole record: %v", err, terr)
			}
			w.f.Seek(w.size, 0)
		}
		w.buf.Reset()
		w.pending = 0
		return err
	}
	w.size += int64(n)
	w.buf.Reset()
	w.pending = 0
	return nil
}
