package at

import (
	"strings"

	"github.com/atmq/atmq/decode/record"
)

// Logs of host libraries that print each AT exchange as a Python-style
// dict, the module's lines in a quoted list (atlogs/10:
// "INFO: Result: {'status': 1, 'response': ['+QMTCONN: 0,0,2',
// '+QMTSTAT: 0,4'], 'interval': 0}"). Each list item is a module line; a
// quoted value under a 'command'/'cmd' key, or one starting with AT, is
// what the host sent.

func init() {
	registerFormat(&format{name: "hostlib", title: "host library log with quoted response lists",
		newReader: func(c *clock) formatReader { return &hostlibReader{} }})
}

type hostlibReader struct{}

// quotedItems returns the quoted strings of s with the key before each
// (the text between the previous '{' or ',' and ':').
func quotedItems(s string) (keys, vals []string, inList []bool) {
	depth := 0
	lastKey := ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case '\'', '"':
			j := i + 1
			var b strings.Builder
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			v := b.String()
			rest := strings.TrimLeft(s[min(j+1, len(s)):], " ")
			if depth == 0 && strings.HasPrefix(rest, ":") {
				lastKey = v
			} else {
				keys, vals, inList = append(keys, lastKey), append(vals, v), append(inList, depth > 0)
			}
			i = j
		}
	}
	return
}

func (r *hostlibReader) feed(p piece, emit func(record.SerialChunk)) error {
	if !p.first {
		return nil
	}
	keys, vals, inList := quotedItems(string(p.text))
	for i, v := range vals {
		k := strings.ToLower(keys[i])
		switch {
		case k == "command" || k == "cmd" || (!inList[i] && isCommand(v)):
			emit(record.SerialChunk{Dir: record.DirHostToModule, Line: p.n, Data: []byte(v + "\r")})
		case inList[i]:
			emit(record.SerialChunk{Dir: record.DirModuleToHost, Line: p.n, Data: []byte("\r\n" + v + "\r\n")})
		}
	}
	return nil
}

func (r *hostlibReader) flush(func(record.SerialChunk)) {}
