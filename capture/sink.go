package capture

import (
	"sync"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// SerialSink receives what a serial source produces.
type SerialSink struct {
	// Chunk receives every run of bytes read or written, stamped and with
	// its direction. Data is the callee's to keep. Required.
	Chunk func(record.SerialChunk)
	// Status receives unplug/reopen and other events. Optional.
	Status func(Status)
	// Clock stamps chunks and events; nil means time.Now. Give every
	// source of one session the same clock.
	Clock func() time.Time
}

// emitter serialises one source's calls into its sink and stamps them, so
// that chunks come out in the order of their stamps even when several
// goroutines (rx and tx lines, both proxy directions) produce them.
type emitter struct {
	mu   sync.Mutex
	sink SerialSink
}

func newEmitter(s SerialSink) *emitter {
	if s.Clock == nil {
		s.Clock = time.Now
	}
	if s.Chunk == nil {
		s.Chunk = func(record.SerialChunk) {}
	}
	return &emitter{sink: s}
}

// chunk copies data (callers reuse their read buffers) and hands it over.
func (e *emitter) chunk(dir record.Direction, data []byte) {
	if len(data) == 0 {
		return
	}
	c := record.SerialChunk{Dir: dir, Data: append([]byte(nil), data...)}
	e.mu.Lock()
	defer e.mu.Unlock()
	c.Time = e.sink.Clock()
	e.sink.Chunk(c)
}

func (e *emitter) status(kind StatusKind, port, msg string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sink.Status == nil {
		return
	}
	e.sink.Status(Status{Time: e.sink.Clock(), Kind: kind, Port: port, Msg: msg, Err: err})
}
