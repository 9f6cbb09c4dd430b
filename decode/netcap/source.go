package netcap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/decode/record"
)

// DamagedError says a capture file could be read up to a point and not
// beyond: every frame before Frame was delivered.
type DamagedError struct {
	File   string
	Frame  int   // number the damaged frame would have had
	Offset int64 // byte offset in the file where that frame's record starts
	Err    error
}

func (e *DamagedError) Error() string {
	what := e.Err.Error()
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		what = "file ends inside the record (truncated capture)"
	}
	return fmt.Sprintf("%s: frame %d at byte offset %d: %s", e.File, e.Frame, e.Offset, what)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// packetSource is what pcapgo's classic and pcapng readers have in common.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// FileReader reads frames from a classic pcap or a pcapng file (optionally
// gzip-compressed) without cgo or libpcap.
type FileReader struct {
	name     string
	path     string // set by OpenFile: the file can be read again for its secrets
	file     io.Closer
	counter  *countingReader
	buf      *bufio.Reader
	src      packetSource
	linkType int // classic pcap: the file's link type
	ng       bool
	n        int // frames delivered so far
	err      error
}

// countingReader counts the bytes handed to the bufio.Reader above it, so
// that count − Buffered() is the exact offset of the next unread byte.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

const (
	pcapngMagic = 0x0A0D0D0A
	readBufSize = 1 << 16
)

// OpenFile opens a capture file. Errors here mean the file is not a
// readable capture at all.
func OpenFile(path string) (*FileReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewFileReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	r.path = path
	return r, nil
}

// NewFileReader reads a capture from r; name is used in error messages.
func NewFileReader(name string, r io.Reader) (*FileReader, error) {
	fr := &FileReader{name: name}
	fr.counter = &countingReader{r: r}
	fr.buf = bufio.NewReaderSize(fr.counter, readBufSize)
	magic, err := fr.buf.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%s: not a capture file: too short (%d bytes)", name, len(magic))
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		// Offsets then count uncompressed bytes, which is what a reader
		// of the decompressed file would see.
		z, err := gzip.NewReader(fr.buf)
		if err != nil {
			return nil, fmt.Errorf("%s: bad gzip header: %v", name, err)
		}
		fr.counter = &countingReader{r: z}
		fr.buf = bufio.NewReaderSize(fr.counter, readBufSize)
		if magic, err = fr.buf.Peek(4); err != nil {
			return nil, fmt.Errorf("%s: not a capture file: too short after decompression", name)
		}
	}
	// pcapgo wraps its input in bufio.NewReader, which returns our
	// *bufio.Reader as is, so offset() stays exact.
	if binary.LittleEndian.Uint32(magic) == pcapngMagic {
		ng, err := pcapgo.NewNgReader(fr.buf, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("%s: not a readable pcapng file: %v", name, err)
		}
		fr.src, fr.ng = ng, true
		return fr, nil
	}
	cl, err := pcapgo.NewReader(fr.buf)
	if err != nil {
		return nil, fmt.Errorf("%s: not a pcap or pcapng file: %v", name, err)
	}
	fr.src, fr.linkType = cl, int(cl.LinkType())
	return fr, nil
}

func (fr *FileReader) offset() int64 { return fr.counter.n - int64(fr.buf.Buffered()) }

// Next returns the next frame. Its Data is only valid until the following
// call. At the end of the file it returns io.EOF; on damage a *DamagedError
// (and keeps returning it).
func (fr *FileReader) Next() (record.Frame, error) {
	if fr.err != nil {
		return record.Frame{}, fr.err
	}
	at := fr.offset()
	data, ci, err := fr.src.ZeroCopyReadPacketData()
	if err != nil {
		if err == io.EOF {
			fr.err = io.EOF
		} else {
			fr.err = &DamagedError{File: fr.name, Frame: fr.n + 1, Offset: at, Err: err}
		}
		return record.Frame{}, fr.err
	}
	fr.n++
	f := record.Frame{
		Number:    fr.n,
		Time:      ci.Timestamp,
		LinkType:  fr.linkType,
		Data:      data,
		OrigLen:   ci.Length,
		Interface: ci.InterfaceIndex,
	}
	if fr.ng {
		f.LinkType = -1
		if len(ci.AncillaryData) > 0 {
			if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
				f.LinkType = int(lt)
			}
		}
	}
	return f, nil
}

// Close closes the file opened by OpenFile.
func (fr *FileReader) Close() error {
	if fr.file != nil {
		return fr.file.Close()
	}
	return nil
}

// ReadFile decodes a whole capture file, emitting records as they complete.
// It returns the open error unwrapped (the file is unreadable), or a
// *DamagedError after everything before the damage has been emitted.
func ReadFile(path string, opts Options, emit func(Record)) (Stats, error) {
	fr, err := OpenFile(path)
	if err != nil {
		return Stats{}, err
	}
	defer fr.Close()
	return Decode(fr, opts, emit)
}

// Decode feeds every frame of fr (one file, or a MultiReader's several) to
// a new Decoder and flushes it. Frames of unsupported link types are
// skipped and counted in the Stats.
//
// The file is read on a second goroutine, a few batches ahead, so reading
// and decoding overlap; the batches bound the memory this takes.
func Decode(fr FrameReader, opts Options, emit func(Record)) (Stats, error) {
	if sc, ok := fr.(secretsCarrier); ok {
		// A pcapng may carry the session keys (editcap --inject-secrets):
		// read them first, as tshark does.
		keys, err := sc.decryptionSecrets()
		if err != nil {
			return Stats{}, err
		}
		if keys.Len() > 0 {
			merged := &KeyLog{}
			merged.Merge(opts.TLSKeys)
			merged.Merge(keys)
			opts.TLSKeys = merged
		}
	}
	d := NewDecoder(opts, emit)
	full := make(chan *frameBatch, readAhead)
	free := make(chan *frameBatch, readAhead+1)
	for range readAhead + 1 {
		free <- &frameBatch{}
	}
	go readBatches(fr, free, full)
	for b := range full {
		start := 0
		for i, f := range b.frames {
			f.Data = b.data[start:b.ends[i]:b.ends[i]]
			start = b.ends[i]
			_ = d.Frame(f) // unsupported link types are counted in Stats
		}
		if b.err != nil {
			d.Flush()
			err := b.err
			if err == io.EOF {
				err = nil
			}
			return d.Stats(), err
		}
		free <- b
	}
	// Not reached: the reader's last batch always carries io.EOF or an error.
	d.Flush()
	return d.Stats(), errors.New("capture reader stopped without a reason")
}

// Read-ahead bounds: batches in flight, and frames and bytes per batch.
const (
	readAhead   = 3
	batchFrames = 256
	batchBytes  = 1 << 20
)

// frameBatch is a run of frames copied out of the reader's buffer.
type frameBatch struct {
	frames []record.Frame // Data nil: frame i is data[ends[i-1]:ends[i]]
	ends   []int          // end offset of each frame's bytes in data
	data   []byte
	err    error // io.EOF or the read error after the frames
}

// readBatches reads fr into batches until the end of the file or an error,
// which travels in the last batch.
func readBatches(fr FrameReader, free <-chan *frameBatch, full chan<- *frameBatch) {
	defer close(full)
	for b := range free {
		if cap(b.data) > 4*batchBytes {
			b.data = nil // a jumbo frame grew it: do not keep that much
		}
		b.frames, b.ends, b.data, b.err = b.frames[:0], b.ends[:0], b.data[:0], nil
		for len(b.frames) < batchFrames && len(b.data) < batchBytes {
			f, err := fr.Next()
			if err != nil {
				b.err = err
				break
			}
			b.data = append(b.data, f.Data...)
			f.Data = nil
			b.frames = append(b.frames, f)
			b.ends = append(b.ends, len(b.data))
		}
		full <- b
		if b.err != nil {
			return
		}
	}
}
