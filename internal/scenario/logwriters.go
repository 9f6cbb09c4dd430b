package scenario

import (
	"bytes"
	"io"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// The serial-log writers below render recorded chunks the way the terminal
// tools users have would have saved them, so the samples exercise atmq's
// readers on realistic input.

// WriteSSCOM renders chunks as SSCOM (友善串口调试助手) saves them in UTF-8:
// "[HH:MM:SS.mmm]发→◇<sent text>" followed by a "□" line for the CR/LF SSCOM
// appended, and "[HH:MM:SS.mmm]收←◆<received text>" with the module's CR/LF
// pairs as line breaks. Times are rendered in loc (SSCOM writes local time).
func WriteSSCOM(w io.Writer, chunks []record.SerialChunk, loc *time.Location) error {
	var b bytes.Buffer
	for _, c := range chunks {
		ts := c.Time.In(loc).Format("[15:04:05.000]")
		switch c.Dir {
		case record.DirHostToModule:
			text := bytes.TrimRight(c.Data, "\r\n")
			b.WriteString(ts + "发→◇")
			b.Write(text)
			b.WriteString("\n□\n")
		default:
			b.WriteString(ts + "收←◆")
			b.Write(bytes.ReplaceAll(bytes.ReplaceAll(c.Data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n")))
			if !bytes.HasSuffix(c.Data, []byte("\n")) {
				b.WriteByte('\n')
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteRaw renders what picocom/minicom/screen log: only the bytes the
// module sent, verbatim, without timestamps (commands appear as echoes).
func WriteRaw(w io.Writer, chunks []record.SerialChunk) error {
	for _, c := range chunks {
		if c.Dir == record.DirHostToModule {
			continue
		}
		if _, err := w.Write(c.Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteAtmq renders chunks in atmq's own serial recording format.
func WriteAtmq(w io.Writer, chunks []record.SerialChunk) error {
	b := []byte(record.SerialRecordingHeader + "\n")
	for _, c := range chunks {
		b = record.AppendSerialRecord(b, c)
	}
	_, err := w.Write(b)
	return err
}
