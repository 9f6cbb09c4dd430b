package netcap

import (
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// FrameReader yields frames in capture order until io.EOF; a *FileReader
// reads one file, a *MultiReader several as one stream.
type FrameReader interface {
	Next() (record.Frame, error)
}

// ExpandCapturePaths turns capture arguments into files: a file is taken as
// is, a directory gives every capture file in it (by content: pcap, pcapng
// or gzip magic, so tcpdump rings named cap.pcap0, cap.pcap1… are found),
// and a pattern with *, ? or [ gives the files it matches. The result has
// no duplicates; an argument that yields nothing is an error naming it.
func ExpandCapturePaths(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		switch {
		case err == nil && st.IsDir():
			entries, err := os.ReadDir(arg)
			if err != nil {
				return nil, err
			}
			n := 0
			for _, e := range entries {
				p := filepath.Join(arg, e.Name())
				if e.Type().IsRegular() && looksLikeCapture(p) {
					add(p)
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("%s: no capture file (pcap, pcapng, gzip) in the directory", arg)
			}
		case err == nil:
			add(arg)
		case strings.ContainsAny(arg, "*?["):
			matches, gerr := filepath.Glob(arg)
			if gerr != nil {
				return nil, fmt.Errorf("%s: %v", arg, gerr)
			}
			n := 0
			for _, m := range matches {
				if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
					add(m)
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("%s: no file matches", arg)
			}
		default:
			return nil, err
		}
	}
	return out, nil
}

// looksLikeCapture reports whether a file starts with a pcap, pcapng or
// gzip magic number.
func looksLikeCapture(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	if _, err := io.ReadFull(f, m[:]); err != nil {
		return false
	}
	switch {
	case m[0] == 0x1f && m[1] == 0x8b:
		return true
	case m == [4]byte{0x0a, 0x0d, 0x0d, 0x0a}:
		return true
	}
	for _, magic := range [][4]byte{{0xa1, 0xb2, 0xc3, 0xd4}, {0xa1, 0xb2, 0x3c, 0x4d}} {
		if m == magic || m == [4]byte{magic[3], magic[2], magic[1], magic[0]} {
			return true
		}
	}
	return false
}

// MultiReader reads several capture files as one stream in time order: a
// tcpdump -C/-G ring (files one after the other) or one capture per broker
// node (files side by side in time). Frames are merged by timestamp and
// numbered from 1 across all files, so a connection that continues from one
// file into the next is one connection to the decoder. Only the files whose
// time span has begun are open at once.
//
// A file damaged in the middle ends that file's part of the stream; the
// others are read on, and Next returns the damage (a *DamagedError per
// file, joined) instead of io.EOF at the end.
type MultiReader struct {
	pending []*ringFile // not yet opened, by first frame time
	open    ringHeap    // open files, by the time of their next frame
	last    *ringFile   // the file whose frame Next returned last
	n       int
	damage  []error
	start   time.Time

	total     int64
	bytesRead atomic.Int64
	frames    atomic.Int64
}

type ringFile struct {
	path  string
	order int
	start time.Time // first frame's time
	file  *os.File
	fr    *FileReader
	head  record.Frame
}

// OpenCaptures prepares a MultiReader over paths. Each file is opened once
// to read its first frame; a file that is not a capture is an error naming
// it, an empty capture is skipped.
func OpenCaptures(paths []string) (*MultiReader, error) {
	m := &MultiReader{}
	for i, p := range paths {
		fr, err := OpenFile(p)
		if err != nil {
			return nil, err
		}
		f, ferr := fr.Next()
		fr.Close()
		var damaged *DamagedError
		switch {
		case ferr == io.EOF:
			continue
		case errors.As(ferr, &damaged):
			// Damaged before its first frame: reported when streamed.
			f.Time = time.Time{}
		case ferr != nil:
			return nil, ferr
		}
		if st, err := os.Stat(p); err == nil {
			m.total += st.Size()
		}
		m.pending = append(m.pending, &ringFile{path: p, order: i, start: f.Time})
	}
	slices.SortStableFunc(m.pending, func(a, b *ringFile) int { return a.start.Compare(b.start) })
	for _, rf := range m.pending {
		if !rf.start.IsZero() && (m.start.IsZero() || rf.start.Before(m.start)) {
			m.start = rf.start
		}
	}
	return m, nil
}

// Start is the time of the earliest first frame (zero when all are empty).
func (m *MultiReader) Start() time.Time { return m.start }

// Progress reports the bytes read from disk so far, the total size of the
// files, and the frames delivered; safe to call from another goroutine.
func (m *MultiReader) Progress() (read, total, frames int64) {
	return m.bytesRead.Load(), m.total, m.frames.Load()
}

// Next returns the next frame in time order; its Data is valid until the
// following call.
func (m *MultiReader) Next() (record.Frame, error) {
	if rf := m.last; rf != nil && len(m.open) == 0 {
		// One file at a time (a ring): no merging to do until the next
		// file's time comes.
		f, err := rf.fr.Next()
		if err == nil && (len(m.pending) == 0 || m.pending[0].start.After(f.Time)) {
			return m.deliver(rf, f), nil
		}
		m.last = nil
		m.settle(rf, f, err)
	}
	if m.last != nil {
		m.advance(m.last)
		m.last = nil
	}
	for len(m.pending) > 0 && (len(m.open) == 0 || !m.pending[0].start.After(m.open[0].head.Time)) {
		rf := m.pending[0]
		m.pending = m.pending[1:]
		if err := m.openFile(rf); err != nil {
			m.damage = append(m.damage, err)
			continue
		}
		m.advance(rf)
	}
	if len(m.open) == 0 {
		if len(m.damage) > 0 {
			return record.Frame{}, errors.Join(m.damage...)
		}
		return record.Frame{}, io.EOF
	}
	rf := heap.Pop(&m.open).(*ringFile)
	return m.deliver(rf, rf.head), nil
}

// deliver numbers f, read from rf, as the stream's next frame.
func (m *MultiReader) deliver(rf *ringFile, f record.Frame) record.Frame {
	m.last = rf
	m.n++
	m.frames.Store(int64(m.n))
	f.Number = m.n
	return f
}

func (m *MultiReader) openFile(rf *ringFile) error {
	f, err := os.Open(rf.path)
	if err != nil {
		return err
	}
	fr, err := NewFileReader(rf.path, &diskCounter{r: f, n: &m.bytesRead})
	if err != nil {
		f.Close()
		return err
	}
	rf.file, rf.fr = f, fr
	return nil
}

// advance reads rf's next frame and puts it back in the heap, or closes rf
// at its end.
func (m *MultiReader) advance(rf *ringFile) {
	f, err := rf.fr.Next()
	m.settle(rf, f, err)
}

// settle puts rf with its next frame f (or its end, err) where it belongs.
func (m *MultiReader) settle(rf *ringFile, f record.Frame, err error) {
	if err != nil {
		if err != io.EOF {
			m.damage = append(m.damage, err)
		}
		rf.file.Close()
		rf.fr, rf.file = nil, nil
		return
	}
	rf.head = f
	heap.Push(&m.open, rf)
}

// Close closes every file still open.
func (m *MultiReader) Close() error {
	for _, rf := range m.open {
		rf.file.Close()
	}
	m.open = nil
	m.pending = nil
	return nil
}

// diskCounter counts the bytes read from a file for progress reports.
type diskCounter struct {
	r io.Reader
	n *atomic.Int64
}

func (c *diskCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// ringHeap orders open files by their next frame's time, then by their
// place in the argument list.
type ringHeap []*ringFile

func (h ringHeap) Len() int { return len(h) }
func (h ringHeap) Less(i, j int) bool {
	if c := h[i].head.Time.Compare(h[j].head.Time); c != 0 {
		return c < 0
	}
	return h[i].order < h[j].order
}
func (h ringHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ringHeap) Push(x any)   { *h = append(*h, x.(*ringFile)) }
func (h *ringHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
