package at

import (
	"strings"
	"time"
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

// maxWrapped bounds the lines searched for a wrapper: longer ones are
// payloads or noise, and searching them at every position would cost
// time quadratic in the line.
const maxWrapped = 4096

// maxShapes bounds the prefix shapes remembered.
const maxShapes = 8

type unwrapper struct {
	// shapes are prefixes seen before a command or URC, with digits
	// replaced by '9' (so timestamps and counters match), with how often.
	shapes []prefixShape
	// quotes counts lines seen as a Markdown quote ("> ") before code:
	// after one, the whole paste is taken as quoted.
	quotes int
	// cmdMark is the mark of the first wrapped command: the host's side.
	cmdMark string
	// echoRest is the rest of an echo a terminal cut in two lines.
	echoRest string
	// fences counts Markdown code fences; cmdFences is the count when
	// the last command began (an echo never crosses a fence: the next
	// block of a post starts over).
	fences, cmdFences int
}

type prefixShape struct {
	shape string
	seen  int
}

// clean gives the line's code without wrapper and annotation, and the
// mark the wrapper ends in (">>", "<-", "[RX]", "=>"; "" when none).
// host says the line is known to be the host's (its bytes are split by
// the engine itself).
func (u *unwrapper) clean(s string, host bool) (string, string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") {
		u.fences++
		return "", "" // a Markdown code fence
	}
	if strings.HasPrefix(s, "# ") || strings.HasPrefix(s, "//") {
		return "", "" // a comment line
	}
	if code := stripNotes(s); isCode(code) {
		return code, ""
	}
	if i := u.codeAfterPrefix(s); i > 0 {
		u.learn(s[:i])
		return stripNotes(s[i:]), lastMark(s[:i])
	}
	if rest, ok := u.knownPrefix(s); ok {
		return stripNotes(rest), ""
	}
	if i := gluedCommand(s); i > 0 && !host {
		return stripNotes(s[i:]), ""
	}
	return stripNotes(s), ""
}

// lastMark is the last word of a prefix: the direction mark wrappers put
// before the code.
func lastMark(prefix string) string {
	f := strings.Fields(prefix)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// echoed says a command line is the module's echo of the one before: it
// carries another mark than the line that carried the command ("=> AT",
// "<= AT"; "[TX] AT+X", "[RX] AT+X"). Which mark is the host's is learned
// from the first command, as libraries draw their arrows either way.
func (u *unwrapper) echoed(mark string) bool {
	if mark == "" {
		return false
	}
	if u.cmdMark == "" {
		u.cmdMark = mark
	}
	return mark != u.cmdMark
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
	if len(s) > maxWrapped {
		return 0
	}
	if _, ok := socketFinal(strings.TrimSpace(s)); ok {
		return 0 // "0, SEND OK" is one final, not "OK" after a SEND mark
	}
	for i := 1; i < len(s) && i <= maxPrefix; i++ {
		c := s[i]
		if c == '"' || s[i-1] == '"' {
			return 0
		}
		if !strings.ContainsRune("AaOESNBC+", rune(c)) {
			continue // no command, result code or URC starts so
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
	if r == '.' && strings.Trim(p, "0123456789") == "." {
		return true // a Markdown list number: "1. AT+CRESET"
	}
	if strings.HasSuffix(p, "<-") || strings.HasSuffix(p, "<=") {
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
	s = strings.TrimRight(cutAnnotation(s), " \t")
	if t := strings.TrimRight(s, "*_`"); t != s && isCode(t) {
		s = t // emphasis closed without being opened ("ERROR**", atlogs/32)
	}
	return gluedURCText(s)
}

// gluedCommand finds an extended command run into a host library's own
// print ("[17] Signal Quality:27AT+CGREG?", "Connecting to
// broker.emqx.ioAT+CCERTDOWN=…", atlogs/38): upper-case "AT+NAME" then
// "=", "?" or the end of the line.
func gluedCommand(s string) int {
	if len(s) > maxWrapped {
		return 0
	}
	for i := 1; i+3 < len(s); i++ {
		if s[i] == '"' {
			return 0
		}
		if s[i] != 'A' || s[i+1] != 'T' || s[i+2] != '+' {
			continue
		}
		if isCode(s[:i]) || strings.HasPrefix(s, "SEND ") || strings.HasPrefix(s, "CLOSE ") {
			return 0 // a result code glued to the command: the engine splits those
		}
		j := i + 3
		for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] == '_') {
			j++
		}
		if j > i+3 && (j == len(s) || s[j] == '=' || s[j] == '?') {
			return i
		}
	}
	return 0
}

// cutAnnotation cuts a note off the end of a line, outside double quotes:
// "//", "#", "<--", "<-", "←", "--", a library's "...sent"/"...matched"
// after white space ("#" and "--" only as words of their own, so AT#…
// commands and negative numbers stay).
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
			strings.HasPrefix(rest, "--") && (len(rest) == 2 || rest[2] == ' ' || rest[2] == '>'),
			strings.HasPrefix(rest, "...") && len(rest) > 3 && isLetter(rest[3]):
			return s[:i]
		}
		i += n
	}
	return s
}

// unwrapped handles what wrapping does to the stream itself: a library
// that sends a command in pieces ("SEND:AT", "SEND:+CIPSTART=…", atlogs/17)
// and a final run into the next command without a line end ("SEND OKAT+QIRD=0,0",
// atlogs/15). It reports whether it took the line.
func (e *engine) unwrapped(text string, l Line) bool {
	if l.Dir == record.DirHostToModule {
		return false
	}
	if p := e.pending; p != nil && strings.EqualFold(p.t.Command, "AT") && p.t.Final == "" && len(p.t.Responses) == 0 &&
		len(text) > 1 && text[0] == '+' && !isCode(text) && isCommand("AT"+text) {
		// "AT" then "+NAME=…": one command the library sent in two writes.
		// The joined command replaces the "AT" in place: the transaction
		// may already be queued for a streaming reader.
		old := p.t
		e.pending = nil
		at := l
		at.Line, at.Time = old.Line, old.Time
		e.command("AT"+text, at)
		joined := e.pending.t
		if n := len(e.txns); n > 0 && e.txns[n-1] == joined {
			e.txns = e.txns[:n-1]
		}
		*old = *joined
		e.pending.t = old
		return true
	}
	for _, f := range []string{"SEND OK", "SEND FAIL", "NO CARRIER", "CLOSE OK"} {
		if len(text) > len(f)+2 && strings.HasPrefix(text, f) && isCommand(text[len(f):]) {
			e.moduleLine(f, l)
			e.moduleLine(text[len(f):], l)
			return true
		}
	}
	return false
}

// gluedURCText cuts words run into a numeric URC's last value
// ("+CMQTTCONNECT: 0,0successfully." as a console printed it, atlogs/13).
func gluedURCText(s string) string {
	name, args, ok := parseURC(s)
	if !ok || name == "" || args == "" || strings.ContainsRune(args, '"') {
		return s
	}
	i := 0
	for i < len(args) && (args[i] >= '0' && args[i] <= '9' || args[i] == ',' || args[i] == '-' || args[i] == ' ') {
		i++
	}
	if i == 0 || i == len(args) || args[i-1] < '0' || args[i-1] > '9' || !isLetter(args[i]) || isCommand(args[i:]) {
		return s // a command glued to the URC is split by the engine
	}
	return strings.TrimSuffix(s, args[i:])
}

// maxEchoLag bounds how many lines after a host's print of a command its
// echo may come, behind boot noise or unsolicited lines (atlogs/38).
const maxEchoLag = 6

// answered says the module has already answered the command (a response
// carrying its name), so a repeat of it is a new command.
func answered(p *txnState) bool {
	for _, r := range p.t.Responses {
		if p.t.Name != "" && strings.HasPrefix(strings.ToUpper(r), "+"+p.t.Name) {
			return true
		}
	}
	return false
}

// wrappedCommandSide says which side a command line is on: the module's
// echo when its wrapper's mark is not the host's, or when it repeats the
// command still waiting for its answer ("esp> AT+RST ...sent" then
// "esp> AT+RST ...ignored", atlogs/19); else the host's (wrapped) or
// unknown (a plain line).
func (e *engine) wrappedCommandSide(text, mark string, line int, at time.Time) (dir record.Direction, echo bool) {
	p := e.pending
	repeats := p != nil && p.t.Final == "" && len(p.t.Responses) == 0 && sameCommand(text, p.t.Command)
	if mark == "" {
		// Unwrapped: a command repeated on the very next line, at about
		// the same time, is the echo after the host's own print of it
		// (atlogs/23, 38); a terminal may cut the echo in two.
		if p == nil || p.t.Final != "" || p.t.Result != "" || line <= p.t.Line || line > p.t.Line+maxEchoLag || answered(p) ||
			e.wrap.fences != e.wrap.cmdFences ||
			(!p.t.Time.IsZero() && !at.IsZero() && (at.Sub(p.t.Time) > 2*time.Second || p.t.Time.Sub(at) > 2*time.Second)) {
			return record.DirUnknown, false
		}
		if sameCommand(text, p.t.Command) {
			return record.DirUnknown, true
		}
		if len(text) >= 4 && len(text) < len(p.t.Command) && strings.HasPrefix(p.t.Command, text) {
			e.wrap.echoRest = p.t.Command[len(text):]
			return record.DirUnknown, true
		}
		return record.DirUnknown, false
	}
	if e.wrap.echoed(mark) {
		return record.DirModuleToHost, repeats
	}
	if repeats {
		return record.DirModuleToHost, true
	}
	return record.DirHostToModule, false
}
