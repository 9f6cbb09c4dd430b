package mqtt

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrTruncated is wrapped by every *Error whose cause is a field running past
// the end of the packet (or of its enclosing length-prefixed block).
var ErrTruncated = errors.New("truncated")

// ErrMalformed is wrapped by every *Error whose cause is an impossible encoding
// (a Variable Byte Integer too large, an unknown property identifier whose
// length cannot be known).
var ErrMalformed = errors.New("malformed")

// Error reports why bytes cannot be decoded as a packet, and where.
type Error struct {
	Type   Type   // packet type from the fixed header (Reserved if unknown)
	Field  string // field being read, e.g. "topic", "property length"
	Offset int    // byte offset of that field from the start of the packet
	Err    error  // ErrTruncated or ErrMalformed
	Detail string // e.g. "need 12 bytes, have 3"
}

func (e *Error) Error() string {
	s := fmt.Sprintf("mqtt %v: %s at offset %d: %v", e.Type, e.Field, e.Offset, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// errShort is the error of a read needing need bytes at off when the
// buffer ends at len(b).
func errShort(b []byte, off, need int) error {
	have := len(b) - off
	if have < 0 {
		have = 0
	}
	return &Error{Offset: off, Err: ErrTruncated, Detail: fmt.Sprintf("need %d bytes, have %d", need, have)}
}

// maxVarint is the largest value a Variable Byte Integer may carry
// (4 bytes of 7 bits).
const maxVarint = 268435455

// maxVarintBytes bounds how many bytes readVarint will look at. The spec
// allows 4; encodings padded with value-less continuation bytes (0x80…0x00)
// are read as far as Wireshark does (10, the protobuf limit) so they can be
// reported instead of desynchronising the stream.
const maxVarintBytes = 10

// readByte reads one byte at off.
func readByte(b []byte, off int) (byte, int, error) {
	if off < 0 || off >= len(b) {
		return 0, off, errShort(b, off, 1)
	}
	return b[off], off + 1, nil
}

// readUint16 reads a big-endian Two Byte Integer at off.
func readUint16(b []byte, off int) (uint16, int, error) {
	if off < 0 || len(b)-off < 2 {
		return 0, off, errShort(b, off, 2)
	}
	return uint16(b[off])<<8 | uint16(b[off+1]), off + 2, nil
}

// readUint32 reads a big-endian Four Byte Integer at off.
func readUint32(b []byte, off int) (uint32, int, error) {
	if off < 0 || len(b)-off < 4 {
		return 0, off, errShort(b, off, 4)
	}
	return uint32(b[off])<<24 | uint32(b[off+1])<<16 | uint32(b[off+2])<<8 | uint32(b[off+3]), off + 4, nil
}

// readBinary reads Binary Data (two-byte length then bytes) at off. The
// returned slice aliases b.
func readBinary(b []byte, off int) ([]byte, int, error) {
	n, next, err := readUint16(b, off)
	if err != nil {
		return nil, off, err
	}
	if len(b)-next < int(n) {
		return nil, off, &Error{Offset: off, Err: ErrTruncated,
			Detail: fmt.Sprintf("length %d past end (%d bytes left)", n, len(b)-next)}
	}
	return b[next : next+int(n) : next+int(n)], next + int(n), nil
}

// readString reads a UTF-8 Encoded String at off as bytes (aliasing b);
// callers convert and validate with checkUTF8.
func readString(b []byte, off int) ([]byte, int, error) {
	return readBinary(b, off)
}

// readVarint reads a Variable Byte Integer at off. It returns the value and
// the offset after it; n = next-off is the encoded length, which callers
// compare with varintLen(v) to detect non-minimal encodings [MQTT-1.5.5-1].
// Bytes beyond the fourth are accepted only while they carry no value bits,
// so v never exceeds maxVarint.
func readVarint(b []byte, off int) (v int, next int, err error) {
	shift := 0
	for i := 0; i < maxVarintBytes; i++ {
		if off+i >= len(b) {
			return 0, off, errShort(b, off, i+1)
		}
		c := b[off+i]
		if i >= 4 && c&0x7f != 0 {
			return 0, off, &Error{Offset: off, Err: ErrMalformed, Detail: "variable byte integer exceeds 268435455"}
		}
		if i < 4 {
			v |= int(c&0x7f) << shift
			shift += 7
		}
		if c&0x80 == 0 {
			return v, off + i + 1, nil
		}
	}
	return 0, off, &Error{Offset: off, Err: ErrMalformed, Detail: fmt.Sprintf("variable byte integer longer than %d bytes", maxVarintBytes)}
}

// varintLen is the minimal encoded length of v.
func varintLen(v int) int {
	switch {
	case v < 128:
		return 1
	case v < 16384:
		return 2
	case v < 2097152:
		return 3
	default:
		return 4
	}
}

// stringProblem reports why s is not a valid MQTT UTF-8 Encoded String
// ("" when it is): ill-formed UTF-8 (surrogates are ill-formed for Go's
// decoder too) or U+0000.
func stringProblem(s []byte) (problem string, nul bool) {
	// Fast path: plain ASCII without NUL, the overwhelmingly common case.
	for i, c := range s {
		if c == 0 {
			if utf8.Valid(s) {
				return "contains U+0000", true
			}
			return "invalid UTF-8", false
		}
		if c >= utf8.RuneSelf {
			if !utf8.Valid(s[i:]) {
				return "invalid UTF-8", false
			}
			for _, c2 := range s[i:] {
				if c2 == 0 {
					return "contains U+0000", true
				}
			}
			return "", false
		}
	}
	return "", false
}
