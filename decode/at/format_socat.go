package at

import (
	"fmt"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// socat -v dumps (stderr; docs/mqtt-captures-and-wireshark.md §C,
// seriallogs/10): a header "> YYYY/MM/DD HH:MM:SS.nnnnnnnnn  length=N
// from=A to=B" ('>' left→right, '<' right→left), then the N data bytes with
// CR written as "\r" and '\' as "\\", LF kept. When the data does not end
// in LF the next header follows on the same line. The declared length says
// where the data ends. Which side is the host depends on the socat command
// line; the left side is taken as the host (socat -v SYSTEM:host PTY).

func init() {
	registerFormat(&format{name: "socat", title: "socat -v dump", lfIsLine: true,
		newReader: func(c *clock) formatReader { return &socatReader{clock: c} }})
}

type socatReader struct {
	clock     *clock
	dir       record.Direction
	time      time.Time
	remaining int
	started   bool
}

// socatHeader parses a header taking all of b (the rest of a file line).
func socatHeader(b []byte) (dir record.Direction, st stamp, length int, ok bool) {
	if len(b) < 30 || (b[0] != '>' && b[0] != '<') || b[1] != ' ' {
		return 0, st, 0, false
	}
	j, ok := dateAt(b, 2, &st)
	if !ok || j >= len(b) || b[j] != ' ' {
		return 0, st, 0, false
	}
	if j, ok = clockAt(b, j+1, &st); !ok {
		return 0, st, 0, false
	}
	rest := string(b[j:])
	var from, to int
	if _, err := fmt.Sscanf(rest, "  length=%d from=%d to=%d", &length, &from, &to); err != nil || length < 0 {
		return 0, st, 0, false
	}
	dir = record.DirHostToModule
	if b[0] == '<' {
		dir = record.DirModuleToHost
	}
	return dir, st, length, true
}

func (r *socatReader) feed(p piece, emit func(record.SerialChunk)) error {
	text := p.text
	var err error
	for {
		if r.remaining == 0 {
			if len(text) == 0 {
				return err
			}
			dir, st, length, ok := socatHeader(text)
			if !ok {
				if err == nil && r.started {
					err = fmt.Errorf("line %d: socat data longer than its declared length, or a damaged header: %q", p.n, clip(string(text), 40))
				}
				if !r.started {
					return nil // text before the first header
				}
				return err
			}
			r.started = true
			// socat 1.7.4 prints microseconds zero-padded to nine digits
			// (".000079325" is 79.325 ms; seriallogs/10).
			if st.ns < 1000000 {
				st.ns *= 1000
			}
			r.dir, r.time, r.remaining = dir, r.clock.at(st), length
			return err // the header takes the rest of its line, LF included
		}
		data, used := socatUnescape(text, &r.remaining)
		if r.remaining > 0 && p.lf {
			data = append(data, '\n')
			r.remaining--
		}
		emit(record.SerialChunk{Dir: r.dir, Time: r.time, Line: p.n, Data: data})
		if used == len(text) {
			return err
		}
		text = text[used:]
	}
}

// socatUnescape decodes up to *remaining bytes from b; it returns the bytes
// and how much of b it used.
func socatUnescape(b []byte, remaining *int) ([]byte, int) {
	out := make([]byte, 0, len(b))
	i := 0
	for i < len(b) && *remaining > 0 {
		c := b[i]
		if c == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case 'r':
				out = append(out, '\r')
				i += 2
				*remaining--
				continue
			case 'n':
				out = append(out, '\n')
				i += 2
				*remaining--
				continue
			case 't':
				out = append(out, '\t')
				i += 2
				*remaining--
				continue
			case '\\':
				out = append(out, '\\')
				i += 2
				*remaining--
				continue
			}
		}
		out = append(out, c)
		i++
		*remaining--
	}
	return out, i
}

func (r *socatReader) flush(func(record.SerialChunk)) {}
