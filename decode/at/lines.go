package at

import (
	"bytes"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/atmq/atmq/decode/record"
)

// MaxLine bounds one line (and one data-mode payload) in bytes; longer runs
// are cut and reported, so hostile input cannot grow memory without end.
const MaxLine = 64 << 10

// LineKind says what a Line holds.
type LineKind uint8

const (
	KindText    LineKind = iota // a line of text
	KindBlank                   // an empty line (between CR/LF runs)
	KindPayload                 // data-mode bytes the host sent after a '>' prompt
	KindNoise                   // binary noise: mostly control bytes or invalid UTF-8
)

// Line ends.
const (
	EndLF      = '\n'
	EndCR      = '\r'
	EndCtrlZ   = 0x1a // Ctrl-Z: sends a data-mode payload
	EndESC     = 0x1b // ESC: cancels a data-mode payload
	EndLength  = 'L'  // a declared payload length was reached
	EndPartial = 0    // end of input, a cut over-long line, or a prompt without newline
)

// Line is one line of the UART stream in one direction.
type Line struct {
	Dir  record.Direction
	Kind LineKind
	Text []byte // without its terminator; valid only during Splitter.Out
	Line int    // 1-based source line where it begins (0 for live sources)
	Time time.Time
	End  byte // how it ended: EndLF, EndCR, EndCtrlZ, EndESC, EndLength, EndPartial
}

// Splitter turns chunks into lines, per direction: CR, LF and CRLF end a
// line (a CR immediately followed by LF is one end, so "AT\r\r\nOK\r\n"
// gives "AT", "", "OK"); Ctrl-Z ends a line too. A module line that is only
// the data-mode prompt "> " is given out as soon as its chunk ends, because
// the module prints no newline after it. In data mode the host's bytes are
// collected verbatim until Ctrl-Z, ESC or a declared length.
type Splitter struct {
	// LFIsLine says each LF in chunk data is a line of the source file, so
	// line numbers advance with it (raw logs, SSCOM, socat); otherwise
	// every line gets its chunk's line number (jpnevulator, atmq-serial).
	LFIsLine bool
	// ChunkEndsHostLine flushes a host line at the end of its chunk (SSCOM
	// logs one send per block, with or without the CR/LF).
	ChunkEndsHostLine bool
	Out               func(Line)
	Problem           func(string)
	// Damage is told of text lost, as opposed to the noise a UART
	// carries: a line cut at MaxLine, a line of text dropped for a NUL
	// byte (without it, Problem is).
	Damage  func(line int, what string)
	streams [3]lineStream
}

func (s *Splitter) damage(line int, what string) {
	if s.Damage != nil {
		s.Damage(line, what)
		return
	}
	s.problem(fmt.Sprintf("line %d: %s", line, what))
}

type lineStream struct {
	buf      []byte
	line     int
	time     time.Time
	started  bool
	sawCR    bool
	dataMode int // 0 text; -1 until Ctrl-Z/ESC; n>0 bytes still expected
	cut      bool
}

// DataModeCtrlZ asks SetDataMode for a payload ended by Ctrl-Z (ESC cancels).
const DataModeCtrlZ = -1

// SetDataMode switches the host direction to data mode: the next bytes are
// a payload of n bytes (n > 0) or one ended by Ctrl-Z (DataModeCtrlZ);
// 0 switches back to text.
func (s *Splitter) SetDataMode(n int) {
	if n > MaxLine {
		n = MaxLine
	}
	s.streams[record.DirHostToModule].dataMode = n
}

// InDataMode reports whether the host direction is collecting a payload.
func (s *Splitter) InDataMode() bool { return s.streams[record.DirHostToModule].dataMode != 0 }

func dirIndex(d record.Direction) int {
	if d < 0 || int(d) > 2 {
		return 0
	}
	return int(d)
}

// Chunk splits one chunk.
func (s *Splitter) Chunk(c record.SerialChunk) {
	st := &s.streams[dirIndex(c.Dir)]
	line := c.Line
	for _, b := range c.Data {
		if !st.started {
			st.started = true
			st.line, st.time = line, c.Time
		}
		if st.dataMode != 0 {
			switch {
			case st.dataMode < 0 && b == EndCtrlZ:
				s.emit(c.Dir, st, KindPayload, EndCtrlZ)
				st.dataMode = 0
			case st.dataMode < 0 && b == EndESC:
				s.emit(c.Dir, st, KindPayload, EndESC)
				st.dataMode = 0
			default:
				st.buf = append(st.buf, b)
				if st.dataMode > 0 {
					st.dataMode--
					if st.dataMode == 0 {
						s.emit(c.Dir, st, KindPayload, EndLength)
					}
				} else if len(st.buf) >= MaxLine {
					s.damage(st.line, fmt.Sprintf("data-mode payload longer than %d bytes without Ctrl-Z; cut", MaxLine))
					s.emit(c.Dir, st, KindPayload, EndPartial)
					st.dataMode = 0
				}
			}
			if b == '\n' && s.LFIsLine {
				line++
			}
			continue
		}
		switch b {
		case '\n':
			if st.sawCR {
				st.sawCR = false
				st.started = false // the LF of a CRLF starts nothing
			} else {
				s.emit(c.Dir, st, s.kind(st), EndLF)
			}
			if s.LFIsLine {
				line++
			}
			continue
		case '\r':
			s.emit(c.Dir, st, s.kind(st), EndCR)
			st.sawCR = true
			continue
		case EndCtrlZ:
			st.sawCR = false
			s.emit(c.Dir, st, s.kind(st), EndCtrlZ)
			continue
		}
		if st.sawCR {
			// a lone CR ended the previous line; this byte starts a new one
			st.sawCR = false
			st.line, st.time = line, c.Time
		}
		if len(st.buf) >= MaxLine {
			if !st.cut {
				s.damage(st.line, fmt.Sprintf("line longer than %d bytes; cut", MaxLine))
			}
			st.cut = true
			continue
		}
		st.buf = append(st.buf, b)
	}
	// The data-mode prompt "> " comes without a newline: give it out now.
	if c.Dir != record.DirHostToModule && isPrompt(st.buf) {
		s.emit(c.Dir, st, KindText, EndPartial)
	}
	if c.Dir == record.DirHostToModule && s.ChunkEndsHostLine && st.dataMode == 0 && len(st.buf) > 0 {
		s.emit(c.Dir, st, s.kind(st), EndPartial)
	}
}

// Flush gives out partial lines at the end of input.
func (s *Splitter) Flush() {
	for d := range s.streams {
		st := &s.streams[d]
		if len(st.buf) == 0 {
			continue
		}
		k := s.kind(st)
		if st.dataMode != 0 {
			k = KindPayload
			s.problem(fmt.Sprintf("line %d: input ends inside a data-mode payload", st.line))
		}
		s.emit(record.Direction(d), st, k, EndPartial)
	}
}

func isPrompt(b []byte) bool {
	return (len(b) == 1 && b[0] == '>') || (len(b) == 2 && b[0] == '>' && b[1] == ' ')
}

func (s *Splitter) kind(st *lineStream) LineKind {
	if len(st.buf) == 0 {
		return KindBlank
	}
	if isNoise(st.buf) {
		if textWithNUL(st.buf) {
			s.damage(st.line, fmt.Sprintf("a NUL byte inside a line of text (%d bytes); the line is lost", len(st.buf)))
		}
		return KindNoise
	}
	return KindText
}

// textWithNUL says b would be a line of text but for its NUL bytes: a
// record lost to a NUL, not the garbage of a wrong baud rate.
func textWithNUL(b []byte) bool {
	if bytes.IndexByte(b, 0) < 0 {
		return false
	}
	rest := bytes.ReplaceAll(b, []byte{0}, nil)
	return len(bytes.TrimSpace(rest)) > 0 && !isNoise(rest)
}

// emit gives out the line held in st. Its Text is the splitter's buffer:
// Out must copy what it keeps (the engine turns it into a string at once),
// which saves a copy of every line of a large log.
func (s *Splitter) emit(d record.Direction, st *lineStream, k LineKind, end byte) {
	l := Line{Dir: d, Kind: k, Text: st.buf, Line: st.line, Time: st.time, End: end}
	if s.Out != nil {
		s.Out(l)
	}
	st.buf = st.buf[:0]
	st.started = false
	st.cut = false
}

func (s *Splitter) problem(msg string) {
	if s.Problem != nil {
		s.Problem(msg)
	}
}

// isNoise says a line is binary noise (a wrong baud rate, a boot ROM's
// output at another speed): a NUL, more than a quarter of control bytes, or
// more than a quarter of invalid UTF-8 that is not GBK text either (a module
// may send GBK payloads, SSCOM users often do).
func isNoise(b []byte) bool {
	i := 0
	for i < len(b) && (b[i] >= 0x20 && b[i] < 0x7f || b[i] == '\t') {
		i++ // printable ASCII: most lines are nothing else
	}
	if i == len(b) {
		return false
	}
	ctrl, invalid, n := 0, 0, 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		n++
		switch {
		case b[i] == 0:
			return true
		case r == utf8.RuneError && size <= 1:
			invalid++
		case r < 0x20 && r != '\t', r == 0x7f:
			ctrl++
		}
		i += size
	}
	if ctrl > 0 && ctrl*4 > n {
		return true
	}
	return invalid > 0 && invalid*4 > n && !isGBK(b)
}

// isGBK says every byte that is not ASCII pairs up as a GBK double-byte
// character (lead 0x81–0xFE, trail 0x40–0xFE except 0x7F).
func isGBK(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < 0x80 {
			continue
		}
		if c == 0x80 || c == 0xff || i+1 >= len(b) {
			return false
		}
		t := b[i+1]
		if t < 0x40 || t == 0x7f || t == 0xff {
			return false
		}
		i++
	}
	return true
}

// isASCII says s has no byte of 0x80 or more.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
