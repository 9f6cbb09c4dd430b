package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/atmq/atmq/decode/at"
)

// atJSONStream writes the `atmq at --json` document while the log is
// read: transactions as they are given out, events to a spool (memory,
// then a temporary file past spoolInMemory) copied after them, and the
// log's format, dialect and problems, known only at the end, last.
// The document's keys are the same as a whole-log encoding's; only their
// order differs.
type atJSONStream struct {
	w       *bufio.Writer
	spool   bytes.Buffer
	file    *os.File // spool past spoolInMemory
	nTxn    int
	nEvent  int
	err     error
	scratch bytes.Buffer
	buf     []byte
}

const spoolInMemory = 4 << 20

func newAtJSONStream(w io.Writer) *atJSONStream {
	s := &atJSONStream{w: bufio.NewWriterSize(w, 64<<10)}
	s.w.WriteString("{\n  \"transactions\": [")
	return s
}

// item writes one transaction or spools one event.
func (s *atJSONStream) item(it at.Item) {
	if s.err != nil {
		return
	}
	if t := it.Txn; t != nil {
		if s.nTxn > 0 {
			s.w.WriteByte(',')
		}
		s.nTxn++
		s.w.WriteString("\n    ")
		j := atTxnJSON(t)
		s.buf = appendTxnJSON(s.buf[:0], &j)
		_, s.err = s.w.Write(s.buf)
		return
	}
	var out io.Writer = &s.spool
	if s.file != nil {
		out = s.file
	}
	if s.nEvent > 0 {
		io.WriteString(out, ",")
	}
	s.nEvent++
	io.WriteString(out, "\n    ")
	j := atEventJSON(it.Event)
	s.buf = appendEventJSON(s.buf[:0], &j)
	_, s.err = out.Write(s.buf)
	if s.err == nil && s.file == nil && s.spool.Len() > spoolInMemory {
		s.file, s.err = os.CreateTemp("", "atmq-events-*.json")
		if s.err == nil {
			os.Remove(s.file.Name()) // gone when closed, whatever happens
			_, s.err = s.spool.WriteTo(s.file)
			s.spool = bytes.Buffer{}
		}
	}
}

// finish writes the events and the rest of the document.
func (s *atJSONStream) finish(log *at.Log) error {
	if s.err == nil {
		s.w.WriteString(closeArray(s.nTxn) + ",\n  \"events\": [")
		if s.file != nil {
			if _, err := s.file.Seek(0, io.SeekStart); err != nil {
				s.err = err
			} else {
				_, s.err = io.Copy(s.w, s.file)
			}
		} else {
			_, s.err = s.spool.WriteTo(s.w)
		}
		s.w.WriteString(closeArray(s.nEvent) + ",\n")
	}
	if s.file != nil {
		s.file.Close()
	}
	if s.err != nil {
		return errors.New("writing JSON: " + s.err.Error())
	}
	tail := struct {
		Format     string            `json:"format"`
		Dialect    string            `json:"dialect"`
		TimeSource string            `json:"time_source"`
		Config     map[string]atConf `json:"config,omitempty"`
		Problems   []string          `json:"problems"`
	}{log.Format, log.Dialect, log.TimeSource, nil, log.Problems}
	if tail.Problems == nil {
		tail.Problems = []string{}
	}
	if len(log.Config) > 0 {
		tail.Config = map[string]atConf{}
		for k, v := range log.Config {
			tail.Config[fmt.Sprint(k)] = confJSON(v)
		}
	}
	s.scratch.Reset()
	enc := json.NewEncoder(&s.scratch)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tail); err != nil {
		return errors.New("writing JSON: " + err.Error())
	}
	// The tail's own braces go: its keys continue the document.
	b := bytes.TrimSpace(s.scratch.Bytes())
	s.w.Write(b[2:])
	s.w.WriteByte('\n')
	if err := s.w.Flush(); err != nil {
		return errors.New("writing JSON: " + err.Error())
	}
	return nil
}

func closeArray(n int) string {
	if n == 0 {
		return "]"
	}
	return "\n  ]"
}

// timeOnly is the time source jsonTime and formatTime are given while
// streaming: a stamp without a date (year ≤ 1) only occurs when the log
// had no date at all, which is what the source "none" says at the end.
const timeOnly = "none"

func atTxnJSON(t *at.Transaction) atJSONTxn {
	src := timeOnly
	j := atJSONTxn{Line: t.Line, Time: jsonTime(t.Time, src), Command: t.Command, Dialect: t.Dialect, Name: t.Name,
		Op: string(t.Op), Args: t.Args, Responses: t.Responses, Final: t.Final, FinalLine: t.FinalLine,
		FinalTime: jsonTime(t.FinalTime, src), Result: t.Result, ResultLine: t.ResultLine,
		ResultTime: jsonTime(t.ResultTime, src), ResultArgs: t.ResultArgs, Meaning: t.Meaning, Outcome: string(t.Outcome), Warnings: []atJSONWarning{}}
	if j.Args == nil {
		j.Args = map[string]string{}
	}
	if t.Payload != nil {
		p := string(t.Payload)
		j.Payload = &p
	}
	for _, x := range t.Warnings {
		j.Warnings = append(j.Warnings, atJSONWarning(x))
	}
	if t.Config != nil {
		c := confJSON(*t.Config)
		j.Config = &c
	}
	return j
}

func atEventJSON(e *at.Event) atJSONEvent {
	args := e.Args
	if args == nil {
		args = map[string]string{}
	}
	return atJSONEvent{Line: e.Line, Time: jsonTime(e.Time, timeOnly), Text: e.Text,
		Dialect: e.Dialect, Name: e.Name, Op: string(e.Op), Args: args, Meaning: e.Meaning}
}
