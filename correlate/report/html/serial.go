package html

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxSerialKept bounds the raw lines a report carries, whatever the log's
// size; past it only the named lines themselves are kept.
const maxSerialKept = 300_000

// serialContextLines reads a log file's lines and keeps each one within
// serialContext lines of a wanted one, cut to maxSerialLine bytes, masked
// and with control characters made visible. Memory is bounded by what is
// kept: a line is never held whole.
func serialContextLines(r io.Reader, wanted map[int]bool, mask func(string) string) ([][]any, error) {
	want := sortedKeys(wanted)
	ctx := serialContext
	if len(want) > 20_000 {
		ctx = 2 // a long log named everywhere: keep the report small
	}
	br := bufio.NewReaderSize(r, 64*1024)
	var out [][]any
	var buf []byte
	next := 0 // index of the first wanted line not yet behind us
	for n := 1; ; n++ {
		buf = buf[:0]
		truncated := 0
		ended := false
		for {
			chunk, err := br.ReadSlice('\n')
			room := maxSerialLine + 1 - len(buf)
			if room > 0 {
				if len(chunk) <= room {
					buf = append(buf, chunk...)
				} else {
					buf = append(buf, chunk[:room]...)
					truncated += len(chunk) - room
				}
			} else {
				truncated += len(chunk)
			}
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != io.EOF {
				return nil, fmt.Errorf("serial log line %d: %w", n, err)
			}
			ended = true
			break
		}
		if ended && len(buf) == 0 && truncated == 0 {
			return out, nil
		}
		for next < len(want) && want[next] < n-ctx {
			next++
		}
		if next == len(want) {
			return out, nil // nothing wanted further on
		}
		keep := want[next] <= n+ctx
		if len(out) >= maxSerialKept {
			keep = want[next] == n
		}
		if keep {
			out = append(out, []any{n, visibleLine(buf, truncated, mask)})
		}
		if ended {
			return out, nil
		}
	}
}

// visibleLine turns one raw line into display text.
func visibleLine(b []byte, truncated int, mask func(string) string) string {
	full := len(b) + truncated
	b = trimEOL(b)
	if len(b) > maxSerialLine {
		truncated += len(b) - maxSerialLine
		b = b[:maxSerialLine]
	}
	s := mask(toValidUTF8(string(b)))
	var sb strings.Builder
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			if r == 0x7f {
				r = 0x2421
			} else {
				r += 0x2400 // the Control Pictures block: ␍ ␊ ␀ …
			}
		}
		sb.WriteRune(r)
	}
	if truncated > 0 {
		fmt.Fprintf(&sb, "… (%d bytes)", full)
	}
	return sb.String()
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}
