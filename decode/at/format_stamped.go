package at

import (
	"time"

	"github.com/atmq/atmq/decode/record"
)

// Timestamped terminal logs without direction: tio ("[HH:MM:SS.mmm] "
// before the first non-CR/LF character of each line, or iso8601
// "[YYYY-MM-DDThh:mm:ss.sss] "; tio src/timestamp.c and man page), Tera
// Term ("[%Y-%m-%d %H:%M:%S.%N] ", before 4.96 "[%a %b %e %H:%M:%S.%N %Y] ";
// teraterm filesys_log.cpp FLogTimeStampStrW, TERATERM.INI), the
// "[YYYY-MM-DD_HH:MM:SS.mmm] " logs of vendor tools (atlogs/08), and the
// Arduino serial monitor's "HH:MM:SS.mmm -> " (atlogs/07), and bare
// stamps as loggers print them ("2024-05-30 09:23:05,315 ", atlogs/33).
// Lines without a stamp continue the previous one's time.

func init() {
	registerFormat(&format{name: "stamped", title: "timestamped lines (tio, Tera Term, Arduino serial monitor)", lfIsLine: true,
		newReader: func(c *clock) formatReader { return &stampedReader{clock: c} }})
}

type stampedReader struct {
	clock *clock
	last  time.Time
}

// lineStamp parses any stamp prefix this format knows.
func lineStamp(b []byte) (stamp, bool) {
	if st, ok := bracketStamp(b); ok {
		return st, true
	}
	if st, ok := arrowStamp(b); ok {
		return st, true
	}
	return bareStamp(b)
}

func (r *stampedReader) feed(p piece, emit func(record.SerialChunk)) error {
	text := p.text
	if p.first {
		if st, ok := lineStamp(text); ok {
			r.last = r.clock.at(st)
			text = text[st.n:]
		}
	}
	emit(record.SerialChunk{Dir: record.DirUnknown, Time: r.last, Line: p.n, Data: withLF(piece{text: text, lf: p.lf})})
	return nil
}

func (r *stampedReader) flush(func(record.SerialChunk)) {}
