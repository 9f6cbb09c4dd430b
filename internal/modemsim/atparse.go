package modemsim

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The simulator's own AT command-line parser (V.250 syntax as module
// firmware implements it). It is separate from decode/at on purpose: the
// simulator must behave like firmware (strict, answer ERROR), the decoder
// must be lenient with what it reads.

// cmdKind is the V.250 form of an extended command.
type cmdKind int

const (
	kindExec cmdKind = iota // AT+CMD
	kindSet                 // AT+CMD=args
	kindRead                // AT+CMD?
	kindTest                // AT+CMD=?
)

// arg is one comma-separated parameter.
type arg struct {
	Text   string // unquoted, unescaped text
	Quoted bool   // was written as "…"
}

// command is one parsed command line.
type command struct {
	Line string // as received, without the terminator
	// Name is "" for a bare AT, the upper-case extended name with its
	// prefix ("+ECMTOPEN"), or a basic command ("E", "I", "&F", "Z"…).
	Name string
	Kind cmdKind
	Args []arg
	// Basic holds a basic command's numeric value ("E1" → 1), -1 if none.
	Basic int
}

var errSyntax = errors.New("AT syntax error")

// typographic quote characters that word processors and chat apps put in
// place of '"': “ ” ‘ ’ „ (U+201C, U+201D, U+2018, U+2019, U+201E).
var typographicQuotes = []string{"\u201c", "\u201d", "\u2018", "\u2019", "\u201e"}

func hasTypographicQuote(line []byte) bool {
	for _, q := range typographicQuotes {
		if bytes.Contains(line, []byte(q)) {
			return true
		}
	}
	return false
}

// replaceTypographicQuotes turns “ ” into " (the AcceptTypographicQuotes
// fault: firmware that is lenient where real firmware is not).
func replaceTypographicQuotes(line []byte) []byte {
	s := string(line)
	for _, q := range typographicQuotes {
		s = strings.ReplaceAll(s, q, `"`)
	}
	return []byte(s)
}

// parseCommand parses one command line. backslashEscapes enables ESP-AT's
// \" \, \\ escapes inside quoted strings.
func parseCommand(line []byte, backslashEscapes bool) (command, error) {
	s := strings.TrimSpace(string(line))
	cmd := command{Line: s, Basic: -1}
	if len(s) < 2 || !strings.EqualFold(s[:2], "AT") {
		return cmd, fmt.Errorf("%w: line does not start with AT", errSyntax)
	}
	rest := s[2:]
	if rest == "" {
		return cmd, nil
	}
	switch rest[0] {
	case '+', '#', '$', '^':
		return parseExtended(cmd, rest, backslashEscapes)
	}
	return parseBasic(cmd, rest)
}

func parseExtended(cmd command, rest string, esc bool) (command, error) {
	end := strings.IndexAny(rest, "=?")
	if end < 0 {
		end = len(rest)
	}
	name := strings.TrimSpace(rest[:end])
	if len(name) < 2 {
		return cmd, fmt.Errorf("%w: empty command name", errSyntax)
	}
	for _, r := range name[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '&') {
			return cmd, fmt.Errorf("%w: %q in command name", errSyntax, r)
		}
	}
	cmd.Name = strings.ToUpper(name)
	rest = rest[end:]
	switch {
	case rest == "":
		cmd.Kind = kindExec
	case rest == "?":
		cmd.Kind = kindRead
	case rest == "=?":
		cmd.Kind = kindTest
	case rest[0] == '=':
		cmd.Kind = kindSet
		args, err := parseArgs(rest[1:], esc)
		if err != nil {
			return cmd, err
		}
		cmd.Args = args
	default:
		return cmd, fmt.Errorf("%w: %q after the command name", errSyntax, rest)
	}
	return cmd, nil
}

// parseBasic handles the one-letter commands modules take: E, I, V, Q, Z,
// &F, &W… Only one per line (modules accept ATE0V1; hosts rarely send it).
func parseBasic(cmd command, rest string) (command, error) {
	name := strings.ToUpper(rest[:1])
	rest = rest[1:]
	if name == "&" {
		if rest == "" {
			return cmd, fmt.Errorf("%w: lone &", errSyntax)
		}
		name += strings.ToUpper(rest[:1])
		rest = rest[1:]
	}
	if l := name[len(name)-1]; l < 'A' || l > 'Z' {
		return cmd, fmt.Errorf("%w: %q is not a command", errSyntax, name)
	}
	cmd.Name = name
	if rest != "" {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > 255 {
			return cmd, fmt.Errorf("%w: AT%s value %q", errSyntax, name, rest)
		}
		cmd.Basic = n
	}
	return cmd, nil
}

// parseArgs splits "0,\"a,b\",1" into parameters. A quoted string must be
// followed by a comma or the end; an unterminated one is an error (the
// module answers ERROR).
func parseArgs(s string, esc bool) ([]arg, error) {
	var args []arg
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] == '"' {
			var sb strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				c := s[j]
				if esc && c == '\\' && j+1 < len(s) {
					sb.WriteByte(s[j+1])
					j += 2
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				sb.WriteByte(c)
				j++
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated string at column %d", errSyntax, i+1)
			}
			args = append(args, arg{Text: sb.String(), Quoted: true})
			i = j + 1
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i == len(s) {
				return args, nil
			}
			if s[i] != ',' {
				return nil, fmt.Errorf("%w: %q after a quoted string", errSyntax, s[i])
			}
			i++
			continue
		}
		j := strings.IndexByte(s[i:], ',')
		if j < 0 {
			args = append(args, arg{Text: strings.TrimSpace(s[i:])})
			return args, nil
		}
		args = append(args, arg{Text: strings.TrimSpace(s[i : i+j])})
		i += j + 1
	}
}

// Argument accessors used by the dialects; each returns ok=false when the
// parameter is missing or malformed, which the dialect answers with ERROR.

func (c command) has(i int) bool {
	return i < len(c.Args) && (c.Args[i].Text != "" || c.Args[i].Quoted)
}

// str returns parameter i, which must be a quoted string.
func (c command) str(i int) (string, bool) {
	if i >= len(c.Args) || !c.Args[i].Quoted {
		return "", false
	}
	return c.Args[i].Text, true
}

// int returns parameter i as an integer within [lo, hi].
func (c command) num(i, lo, hi int) (int, bool) {
	if i >= len(c.Args) || c.Args[i].Quoted {
		return 0, false
	}
	n, err := strconv.Atoi(c.Args[i].Text)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}
