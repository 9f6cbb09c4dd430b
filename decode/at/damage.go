package at

import (
	"fmt"
	"strings"
)

// Skipped is a part of a log that could not be read, as opposed to the
// garbled lines a UART normally carries (those are Problems): a malformed
// or over-long record, a line cut at MaxLine, a line of text lost to a NUL
// byte, a read error, a file that never ends a line.
type Skipped struct {
	Line   int    // 1-based line where the damage starts
	Offset int64  // byte offset of that line in the file; -1 when not known
	What   string // what was lost and why
}

// maxSkipped bounds the damage listed (Log.Damaged still counts it all).
const maxSkipped = 1000

// maxLineRun bounds the bytes read without a line end (CR or LF): past it
// the input is no text log (/dev/zero, a binary file) and reading stops.
const maxLineRun = 16 << 20

// skip records damage at a line: in Log.Skipped, Log.Damaged and Problems.
func (p *Parser) skip(line int, offset int64, what string) {
	what = strings.TrimPrefix(what, fmt.Sprintf("line %d: ", line))
	p.damaged++
	if len(p.skipped) < maxSkipped {
		p.skipped = append(p.skipped, Skipped{Line: line, Offset: offset, What: what})
	}
	p.eng.problem("line %d: %s", line, what)
}
