package cli

import (
	"slices"
	"strconv"
)

// A hand-written encoder for the transactions and events of `atmq at
// --json`: the same bytes encoding/json writes with SetIndent("    ", "  ")
// and SetEscapeHTML(false) (TestAtJSONEncoderMatches compares them), about
// ten times faster (strings are quoted by appendJSONString, shared with
// packets), which is what makes a million-line log print in about
// a second.

type jsonOut struct {
	b     []byte
	depth int // indent level below the array item
	first bool
}

func (o *jsonOut) newline() {
	o.b = append(o.b, '\n', ' ', ' ', ' ', ' ')
	for i := 0; i < o.depth; i++ {
		o.b = append(o.b, ' ', ' ')
	}
}

func (o *jsonOut) open(c byte) {
	o.b = append(o.b, c)
	o.depth++
	o.first = true
}

func (o *jsonOut) close(c byte) {
	o.depth--
	if !o.first {
		o.newline()
	}
	o.b = append(o.b, c)
	o.first = false
}

func (o *jsonOut) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.newline()
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':', ' ')
}

func (o *jsonOut) str(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

func (o *jsonOut) num(k string, n int) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(n), 10)
}

func (o *jsonOut) strPtr(k string, v *string, omitNil bool) {
	if v == nil {
		if !omitNil {
			o.key(k)
			o.b = append(o.b, "null"...)
		}
		return
	}
	o.str(k, *v)
}

func (o *jsonOut) strMap(k string, m map[string]string) {
	o.key(k)
	if len(m) == 0 {
		o.b = append(o.b, '{', '}')
		return
	}
	keys := make([]string, 0, len(m))
	for x := range m {
		keys = append(keys, x)
	}
	slices.Sort(keys)
	o.open('{')
	for _, x := range keys {
		o.str(x, m[x])
	}
	o.close('}')
}

func appendTxnJSON(b []byte, j *atJSONTxn) []byte {
	o := jsonOut{b: b}
	o.open('{')
	o.num("line", j.Line)
	o.strPtr("time", j.Time, false)
	o.str("command", j.Command)
	o.str("dialect", j.Dialect)
	o.str("name", j.Name)
	o.str("op", j.Op)
	o.strMap("args", j.Args)
	o.strPtr("payload", j.Payload, true)
	if len(j.Responses) > 0 {
		o.key("responses")
		o.open('[')
		for _, r := range j.Responses {
			if !o.first {
				o.b = append(o.b, ',')
			}
			o.first = false
			o.newline()
			o.b = appendJSONString(o.b, r)
		}
		o.close(']')
	}
	o.str("final", j.Final)
	o.num("final_line", j.FinalLine)
	o.strPtr("final_time", j.FinalTime, true)
	o.str("result", j.Result)
	o.num("result_line", j.ResultLine)
	o.strPtr("result_time", j.ResultTime, true)
	if len(j.ResultArgs) > 0 {
		o.strMap("result_args", j.ResultArgs)
	}
	o.str("meaning", j.Meaning)
	o.str("outcome", j.Outcome)
	o.key("warnings")
	if len(j.Warnings) == 0 {
		o.b = append(o.b, '[', ']')
	} else {
		o.open('[')
		for _, w := range j.Warnings {
			if !o.first {
				o.b = append(o.b, ',')
			}
			o.first = false
			o.newline()
			o.open('{')
			o.str("code", w.Code)
			o.str("message", w.Message)
			o.str("fix", w.Fix)
			o.close('}')
		}
		o.close(']')
	}
	if c := j.Config; c != nil {
		o.key("config")
		o.open('{')
		optInt := func(k string, v *int) {
			if v != nil {
				o.num(k, *v)
			}
		}
		optBool := func(k string, v *bool) {
			if v != nil {
				o.key(k)
				o.b = strconv.AppendBool(o.b, *v)
			}
		}
		optInt("version", c.Version)
		optInt("keepalive", c.KeepAlive)
		optBool("clean_session", c.CleanSession)
		o.strPtr("will_topic", c.WillTopic, true)
		o.strPtr("will_payload", c.WillPayload, true)
		optInt("will_qos", c.WillQoS)
		optBool("will_retain", c.WillRetain)
		o.close('}')
	}
	o.close('}')
	return o.b
}

func appendEventJSON(b []byte, j *atJSONEvent) []byte {
	o := jsonOut{b: b}
	o.open('{')
	o.num("line", j.Line)
	o.strPtr("time", j.Time, false)
	o.str("text", j.Text)
	o.str("dialect", j.Dialect)
	o.str("name", j.Name)
	o.str("op", j.Op)
	o.strMap("args", j.Args)
	o.str("meaning", j.Meaning)
	o.close('}')
	return o.b
}
