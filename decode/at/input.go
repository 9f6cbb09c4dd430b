package at

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/transform"

	"github.com/atmq/atmq/decode/record"
)

// Input says how a log file was read: what atmq saw before it decoded
// anything, so that a log that yields nothing can be explained instead of
// being reported as a healthy session.
type Input struct {
	Encoding   string // EncodingUTF8, EncodingUTF16LE, EncodingUTF16BE, EncodingGBK
	Binary     string // a known binary file type ("a pcapng capture"), else ""
	Guessed    string // the format detection picked (also when --format forced another)
	Lines      int    // lines read
	NoiseLines int    // lines skipped as binary noise
	Removed    int    // terminal escape sequences and NUL bytes removed
	Empty      bool   // the file holds no text at all
	// Decoded counts the commands and the URCs of a known dialect given
	// out while the log streamed (ReadLogEach keeps none of them).
	Decoded int

	cleaner *terminalCleaner
}

// decodedInput wraps r so that it reads as UTF-8 text without terminal
// escape sequences, and says what it found. forced is the format the user
// named ("" = none); atmq's own recordings are read as they are.
func decodedInput(r io.Reader, forced string) (*bufio.Reader, *Input, error) {
	br := bufio.NewReaderSize(r, readerBuffer)
	head, err := br.Peek(detectBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, nil, err
	}
	in := &Input{Encoding: EncodingUTF8, Binary: sniffBinary(head)}
	in.Empty = len(strings.Trim(string(head), "\x00\r\n\t \ufeff")) == 0
	if in.Binary != "" {
		in.Guessed = "raw"
		return br, in, nil
	}
	in.Encoding = detectEncoding(head)
	if in.Encoding == EncodingGBK && detectFormat(head) == "sscom" {
		// SSCOM's reader knows its GBK markers and transcodes its lines.
		in.Encoding = EncodingUTF8
	}
	var text io.Reader = br
	if dec := decoderFor(in.Encoding); dec != nil {
		text = transform.NewReader(br, dec)
	}
	if f := lookupFormat(forced); f == nil || f.name != "atmq" {
		in.cleaner = &terminalCleaner{lineStart: true}
		text = transform.NewReader(text, in.cleaner)
	}
	if text == io.Reader(br) {
		in.Guessed = detectFormat(head)
		return br, in, nil
	}
	out := bufio.NewReaderSize(text, readerBuffer)
	clean, err := out.Peek(detectBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, nil, err
	}
	clean = []byte(strings.TrimPrefix(string(clean), "\ufeff"))
	in.Empty = len(strings.Trim(string(clean), "\r\n\t ")) == 0
	in.Guessed = detectFormat(clean)
	return out, in, nil
}

// observe counts, as the log is read, the lines the format reader is fed
// and the lines the splitter gives out as binary noise.
func (in *Input) observe(p *Parser, fr formatReader) formatReader {
	out := p.split.Out
	p.split.Out = func(l Line) {
		if l.Kind == KindNoise {
			in.NoiseLines++
		}
		out(l)
	}
	return &lineCounter{formatReader: fr, in: in}
}

// binaryLog is the log of a file that is no text at all (a capture passed
// as a log): nothing is decoded from it, so its bytes are not reported
// line by line as noise; the verdict names what it is.
func (in *Input) binaryLog() *Log {
	return &Log{Format: in.Guessed, TimeSource: "none", Input: *in}
}

// count notes an item given out by ReadLogEach.
func (in *Input) count(it Item) {
	if it.Txn != nil || (it.Event != nil && it.Event.Dialect != "") {
		in.Decoded++
	}
}

// done records what was read on the log.
func (in *Input) done(l *Log) {
	if in.cleaner != nil {
		in.Removed = in.cleaner.removed
	}
	l.Input = *in
}

// lineCounter passes pieces on, noting the number of the last line.
type lineCounter struct {
	formatReader
	in *Input
}

func (c *lineCounter) feed(p piece, emit func(record.SerialChunk)) error {
	if p.first {
		c.in.Lines = p.n
	}
	return c.formatReader.feed(p, emit)
}

// Understood says whether the log yielded anything atmq can analyse: at
// least one AT command, or a result code or URC of a known dialect.
func (l *Log) Understood() bool {
	if len(l.Transactions) > 0 || l.Input.Decoded > 0 {
		return true
	}
	for _, e := range l.Events {
		if e.Dialect != "" {
			return true
		}
	}
	return false
}

// Verdict explains a log that yielded nothing: what atmq saw (the
// encoding, the format it guessed or was given, the lines it read, what
// it skipped) and what to try; formatFlag names the flag that sets the
// format (--serial-format, --format). It is "" for a log atmq understood.
func (l *Log) Verdict(formatFlag string) string {
	if l.Understood() {
		return ""
	}
	in := l.Input
	if in.Binary != "" {
		return fmt.Sprintf("this is %s, not a serial log: pass it with --pcap (atmq packets reads it)", in.Binary)
	}
	if in.Empty {
		return "the log is empty: no line of text to read"
	}
	var saw []string
	enc := in.Encoding
	if enc == "" {
		enc = EncodingUTF8
	}
	saw = append(saw, "encoding "+enc)
	if l.Format == in.Guessed || in.Guessed == "" {
		saw = append(saw, "format "+l.Format+" (guessed)")
	} else {
		saw = append(saw, fmt.Sprintf("format %s (given; the content looks like %s)", l.Format, in.Guessed))
	}
	saw = append(saw, plural(in.Lines, "line")+" read")
	if in.NoiseLines > 0 {
		saw = append(saw, plural(in.NoiseLines, "line")+" of binary noise skipped")
	}
	if in.Removed > 0 {
		saw = append(saw, plural(in.Removed, "terminal escape sequence or NUL byte")+" removed")
	}
	if n := len(l.Events); n > 0 {
		saw = append(saw, plural(n, "line")+" looking like URCs of no known dialect")
	}
	hint := "is it the module's UART log? Give the format with " + formatFlag + " (" + strings.Join(Formats(), ", ") + ")"
	if l.Format != in.Guessed && in.Guessed != "" {
		hint = fmt.Sprintf("try %s %s, or leave it out to detect the format", formatFlag, in.Guessed)
	}
	return fmt.Sprintf("no AT command, result code or URC found (%s); %s", strings.Join(saw, ", "), hint)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "sequence or NUL byte") {
		return fmt.Sprintf("%d terminal escape sequences or NUL bytes", n)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
