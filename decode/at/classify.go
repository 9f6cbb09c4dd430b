package at

import (
	"strings"
	"unicode/utf8"
)

// Command forms (V.250): AT+X=… set/execute, AT+X? read, AT+X=? test,
// AT+X action.
const (
	formAction = iota
	formSet
	formRead
	formTest
)

// isCommand says a line is an AT command (as sent, or as echoed).
func isCommand(s string) bool {
	if len(s) < 2 || (s[0] != 'A' && s[0] != 'a') || (s[1] != 'T' && s[1] != 't') {
		return false
	}
	if len(s) == 2 {
		return true
	}
	c := s[2]
	// Words such as "ATTACH" are module text, not basic commands (V.250
	// basic commands are one letter, mostly with a number: ATE0, ATI, ATZ).
	if isLetter(c) {
		n := 2
		for n < len(s) && isLetter(s[n]) {
			n++
		}
		if n-2 >= 3 && (n == len(s) || s[n] == ' ') {
			return false
		}
	}
	// AT+X, AT&F, ATE0, AT^X, AT$X, AT#X, AT%X, AT*X, ATI, AT\Q
	return c == '+' || c == '&' || c == '^' || c == '$' || c == '#' || c == '%' || c == '*' || c == '\\' ||
		(c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ' || (c >= '0' && c <= '9')
}

// parseCommand splits an AT command into its name (upper case, without
// "AT+"), form and argument text.
func parseCommand(s string) (name string, form int, args string) {
	body := s[2:]
	body = strings.TrimLeft(body, " ")
	if body == "" {
		return "", formAction, ""
	}
	if body[0] == '+' || body[0] == '^' || body[0] == '$' || body[0] == '#' || body[0] == '%' || body[0] == '*' {
		body = body[1:]
	}
	i := 0
	for i < len(body) && (isAlnum(body[i]) || body[i] == '_' || body[i] == '&' || body[i] == '/') {
		i++
	}
	name = strings.ToUpper(body[:i])
	rest := body[i:]
	switch {
	case strings.HasPrefix(rest, "=?"):
		return name, formTest, ""
	case strings.HasPrefix(rest, "="):
		return name, formSet, rest[1:]
	case strings.HasPrefix(rest, "?"):
		return name, formRead, ""
	}
	// Typographic "＝" or a missing "=" are left to the checks; the rest
	// is taken as arguments so nothing is lost.
	if r, n := utf8.DecodeRuneInString(rest); r == '＝' {
		return name, formSet, rest[n:]
	}
	return name, formAction, strings.TrimSpace(rest)
}

func isAlnum(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

// parseFinal recognises a final result code (V.250 §5.7.1, 3GPP TS 27.007
// §9.2, ESP-AT's MQTT finals).
func parseFinal(s string) (string, bool) {
	switch s {
	case "OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "SEND OK", "SEND FAIL",
		"ALREADY SUBSCRIBE", "NO UNSUBSCRIBE":
		return s, true
	}
	if strings.HasPrefix(s, "+CME ERROR:") || strings.HasPrefix(s, "+CMS ERROR:") {
		return s, true
	}
	return "", false
}

// isErrorFinal says a final result refuses the command.
func isErrorFinal(f string) bool {
	return f != "" && f != "OK" && f != "SEND OK" && f != "ALREADY SUBSCRIBE" && !socketOKFinal(f)
}

// Refused is the one answer to "did the module refuse this command?": a
// final result other than OK, SEND OK or ALREADY SUBSCRIBE (ERROR,
// +CME ERROR: n, +CMS ERROR: n, SEND FAIL, NO CARRIER, BUSY, …). An empty
// final (none seen yet) is not a refusal. Surrounding spaces are ignored.
func Refused(final string) bool { return isErrorFinal(strings.TrimSpace(final)) }

// IsFinal reports whether a module line is a final result code (V.250
// §5.7.1, 3GPP TS 27.007 §9.2, ESP-AT's MQTT finals): the line that ends
// a command.
func IsFinal(line string) bool {
	_, ok := parseFinal(strings.TrimSpace(line))
	if !ok {
		_, ok = socketFinal(strings.TrimSpace(line)) // "0, SEND OK", "CLOSE OK"
	}
	return ok
}

// parseURC splits "+NAME: args" (also "+NAME:args" and a bare "+NAME").
func parseURC(s string) (name, args string, ok bool) {
	if len(s) < 2 || s[0] != '+' {
		return "", "", false
	}
	i := 1
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	if i == 1 {
		return "", "", false
	}
	name = strings.ToUpper(s[1:i])
	rest := s[i:]
	if rest == "" {
		return name, "", true
	}
	if rest[0] != ':' {
		return "", "", false
	}
	return name, strings.TrimSpace(rest[1:]), true
}

// stripAnnotation cuts a reader's annotation off a logged line: text after
// "←" or after "//" preceded by two spaces or a tab, outside quotes (real
// logs pasted into reports carry them: atlogs/08, atlogs/11).
func stripAnnotation(s string) string {
	inQuote := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '←' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimRight(s[:i], " \t")
		case r == '/' && strings.HasPrefix(s[i:], "//") && i >= 2 &&
			(s[i-1] == '\t' || (s[i-1] == ' ' && s[i-2] == ' ')):
			return strings.TrimRight(s[:i], " \t")
		}
		i += n
	}
	return s
}

// splitGlued separates a final result or URC glued to the echo of the next
// command, as minicom captures them when it drops the CR/LF
// ("OKAT+QMTOPEN=…", "+QMTOPEN: 0,0AT+QMTCONN=…"; seriallogs/07).
func splitGlued(s string) (string, string, bool) {
	if isCommand(s) || len(s) < 4 {
		return s, "", false
	}
	if !strings.HasPrefix(s, "OK") && !strings.HasPrefix(s, "ERROR") && s[0] != '+' {
		return s, "", false
	}
	inQuote := false
	for i := 1; i+2 < len(s); i++ {
		c := s[i]
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote || c != 'A' || s[i+1] != 'T' {
			continue
		}
		nx := s[i+2]
		if nx != '+' && nx != '&' {
			continue
		}
		head := s[:i]
		if _, ok := parseFinal(head); ok {
			return head, s[i:], true
		}
		if name, _, ok := parseURC(head); ok && name != "" {
			return head, s[i:], true
		}
		if strings.HasSuffix(head, ":") {
			return head, s[i:], true
		}
	}
	return s, "", false
}

func isLetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }
