package at

import (
	"strings"
	"unicode/utf8"

	"github.com/atmq/atmq/decode/record"
)

// Logs pasted into issues and forums, and logs that host libraries print,
// wrap the UART lines: a library's debug prefix before each line
// ("06:37:04.740 > bgxx: >> AT+QMTOPEN=0,…", "… << OK"), direction marks
// ("[TX] ", ">> ", "<< ", "-> "), TinyGSM's "[12345] ### Unhandled: +…",
// Markdown ("> " quote marks, "**+CMQTTCONNECT: 0,26**", code fences) and
// the reader's notes after the code ("OK //仅代表命令发送成功",
// "+QMTCONN: 0,0,0 //代表…", "<-- here", "# comment", "← …"). The
// unwrapper finds the AT command, result code or URC inside such a line:
// after a prefix that ends in a mark (">", "<", ":", "]", ")", "|", an
// arrow, TX/RX), and once a prefix shape has been seen before a command it
// is stripped from every line that carries it (responses and payloads
// too). Annotations are cut only outside double quotes, so values that
// hold "//", "#" or "--" stay whole.

// maxPrefix bounds the wrapper searched before the code on a line.
const maxPrefix = 160

// maxShapes bounds the prefix shapes remembered.
const maxShapes = 8

type unwrapper struct {
	// shapes are prefixes seen before a command or URC, with digits
	// replaced by '9' (so timestamps and counters match), with how often.
	shapes []prefixShape
	// quotes counts lines seen as a Markdown quote ("> ") before code:
	// after one, the whole paste is taken as quoted.
	quotes int
}

type prefixShape struct {
	shape string
	seen  int
}

// clean gives the line's code without wrapper and annotation, and the
// direction the wrapper marks (DirUnknown when it marks none).
func (u *unwrapper) clean(s string) (string, record.Direction) {
	if i := u.codeAfterPrefix(strings.TrimSpace(s)); i > 0 {
		return u.cleanText(s), markedDirection(strings.TrimSpace(s)[:i])
	}
	return u.cleanText(s), record.DirUnknown
}

// markedDirection reads a wrapper's direction mark: what the host sent
// (">>", "->", "[TX]", "»", "→", send/write) or what the module did
// ("<<", "<-", "[RX]", "«", "←", recv/read).
func markedDirection(prefix string) record.Direction {
	p := strings.ToUpper(strings.TrimRight(prefix, " \t:"))
	for _, m := range []string{">>", "->", "[TX]", "TX", "»", "→", "SEND", "SENT", "WRITE"} {
		if strings.HasSuffix(p, m) {
			return record.DirHostToModule
		}
	}
	for _, m := range []string{"<<", "<-", "<--", "[RX]", "RX", "«", "←", "RECV", "READ"} {
		if strings.HasSuffix(p, m) {
			return record.DirModuleToHost
		}
	}
	return record.DirUnknown
}

func (u *unwrapper) cleanText(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") || strings.HasPrefix(s, "# ") || strings.HasPrefix(s, "//") {
		return "" // a Markdown code fence or a comment line
	}
	if isCode(stripNotes(s)) {
		return stripNotes(s)
	}
	if i := u.codeAfterPrefix(s); i > 0 {
		u.learn(s[:i])
		return stripNotes(s[i:])
	}
	if rest, ok := u.knownPrefix(s); ok {
		return stripNotes(rest)
	}
	return stripNotes(s)
}

// isCode says s is a command, a result code, a URC or the data prompt.
func isCode(s string) bool {
	if s == "" {
		return false
	}
	if isCommand(s) || s == ">" {
		return true
	}
	if _, ok := parseFinal(s); ok {
		return true
	}
	name, _, ok := parseURC(s)
	return ok && name != "" && strings.ToUpper(s[1:1+len(name)]) == s[1:1+len(name)]
}

// codeAfterPrefix finds where a command, result code or URC starts after
// a wrapper: the text before it must end in a mark and hold no quote.
func (u *unwrapper) codeAfterPrefix(s string) int {
	for i := 1; i < len(s) && i <= maxPrefix; i++ {
		c := s[i]
		if c == '"' || s[i-1] == '"' {
			return 0
		}
		if c != 'A' && c != 'a' && c != '+' && c != 'O' && c != 'E' {
			continue
		}
		prev := s[i-1]
		if prev != ' ' && prev != '\t' && prev != '>' && prev != ':' && prev != ']' && prev != ')' && prev != '|' {
			continue
		}
		if !endsInMark(s[:i]) {
			continue
		}
		rest := stripNotes(s[i:])
		if !isCode(rest) {
			continue
		}
		if _, final := parseFinal(rest); final && strings.TrimSpace(s[:i]) == ">" && u.quotes < 1 {
			// "> OK" is also the data prompt run into the final.
			continue
		}
		return i
	}
	return 0
}

// endsInMark says a prefix ends the way wrappers do: a direction arrow, a
// quote mark, a colon, a closing bracket, or a TX/RX word.
func endsInMark(prefix string) bool {
	p := strings.TrimRight(prefix, " \t")
	if p == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(p)
	switch r {
	case '>', '<', ':', ']', ')', '|', '»', '«', '→', '←', '#':
		return true
	}
	if strings.HasSuffix(p, "<-") {
		return true
	}
	up := strings.ToUpper(p)
	for _, w := range []string{"TX", "RX", "SEND", "SENT", "RECV", "READ", "WRITE"} {
		if strings.HasSuffix(up, w) && (len(up) == len(w) || !isAlnum(up[len(up)-len(w)-1])) {
			return true
		}
	}
	return false
}

// shapeOf replaces digits so that stamps and counters compare equal.
func shapeOf(prefix string) string {
	b := []byte(prefix)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '9'
		}
	}
	return string(b)
}

func (u *unwrapper) learn(prefix string) {
	sh := shapeOf(prefix)
	if strings.TrimSpace(sh) == ">" {
		// A Markdown quote mark; "> " alone is also the data prompt, so
		// it is stripped from other lines only once a quoted paste shows.
		u.quotes++
		return
	}
	for i := range u.shapes {
		if u.shapes[i].shape == sh {
			u.shapes[i].seen++
			return
		}
	}
	if len(u.shapes) < maxShapes {
		u.shapes = append(u.shapes, prefixShape{shape: sh, seen: 1})
	}
}

// knownPrefix strips a prefix shape already seen before code on earlier
// lines (the wrapper around responses and payload lines).
func (u *unwrapper) knownPrefix(s string) (string, bool) {
	if u.quotes >= 1 && strings.HasPrefix(s, "> ") {
		if rest := strings.TrimSpace(s[2:]); rest != "" {
			return rest, true
		}
	}
	for _, p := range u.shapes {
		if len(s) <= len(p.shape) || shapeOf(s[:len(p.shape)]) != p.shape {
			continue
		}
		if rest := strings.TrimSpace(s[len(p.shape):]); rest != "" {
			return rest, true
		}
	}
	return s, false
}

// stripNotes removes Markdown emphasis around the code and a reader's
// annotation after it.
func stripNotes(s string) string {
	s = strings.TrimSpace(s)
	for _, m := range []string{"**", "__", "`"} {
		if strings.HasPrefix(s, m) && len(s) > len(m) {
			rest := s[len(m):]
			if j := strings.LastIndex(rest, m); j >= 0 {
				rest = rest[:j] + rest[j+len(m):]
			}
			s = strings.TrimSpace(rest)
			break
		}
	}
	return strings.TrimRight(cutAnnotation(s), " \t")
}

// cutAnnotation cuts a note off the end of a line, outside double quotes:
// "//", "#", "<--", "<-", "←", "--" after white space ("#" and "--" only
// as words of their own, so AT#… commands and negative numbers stay).
func cutAnnotation(s string) string {
	inQuote := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '"' {
			inQuote = !inQuote
		}
		if inQuote || i == 0 || (s[i-1] != ' ' && s[i-1] != '\t') {
			i += n
			continue
		}
		rest := s[i:]
		switch {
		case r == '←',
			strings.HasPrefix(rest, "//"),
			strings.HasPrefix(rest, "<-"),
			r == '#' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '#'),
			strings.HasPrefix(rest, "--") && (len(rest) == 2 || rest[2] == ' ' || rest[2] == '>'):
			return s[:i]
		}
		i += n
	}
	return s
}
