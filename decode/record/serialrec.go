package record

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// atmq's own serial recording format ("atmq-serial v1"): a text file, one
// chunk per line, so it can be appended to, flushed at any moment, grepped
// and read back losslessly.
//
//	# atmq-serial v1
//	2026-11-26T04:55:40.123456789Z > AT+ECMTOPEN=0,"127.0.0.1",1883\r\n
//	2026-11-26T04:55:40.125000000Z < \r\nOK\r\n
//
// Fields are separated by one space: an RFC 3339 timestamp with
// nanoseconds (or "-" when unknown), the direction (">" host→module,
// "<" module→host, "?" unknown) and the bytes, escaped: printable ASCII
// and valid UTF-8 as is, backslash as \\, CR \r, LF \n, TAB \t, every
// other byte \xNN. Lines starting with '#' are comments.

// SerialRecordingHeader is the first line of a recording.
const SerialRecordingHeader = "# atmq-serial v1"

// AppendSerialRecord appends one recording line (with its trailing LF) for c.
func AppendSerialRecord(dst []byte, c SerialChunk) []byte {
	if c.Time.IsZero() {
		dst = append(dst, '-')
	} else {
		dst = c.Time.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000000Z07:00")
	}
	switch c.Dir {
	case DirHostToModule:
		dst = append(dst, " > "...)
	case DirModuleToHost:
		dst = append(dst, " < "...)
	default:
		dst = append(dst, " ? "...)
	}
	dst = AppendEscaped(dst, c.Data)
	return append(dst, '\n')
}

// AppendEscaped appends b escaped as in the recording format.
func AppendEscaped(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c >= 0x20 && c < 0x7f:
			dst = append(dst, c)
		case c >= 0x80:
			// Keep valid multi-byte UTF-8 (Chinese payloads, curly
			// quotes) readable; escape anything else.
			if n := utf8Len(b); n > 0 {
				dst = append(dst, b[:n]...)
				b = b[n:]
				continue
			}
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		}
		b = b[1:]
	}
	return dst
}

func utf8Len(b []byte) int {
	r, n := decodeRune(b)
	if r < 0 {
		return 0
	}
	return n
}

// decodeRune returns -1 for an invalid or incomplete sequence.
func decodeRune(b []byte) (rune, int) {
	c := b[0]
	var n int
	var r rune
	switch {
	case c&0xe0 == 0xc0:
		n, r = 2, rune(c&0x1f)
	case c&0xf0 == 0xe0:
		n, r = 3, rune(c&0x0f)
	case c&0xf8 == 0xf0:
		n, r = 4, rune(c&0x07)
	default:
		return -1, 0
	}
	if len(b) < n {
		return -1, 0
	}
	for i := 1; i < n; i++ {
		if b[i]&0xc0 != 0x80 {
			return -1, 0
		}
		r = r<<6 | rune(b[i]&0x3f)
	}
	min := [...]rune{0, 0, 0x80, 0x800, 0x10000}[n]
	if r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff) {
		return -1, 0
	}
	return r, n
}

// ErrNotRecord is returned by ParseSerialRecord for comment and blank lines.
var ErrNotRecord = errors.New("not a record line")

// ParseSerialRecord parses one recording line (without its LF; a trailing
// CR is tolerated). line is the 1-based line number stored in the chunk.
func ParseSerialRecord(text []byte, line int) (SerialChunk, error) {
	text = bytes.TrimSuffix(text, []byte{'\r'})
	if len(text) == 0 || text[0] == '#' {
		return SerialChunk{}, ErrNotRecord
	}
	sp := bytes.IndexByte(text, ' ')
	if sp < 0 || len(text) < sp+2 || (len(text) > sp+2 && text[sp+2] != ' ') {
		return SerialChunk{}, fmt.Errorf("line %d: want \"TIME DIR DATA\"", line)
	}
	c := SerialChunk{Line: line}
	if ts := text[:sp]; !(len(ts) == 1 && ts[0] == '-') {
		t, err := time.Parse(time.RFC3339Nano, string(ts))
		if err != nil {
			return SerialChunk{}, fmt.Errorf("line %d: bad timestamp %q", line, ts)
		}
		c.Time = t
	}
	switch text[sp+1] {
	case '>':
		c.Dir = DirHostToModule
	case '<':
		c.Dir = DirModuleToHost
	case '?':
		c.Dir = DirUnknown
	default:
		return SerialChunk{}, fmt.Errorf("line %d: bad direction %q (want >, < or ?)", line, text[sp+1])
	}
	var data []byte
	if len(text) > sp+3 {
		data = text[sp+3:]
	}
	out, err := Unescape(data)
	if err != nil {
		return SerialChunk{}, fmt.Errorf("line %d: %v", line, err)
	}
	c.Data = out
	return c, nil
}

// Unescape reverses AppendEscaped.
func Unescape(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return nil, fmt.Errorf("byte %d: lone backslash at end", i+1)
		}
		i++
		switch b[i] {
		case '\\':
			out = append(out, '\\')
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'x':
			if i+2 >= len(b) {
				return nil, fmt.Errorf("byte %d: short \\x escape", i)
			}
			v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8)
			if err != nil {
				return nil, fmt.Errorf("byte %d: bad \\x escape %q", i, b[i+1:i+3])
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("byte %d: unknown escape \\%c", i, b[i])
		}
	}
	return out, nil
}
