package at

import (
	"bytes"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/atmq/atmq/decode/record"
)

// SSCOM (友善串口调试助手) logs (docs/mqtt-captures-and-wireshark.md §C,
// seriallogs/01, 02): "[HH:MM:SS.mmm]发→◇<sent text>" followed by a "□"
// line (the CR/LF SSCOM appended to the send), and "[HH:MM:SS.mmm]收←◆
// <received text>" continuing over the following lines until the next
// stamped marker; the module's CR/LF pairs are line breaks. On Chinese
// Windows SSCOM saves in GBK, where the markers are GBK bytes
// (field-notes "Terminal logs"); such lines are transcoded to UTF-8.

var (
	sscomTX    = []byte("发→◇")
	sscomRX    = []byte("收←◆")
	sscomCRLF  = []byte("□")
	sscomTXGBK = []byte{0xb7, 0xa2, 0xa1, 0xfa, 0xa1, 0xf3}
	sscomRXGBK = []byte{0xca, 0xd5, 0xa1, 0xfb, 0xa1, 0xf4}
	sscomCRGBK = []byte{0xa1, 0xf5}
)

func init() {
	registerFormat(&format{name: "sscom", title: "SSCOM (UTF-8 or GBK)", lfIsLine: true, chunkEndsHostLine: true,
		newReader: func(c *clock) formatReader { return &sscomReader{clock: c} }})
}

type sscomReader struct {
	clock *clock
	gbk   bool
	dir   record.Direction
	// lastTime is the stamp of the current block.
	lastTime time.Time
}

// sscomHeader finds a marker after an optional bracket stamp.
func sscomHeader(b []byte) (st stamp, dir record.Direction, rest []byte, gbk, ok bool) {
	i := 0
	if s, sok := bracketStamp(b); sok {
		st = s
		i = s.n
		// SSCOM writes no space after ']'; bracketStamp took one if present.
	}
	for _, m := range []struct {
		marker []byte
		dir    record.Direction
		gbk    bool
	}{{sscomTX, record.DirHostToModule, false}, {sscomRX, record.DirModuleToHost, false},
		{sscomTXGBK, record.DirHostToModule, true}, {sscomRXGBK, record.DirModuleToHost, true}} {
		if bytes.HasPrefix(b[i:], m.marker) {
			return st, m.dir, b[i+len(m.marker):], m.gbk, true
		}
	}
	return st, 0, nil, false, false
}

func (r *sscomReader) feed(p piece, emit func(record.SerialChunk)) error {
	text := p.text
	if p.first {
		if st, dir, rest, gbk, ok := sscomHeader(text); ok {
			r.gbk, r.dir = gbk, dir
			c := record.SerialChunk{Dir: dir, Line: p.n}
			if st.n > 0 {
				c.Time = r.clock.at(st)
				r.lastTime = c.Time
			}
			c.Data = r.decode(rest)
			if dir == record.DirModuleToHost && p.lf {
				c.Data = append(c.Data, '\n')
			}
			emit(c)
			return nil
		}
		if r.dir == record.DirHostToModule {
			trimmed := bytes.TrimRight(text, "\r")
			if bytes.Equal(trimmed, sscomCRLF) || bytes.Equal(trimmed, sscomCRGBK) {
				emit(record.SerialChunk{Dir: r.dir, Time: r.lastTime, Line: p.n, Data: []byte("\r\n")})
				return nil
			}
		}
	}
	if r.dir == 0 {
		// Text before the first marker: nothing SSCOM wrote itself.
		return nil
	}
	data := r.decode(text)
	if r.dir == record.DirHostToModule && p.first {
		// A send of several lines: SSCOM shows its CR/LF as line breaks.
		data = append([]byte("\r\n"), data...)
	}
	if r.dir == record.DirModuleToHost && p.lf {
		data = append(data, '\n')
	}
	emit(record.SerialChunk{Dir: r.dir, Time: r.lastTime, Line: p.n, Data: data})
	return nil
}

func (r *sscomReader) decode(b []byte) []byte {
	if !r.gbk {
		return append([]byte(nil), b...)
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil {
		return append([]byte(nil), b...)
	}
	return out
}

func (r *sscomReader) flush(func(record.SerialChunk)) {}
