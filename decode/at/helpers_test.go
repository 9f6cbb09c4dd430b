package at

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/atmq/atmq/decode/record"
)

// Writers that render chunks the way each terminal tool saves them, so
// every reader is tested on the same session.

func writeSSCOM(chunks []record.SerialChunk) []byte {
	var b bytes.Buffer
	for _, c := range chunks {
		ts := c.Time.UTC().Format("[15:04:05.000]")
		if c.Dir == record.DirHostToModule {
			b.WriteString(ts + "发→◇")
			b.Write(bytes.TrimRight(c.Data, "\r\n"))
			b.WriteString("\n□\n")
			continue
		}
		b.WriteString(ts + "收←◆")
		d := bytes.ReplaceAll(bytes.ReplaceAll(c.Data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
		b.Write(d)
		if !bytes.HasSuffix(d, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func toGBK(t testing.TB, b []byte) []byte {
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeRaw: module output only (picocom, minicom, screen).
func writeRaw(chunks []record.SerialChunk) []byte {
	var b bytes.Buffer
	for _, c := range chunks {
		if c.Dir != record.DirHostToModule {
			b.Write(c.Data)
		}
	}
	return b.Bytes()
}

// writeStamped puts a stamp before the first non-CR/LF byte of each line of
// the module's output, as tio does (and Tera Term with its own layout).
func writeStamped(chunks []record.SerialChunk, layout string) []byte {
	var b bytes.Buffer
	atStart := true
	for _, c := range chunks {
		if c.Dir == record.DirHostToModule {
			continue
		}
		for _, x := range c.Data {
			if atStart && x != '\r' && x != '\n' {
				b.WriteString(c.Time.UTC().Format(layout))
				atStart = false
			}
			b.WriteByte(x)
			if x == '\n' {
				atStart = true
			}
		}
	}
	return b.Bytes()
}

func writeAtmq(chunks []record.SerialChunk) []byte {
	b := []byte(record.SerialRecordingHeader + "\n")
	for _, c := range chunks {
		b = record.AppendSerialRecord(b, c)
	}
	return b
}

// writeSocat renders socat -v: header, data with CR as \r and '\' as \\,
// the next header on the same line when the data does not end in LF.
func writeSocat(chunks []record.SerialChunk) []byte {
	var b bytes.Buffer
	from := map[record.Direction]int{}
	for _, c := range chunks {
		dir := "<"
		if c.Dir == record.DirHostToModule {
			dir = ">"
		}
		t := c.Time.UTC()
		fmt.Fprintf(&b, "%s %s.%09d  length=%d from=%d to=%d\n", dir, t.Format("2006/01/02 15:04:05"),
			t.Nanosecond()/1000, len(c.Data), from[c.Dir], from[c.Dir]+len(c.Data)-1)
		from[c.Dir] += len(c.Data)
		for _, x := range c.Data {
			switch x {
			case '\r':
				b.WriteString(`\r`)
			case '\\':
				b.WriteString(`\\`)
			default:
				b.WriteByte(x)
			}
		}
	}
	return b.Bytes()
}

func writeJpnevulator(chunks []record.SerialChunk) []byte {
	var b bytes.Buffer
	for _, c := range chunks {
		alias := "Modem"
		if c.Dir == record.DirHostToModule {
			alias = "Host"
		}
		t := c.Time.UTC()
		fmt.Fprintf(&b, "%s.%06d: %s\n", t.Format("2006-01-02 15:04:05"), t.Nanosecond()/1000, alias)
		for i := 0; i < len(c.Data); i += 16 {
			end := min(i+16, len(c.Data))
			var hex, ascii strings.Builder
			for _, x := range c.Data[i:end] {
				fmt.Fprintf(&hex, "%02X ", x)
				if x >= 0x20 && x < 0x7f {
					ascii.WriteByte(x)
				} else {
					ascii.WriteByte('.')
				}
			}
			fmt.Fprintf(&b, "%-47s\t%s\n", strings.TrimSpace(hex.String()), ascii.String())
		}
	}
	return b.Bytes()
}

// session builds chunks from alternating host/module strings, 100 ms apart.
func session(parts ...string) []record.SerialChunk {
	base := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	var out []record.SerialChunk
	for i, p := range parts {
		dir := record.DirModuleToHost
		if strings.HasPrefix(p, "H:") {
			dir, p = record.DirHostToModule, p[2:]
		} else {
			p = strings.TrimPrefix(p, "M:")
		}
		out = append(out, record.SerialChunk{Time: base.Add(time.Duration(i) * 100 * time.Millisecond), Dir: dir, Data: []byte(p)})
	}
	return out
}

// grepN is the 1-based number of the first line holding s, as grep -n.
func grepN(t testing.TB, text []byte, s string) int {
	for i, l := range bytes.Split(text, []byte{'\n'}) {
		if bytes.Contains(l, []byte(s)) {
			return i + 1
		}
	}
	t.Fatalf("%q not in the log", s)
	return 0
}

func readBytes(t testing.TB, b []byte, opts Options) *Log {
	t.Helper()
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	l, err := ReadLog(bytes.NewReader(b), opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func readFile(t testing.TB, path string, opts Options) *Log {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readBytes(t, b, opts)
}

// txn finds the n-th (0-based) transaction named name.
func txn(t testing.TB, l *Log, name string, n int) *Transaction {
	t.Helper()
	for i := range l.Transactions {
		if l.Transactions[i].Name == name {
			if n == 0 {
				return &l.Transactions[i]
			}
			n--
		}
	}
	t.Fatalf("no transaction %s #%d in %s", name, n, dump(l))
	return nil
}

func events(l *Log, name string) []Event {
	var out []Event
	for _, e := range l.Events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func dump(l *Log) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format=%s dialect=%s\n", l.Format, l.Dialect)
	for _, t := range l.Transactions {
		fmt.Fprintf(&b, "  %d %q final=%q@%d result=%q@%d meaning=%q args=%v warnings=%v\n", t.Line, t.Command, t.Final, t.FinalLine, t.Result, t.ResultLine, t.Meaning, t.Args, t.Warnings)
	}
	for _, e := range l.Events {
		fmt.Fprintf(&b, "  event %d %q %q\n", e.Line, e.Text, e.Meaning)
	}
	for _, p := range l.Problems {
		fmt.Fprintf(&b, "  problem %s\n", p)
	}
	return b.String()
}

// writeInterceptty renders interceptty's one-byte-per-line dump.
func writeInterceptty(chunks []record.SerialChunk) []byte {
	var b bytes.Buffer
	for _, c := range chunks {
		for _, x := range c.Data {
			if c.Dir == record.DirHostToModule {
				fmt.Fprintf(&b, " < 0x%02x", x)
			} else {
				fmt.Fprintf(&b, " >\t0x%02x", x)
			}
			if x > 0x20 && x < 0x7f {
				fmt.Fprintf(&b, " (%c)", x)
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// writeSlsnif renders slsnif -t: a ctime line with hundredths, then the
// block with glyphs and decimal values.
func writeSlsnif(chunks []record.SerialChunk) []byte {
	var b bytes.Buffer
	for _, c := range chunks {
		t := c.Time.UTC()
		fmt.Fprintf(&b, "\n\n%s.%02d %d\n", t.Format("Mon Jan _2 15:04:05"), t.Nanosecond()/1e7, t.Year())
		if c.Dir == record.DirHostToModule {
			b.WriteString("Host   --> ")
		} else {
			b.WriteString("Device --> ")
		}
		for _, x := range c.Data {
			switch {
			case x == '\r':
				b.WriteString("<CR>")
			case x == '\n':
				b.WriteString("<LF>")
			case x < 0x20 || x >= 0x7f:
				b.WriteString("<XX>")
			default:
				b.WriteByte(x)
			}
			fmt.Fprintf(&b, " (%03d) ", x)
		}
	}
	return b.Bytes()
}
