package at

import (
	"strings"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// jpnevulator --read --timing-print --ascii dumps (jpnevulator 2.3.6;
// seriallogs/09; man page jpnevulator.1): a line "YYYY-MM-DD
// HH:MM:SS.uuuuuu: <alias>", then up to 16 hex bytes per line, then
// (with --ascii) a TAB or spaces and an ASCII column. The direction comes
// from the alias the user gave each tty (e.g. Host, Modem).

func init() {
	registerFormat(&format{name: "jpnevulator", title: "jpnevulator --timing-print dump",
		newReader: func(c *clock) formatReader { return &jpnReader{clock: c} }})
}

type jpnReader struct {
	clock *clock
	dir   record.Direction
	time  time.Time
	seen  bool
}

// jpnHeader parses "YYYY-MM-DD HH:MM:SS.uuuuuu: alias".
func jpnHeader(b []byte) (stamp, string, bool) {
	var st stamp
	j, ok := dateAt(b, 0, &st)
	if !ok || j >= len(b) || b[j] != ' ' {
		return st, "", false
	}
	if j, ok = clockAt(b, j+1, &st); !ok || j+2 > len(b) || b[j] != ':' || b[j+1] != ' ' {
		return st, "", false
	}
	return st, strings.TrimSpace(string(b[j+2:])), true
}

// aliasDir guesses the direction from an alias name.
func aliasDir(alias string) record.Direction {
	a := strings.ToLower(alias)
	for _, w := range []string{"host", "mcu", "dte", "pc", "cpu", "app", "tx", "term"} {
		if strings.Contains(a, w) {
			return record.DirHostToModule
		}
	}
	for _, w := range []string{"modem", "module", "dce", "device", "gsm", "lte", "rx", "uart"} {
		if strings.Contains(a, w) {
			return record.DirModuleToHost
		}
	}
	return record.DirUnknown
}

// jpnHex parses the hex bytes before the ASCII column; ok is false when
// the line is no hex dump line.
func jpnHex(b []byte) ([]byte, bool) {
	s := string(b)
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i]
	}
	var out []byte
	for _, f := range strings.Fields(s) {
		if len(f) != 2 || !isHex(f[0]) || !isHex(f[1]) {
			if len(out) > 0 {
				break // the ASCII column after spaces
			}
			return nil, false
		}
		out = append(out, unhex(f[0])<<4|unhex(f[1]))
		if len(out) == 16 {
			break
		}
	}
	return out, len(out) > 0
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func (r *jpnReader) feed(p piece, emit func(record.SerialChunk)) error {
	if !p.first {
		return nil
	}
	if st, alias, ok := jpnHeader(p.text); ok {
		r.time, r.dir, r.seen = r.clock.at(st), aliasDir(alias), true
		return nil
	}
	data, ok := jpnHex(p.text)
	if !ok {
		if len(strings.TrimSpace(string(p.text))) == 0 || !r.seen {
			return nil
		}
		return errorf("line %d: neither a jpnevulator header nor a hex dump line: %q", p.n, clip(string(p.text), 40))
	}
	emit(record.SerialChunk{Dir: r.dir, Time: r.time, Line: p.n, Data: data})
	return nil
}

func (r *jpnReader) flush(func(record.SerialChunk)) {}
