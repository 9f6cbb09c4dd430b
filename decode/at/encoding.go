package at

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Terminal noise is decoded, not dropped: what users save from a terminal
// or a shell is often not the plain UTF-8 atmq reads line by line.
// PowerShell's ">" redirect writes UTF-16 LE with a BOM (Windows
// PowerShell 5.1's default "Unicode" encoding), Chinese Windows tools save
// GBK, a raw capture of a colouring console keeps its ANSI/VT escape
// sequences (ECMA-48 CSI "ESC [ … final" and OSC "ESC ] … BEL"), and some
// loggers pad with NUL bytes. The encoding is decided once from the start
// of the file; escape sequences and NULs are removed as the file streams.

// Encodings a log can be read in (Log.Input.Encoding).
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF16LE = "utf-16le"
	EncodingUTF16BE = "utf-16be"
	EncodingGBK     = "gbk"
)

// captureMagic names capture files by their first bytes: a capture passed
// as a serial log is a usage mistake, not a log with no commands.
var captureMagic = []struct {
	magic []byte
	name  string
}{
	{[]byte{0x0a, 0x0d, 0x0d, 0x0a}, "a pcapng capture"},
	{[]byte{0xd4, 0xc3, 0xb2, 0xa1}, "a pcap capture"},
	{[]byte{0xa1, 0xb2, 0xc3, 0xd4}, "a pcap capture"},
	{[]byte{0x4d, 0x3c, 0xb2, 0xa1}, "a pcap capture"},
	{[]byte{0xa1, 0xb2, 0x3c, 0x4d}, "a pcap capture"},
	{[]byte{0x1f, 0x8b}, "a gzip file"},
}

// sniffBinary names a known binary file type from its first bytes ("" when
// it is none of them).
func sniffBinary(head []byte) string {
	for _, m := range captureMagic {
		if bytes.HasPrefix(head, m.magic) {
			return m.name
		}
	}
	return ""
}

// detectEncoding decides how a log's bytes are text: a UTF-16 BOM, or the
// NUL-every-other-byte pattern of UTF-16 without one; GBK when the
// non-UTF-8 bytes pair up as GBK characters on every line that has them;
// else UTF-8 (which also takes plain ASCII).
func detectEncoding(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return EncodingUTF16LE
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return EncodingUTF16BE
	}
	if n := len(head) &^ 1; n >= 4 {
		evenNUL, oddNUL := 0, 0
		for i := 0; i < n; i += 2 {
			if head[i] == 0 {
				evenNUL++
			}
			if head[i+1] == 0 {
				oddNUL++
			}
		}
		pairs := n / 2
		// ASCII text in UTF-16 has a NUL in nearly every pair, on one side.
		switch {
		case oddNUL*10 >= pairs*7 && evenNUL*10 < pairs:
			return EncodingUTF16LE
		case evenNUL*10 >= pairs*7 && oddNUL*10 < pairs:
			return EncodingUTF16BE
		}
	}
	if utf8.Valid(head) {
		return EncodingUTF8
	}
	gbkLines, badLines := 0, 0
	for _, l := range bytes.Split(head, []byte{'\n'}) {
		if utf8.Valid(l) {
			continue
		}
		if isGBK(l) && !hasControl(l) {
			gbkLines++
		} else {
			badLines++
		}
	}
	// The last line of the head may be cut inside a character.
	if gbkLines > 0 && badLines <= 1 {
		return EncodingGBK
	}
	return EncodingUTF8
}

// hasControl says b holds control bytes other than tab, CR, ESC and Ctrl-Z
// (wrong-baud noise, which must stay noise rather than become Chinese).
func hasControl(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\r' && c != 0x1b && c != 0x1a) || c == 0x7f {
			return true
		}
	}
	return false
}

// decoderFor gives the transformer that turns the encoding into UTF-8 (nil
// for UTF-8 itself).
func decoderFor(enc string) transform.Transformer {
	switch enc {
	case EncodingUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	case EncodingUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
	case EncodingGBK:
		return simplifiedchinese.GBK.NewDecoder()
	}
	return nil
}

// maxEscape bounds one escape sequence: a longer "sequence" is not one
// (an ESC the host sent to cancel a payload, then text), so it is kept.
const maxEscape = 64

// terminalCleaner removes ANSI/VT escape sequences and NUL bytes from a
// stream. A lone ESC (not followed by a sequence) is kept: it is the
// data-mode cancel key. It counts what it removed.
type terminalCleaner struct {
	removed int // escape sequences and NULs
	nulRun  int // NULs removed since the last other byte
	// lineStart: no text since the last line end (NULs there are padding).
	lineStart bool
}

// maxNULRun bounds the NULs removed in a row: past it the input is no
// padded text (/dev/zero, a disk image) and the NULs are passed on, so the
// line reader sees the bytes and stops at its own bound.
const maxNULRun = 64 << 10

func (c *terminalCleaner) Reset() { *c = terminalCleaner{} }

// escapeLen is the length of the escape sequence at the start of b (b[0]
// is ESC): 0 when it is not one, -1 when b ends before it can tell.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return -1
	}
	switch b[1] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40–0x7E
		for i := 2; i < len(b) && i < maxEscape; i++ {
			switch c := b[i]; {
			case c >= 0x40 && c <= 0x7e:
				return i + 1
			case c < 0x20 || c > 0x7e:
				return 0
			}
		}
		if len(b) >= maxEscape {
			return 0
		}
		return -1
	case ']': // OSC: up to BEL or ST (ESC \)
		for i := 2; i < len(b) && i < maxEscape*4; i++ {
			switch b[i] {
			case 0x07:
				return i + 1
			case 0x1b:
				if i+1 >= len(b) {
					return -1
				}
				if b[i+1] == '\\' {
					return i + 2
				}
				return 0
			case '\n':
				return 0
			}
		}
		if len(b) >= maxEscape*4 {
			return 0
		}
		return -1
	case '(', ')', '*', '+': // character set designation: one more byte
		if len(b) < 3 {
			return -1
		}
		return 3
	case '7', '8', '=', '>', 'M', 'D', 'E', 'c':
		return 2
	}
	return 0
}

func (c *terminalCleaner) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		b := src[nSrc]
		switch b {
		case 0:
			if c.nulRun == 0 && !c.lineStart {
				// Padding sits at line boundaries; a NUL inside a line of
				// text is damage the line splitter reports.
				j := nSrc
				for j < len(src) && src[j] == 0 && j-nSrc < maxNULRun {
					j++
				}
				if j == len(src) && !atEOF && j-nSrc < maxNULRun && nSrc > 0 {
					return nDst, nSrc, transform.ErrShortSrc
				}
				if j < len(src) && src[j] != '\r' && src[j] != '\n' {
					break
				}
			}
			if c.nulRun < maxNULRun {
				c.nulRun++
				c.removed++
				nSrc++
				continue
			}
		case 0x1b:
			n := escapeLen(src[nSrc:])
			if n < 0 && !atEOF {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if n > 0 {
				c.removed++
				nSrc += n
				continue
			}
		}
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		dst[nDst] = b
		nDst++
		nSrc++
		if b != 0 {
			c.nulRun = 0
			c.lineStart = b == '\n' || b == '\r'
		}
	}
	return nDst, nSrc, nil
}

// cleanTerminal applies the cleaner to a whole buffer (format detection
// looks at the cleaned start of the file).
func cleanTerminal(b []byte) []byte {
	out, _, err := transform.Bytes(&terminalCleaner{}, b)
	if err != nil {
		return b
	}
	return out
}
