package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/decode/record"
)

// The files of a session folder. A folder holds one capture and one
// serial recording, like a pcaps/ sample, plus a small description.
const (
	CaptureFileName = "capture.pcapng"
	SerialFileName  = "serial.atmq"
	InfoFileName    = "session.json"
)

// SessionFormat identifies the session.json layout.
const SessionFormat = "atmq-session v1"

// DefaultFlushInterval is how often an open session pushes buffered
// records to its files; the issue asks for at least once a second.
const DefaultFlushInterval = 500 * time.Millisecond

// ErrSessionClosed is returned by writes after Close.
var ErrSessionClosed = errors.New("session is closed")

// SerialInfo describes one serial port of a session in session.json.
type SerialInfo struct {
	Role        string `json:"role"` // set by the caller; atmq live uses "tap-rx", "tap-tx", "proxy", "script"
	Port        string `json:"port"`
	Baud        int    `json:"baud"`
	DataBits    int    `json:"data_bits"`
	Parity      string `json:"parity"`
	StopBits    string `json:"stop_bits"`
	FlowControl string `json:"flow_control"`
	PTY         string `json:"pty,omitempty"`    // proxy: the pseudo-terminal handed to the user
	Script      string `json:"script,omitempty"` // host: the script file
}

// NewSerialInfo fills a SerialInfo from a config (defaults applied).
func NewSerialInfo(role string, c SerialConfig) SerialInfo {
	c = c.withDefaults()
	return SerialInfo{Role: role, Port: c.Port, Baud: c.Baud, DataBits: c.DataBits,
		Parity: c.Parity, StopBits: c.StopBits, FlowControl: c.FlowControl}
}

// SessionInfo is the content of session.json.
type SessionInfo struct {
	Format     string       `json:"format"`
	Start      time.Time    `json:"start"`
	End        *time.Time   `json:"end,omitempty"` // set by Close
	Serial     []SerialInfo `json:"serial,omitempty"`
	Interface  string       `json:"interface,omitempty"`   // live capture interface
	PcapFollow string       `json:"pcap_follow,omitempty"` // followed capture file
	Filter     string       `json:"filter,omitempty"`      // capture filter, in tcpdump syntax
	Capture    string       `json:"capture"`               // file name inside the folder
	SerialLog  string       `json:"serial_log"`            // file name inside the folder
	Frames     int          `json:"frames"`                // written so far (final after Close)
	Chunks     int          `json:"chunks"`
	Args       []string     `json:"args,omitempty"` // the command line that made the session
}

// SessionOptions describe a new session.
type SessionOptions struct {
	Start      time.Time // zero means time.Now()
	Serial     []SerialInfo
	Interface  string
	PcapFollow string
	Filter     string
	Args       []string
	// LinkType of the frames (a pcap LINKTYPE_* value). 0 means: taken
	// from the first frame, Ethernet if the session ends without one.
	LinkType      int
	FlushInterval time.Duration // 0 means DefaultFlushInterval
}

// DefaultSessionDir is the folder name used when --out is not given.
func DefaultSessionDir(t time.Time) string {
	return "atmq-" + t.Format("20060102-150405")
}

// Session records one live capture to a folder: capture.pcapng (every
// frame, one interface per link type — normally one), serial.atmq (every
// serial chunk, atmq-serial v1) and session.json. Buffered data reaches
// the files at least every FlushInterval, so a crash loses at most that
// much and another program can read the files while they grow. All
// methods are safe for concurrent use; Close may be called from a signal
// handler's goroutine, more than once.
//
// Files hold whole records only: pcapng blocks and recording lines are
// buffered whole and written whole, and a write that fails part way (a
// full disk) is cut back to the last whole record. The first failure
// stops the session (Failed, Err): later writes return it, and
// session.json counts only what the files hold.
type Session struct {
	dir     string
	madeDir bool // NewSession created dir (Discard may remove it)
	info    SessionInfo

	mu         sync.Mutex
	capFile    *wholeFile
	ng         *pcapgo.NgWriter
	ifaceOf    map[int]int // link type → pcapng interface id
	serialFile *wholeFile
	line       []byte
	closed     bool
	werr       error // first write error; later writes return it
	failed     chan struct{}
	failOnce   sync.Once
	// infoFrames and infoChunks are the counts session.json holds; a
	// flush rewrites it when they fall behind, so a session killed
	// without Close still describes its files as last flushed.
	infoFrames, infoChunks int

	stop      chan struct{}
	flushDone chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// NewSession creates dir (if needed) and the session files in it. It
// refuses a folder that already holds a session.
func NewSession(dir string, opts SessionOptions) (*Session, error) {
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("session folder: %w", err)
	}
	for _, name := range []string{CaptureFileName, SerialFileName} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return nil, fmt.Errorf("session folder %s already holds %s; choose another --out", dir, name)
		}
	}
	s := &Session{
		dir:     dir,
		madeDir: errors.Is(statErr, fs.ErrNotExist),
		info: SessionInfo{Format: SessionFormat, Start: opts.Start.UTC(), Serial: opts.Serial,
			Interface: opts.Interface, PcapFollow: opts.PcapFollow, Filter: opts.Filter,
			Capture: CaptureFileName, SerialLog: SerialFileName, Args: opts.Args},
		ifaceOf:   map[int]int{},
		stop:      make(chan struct{}),
		flushDone: make(chan struct{}),
		failed:    make(chan struct{}),
	}
	f, err := createWhole(filepath.Join(dir, SerialFileName))
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	s.serialFile = f
	f.buf.WriteString(record.SerialRecordingHeader + "\n")
	if opts.LinkType != 0 {
		if err := s.openCapture(opts.LinkType); err != nil {
			s.serialFile.f.Close()
			return nil, err
		}
	}
	if err := s.writeInfo(); err != nil {
		s.closeFiles()
		return nil, err
	}
	if err := s.flushLocked(); err != nil {
		s.closeFiles()
		return nil, err
	}
	go s.flusher(opts.FlushInterval)
	return s, nil
}

// Dir is the session folder.
func (s *Session) Dir() string { return s.dir }

// openCapture creates capture.pcapng with a first interface of linkType.
// The pcapng writer writes into the file's buffer and is flushed after
// every block, so the buffer always ends at a block boundary.
func (s *Session) openCapture(linkType int) error {
	f, err := createWhole(filepath.Join(s.dir, CaptureFileName))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "atmq live"}}
	ng, err := pcapgo.NewNgWriterInterface(&f.buf, s.ngInterface(linkType), opts)
	if err == nil {
		err = ng.Flush()
	}
	if err != nil {
		f.f.Close()
		return fmt.Errorf("session: %s: %w", f.name, err)
	}
	s.capFile, s.ng = f, ng
	s.ifaceOf[linkType] = 0
	return nil
}

// fail records the session's first write failure and closes Failed.
func (s *Session) fail(err error) error {
	if s.werr == nil {
		s.werr = err
		s.failOnce.Do(func() { close(s.failed) })
	}
	return s.werr
}

// Failed is closed when writing a file of the session failed (a full
// disk, an I/O error): the session has stopped recording; Err says why,
// naming the file.
func (s *Session) Failed() <-chan struct{} { return s.failed }

// Err is the failure that stopped the session, or nil.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.werr
}

func (s *Session) ngInterface(linkType int) pcapgo.NgInterface {
	name := s.info.Interface
	if name == "" {
		name = s.info.PcapFollow
	}
	return pcapgo.NgInterface{Name: name, OS: runtime.GOOS, LinkType: layers.LinkType(linkType),
		SnapLength: 0, TimestampResolution: 9, Filter: s.info.Filter}
}

// Frame appends one frame to capture.pcapng.
func (s *Session) Frame(f record.Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSessionClosed
	}
	if s.werr != nil {
		return s.werr
	}
	if s.ng == nil {
		if err := s.openCapture(f.LinkType); err != nil {
			return s.fail(err)
		}
	}
	id, ok := s.ifaceOf[f.LinkType]
	if !ok {
		var err error
		if id, err = s.ng.AddInterface(s.ngInterface(f.LinkType)); err == nil {
			err = s.ng.Flush()
		}
		if err != nil {
			return s.fail(fmt.Errorf("session: %s: add interface: %w", s.capFile.name, err))
		}
		s.ifaceOf[f.LinkType] = id
	}
	orig := f.OrigLen
	if orig < len(f.Data) {
		orig = len(f.Data)
	}
	ci := gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(f.Data), Length: orig, InterfaceIndex: id}
	err := s.ng.WritePacket(ci, f.Data)
	if err == nil {
		err = s.ng.Flush() // into the buffer: it now ends with this whole block
	}
	if err != nil {
		return s.fail(fmt.Errorf("session: %s: frame %d: %w", s.capFile.name, f.Number, err))
	}
	s.capFile.pending++
	if s.capFile.buf.Len() >= wholeWriteAt {
		return s.writeFile(s.capFile)
	}
	return nil
}

// SerialChunk appends one chunk to serial.atmq.
func (s *Session) SerialChunk(c record.SerialChunk) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSessionClosed
	}
	if s.werr != nil {
		return s.werr
	}
	s.line = record.AppendSerialRecord(s.line[:0], c)
	s.serialFile.buf.Write(s.line)
	s.serialFile.pending++
	if s.serialFile.buf.Len() >= wholeWriteAt {
		return s.writeFile(s.serialFile)
	}
	return nil
}

// writeFile writes a file's buffered records whole and counts them in
// session.json's figures once they are in the file.
func (s *Session) writeFile(f *wholeFile) error {
	n := f.pending
	if err := f.write(); err != nil {
		return s.fail(fmt.Errorf("session: %s: %w (the file keeps the records written before)", f.name, err))
	}
	if f == s.capFile {
		s.info.Frames += n
	} else {
		s.info.Chunks += n
	}
	return nil
}

// Flush pushes buffered records to the files.
func (s *Session) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	return s.flushLocked()
}

func (s *Session) flushLocked() error {
	if s.werr != nil {
		return s.werr
	}
	if err := s.writeFile(s.serialFile); err != nil {
		return err
	}
	if s.capFile != nil {
		if err := s.writeFile(s.capFile); err != nil {
			return err
		}
	}
	if s.info.Frames != s.infoFrames || s.info.Chunks != s.infoChunks {
		// Only after the data: the counts never claim more than the files hold.
		if err := s.writeInfo(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Session) flusher(every time.Duration) {
	defer close(s.flushDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Flush() // a failure is kept in werr and returned by the next write and by Close
		}
	}
}

// Info returns a copy of what session.json says so far.
func (s *Session) Info() SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

// Close flushes and closes every file and writes the final session.json
// (end time, counts). It is idempotent: later calls return the first
// call's result.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.flushDone
		s.mu.Lock()
		defer s.mu.Unlock()
		var errs []error
		if s.ng == nil && s.werr == nil {
			// No frame came: still leave a valid, empty capture so the
			// folder has its usual shape.
			if err := s.openCapture(int(layers.LinkTypeEthernet)); err != nil {
				errs = append(errs, err)
			}
		}
		if err := s.flushLocked(); err != nil {
			errs = append(errs, err)
		}
		end := time.Now().UTC()
		s.info.End = &end
		// Also after a failure: the files were cut back to whole records
		// (which may have freed the space), and the counts are honest.
		if err := s.writeInfo(); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, s.closeFiles())
		s.closed = true
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Discard ends a session whose sources failed before anything was worth
// keeping: it closes and deletes the session's files, and its folder if
// NewSession created it and nothing else is in it, so the same --out can
// be used again. Writes after Discard fail with ErrSessionClosed.
func (s *Session) Discard() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.flushDone
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closeErr = s.closeFiles()
		s.closed = true
	})
	var errs []error
	for _, name := range []string{CaptureFileName, SerialFileName, InfoFileName} {
		if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("session: %w", err))
		}
	}
	if s.madeDir {
		os.Remove(s.dir) // fails, as it should, when something else is in it
	}
	return errors.Join(errs...)
}

// closeFiles syncs and closes the data files (what is still buffered
// after a failure is dropped: it never reached the file).
func (s *Session) closeFiles() error {
	var errs []error
	for _, f := range []*wholeFile{s.serialFile, s.capFile} {
		if f == nil {
			continue
		}
		if err := f.f.Sync(); err != nil && s.werr == nil {
			errs = append(errs, fmt.Errorf("session: %s: %w", f.name, err))
		}
		if err := f.f.Close(); err != nil && s.werr == nil {
			errs = append(errs, fmt.Errorf("session: %s: %w", f.name, err))
		}
	}
	return errors.Join(errs...)
}

// writeInfo replaces session.json atomically (write, then rename), so a
// reader never sees half a file.
func (s *Session) writeInfo() error {
	b, err := json.MarshalIndent(s.info, "", "  ")
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	b = append(b, '\n')
	final := filepath.Join(s.dir, InfoFileName)
	tmp := final + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		os.Remove(tmp) // never leave an empty or partial one behind
		return fmt.Errorf("session: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("session: %w", err)
	}
	s.infoFrames, s.infoChunks = s.info.Frames, s.info.Chunks
	return nil
}

// ReadSessionInfo reads dir/session.json.
func ReadSessionInfo(dir string) (SessionInfo, error) {
	var info SessionInfo
	b, err := os.ReadFile(filepath.Join(dir, InfoFileName))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("%s: %w", filepath.Join(dir, InfoFileName), err)
	}
	if info.Format != SessionFormat {
		return info, fmt.Errorf("%s: format %q, want %q", filepath.Join(dir, InfoFileName), info.Format, SessionFormat)
	}
	return info, nil
}
