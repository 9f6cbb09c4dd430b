package at

import (
	"strings"
	"unicode/utf8"
)

// Field is one comma-separated argument of an AT command or URC.
type Field struct {
	Value  string // the value: quotes removed, escapes resolved
	Raw    string // the text as written, spaces trimmed
	Quoted bool   // written between quotes (ASCII or typographic)
	// Typographic says the field was quoted with “ ” ‘ ’ or ” instead of
	// ASCII '"': modules do not take those as quotes.
	Typographic bool
	// Unterminated says the field opened a quote that never closed.
	Unterminated bool
	// FullWidthComma says the field was ended by a full-width comma "，"
	// (U+FF0C), which modules do not take as a separator.
	FullWidthComma bool
	// UnescapedComma says an ESP-AT string contained a bare ',' (ESP-AT
	// wants "\,"); only set when escapes are enabled.
	UnescapedComma bool
}

// ArgSyntax says how a dialect writes strings.
type ArgSyntax struct {
	// Escapes enables ESP-AT's backslash escapes inside strings: \, \" \\
	// ("ESPAT-IDX": "escape character syntax").
	Escapes bool
}

// typographic quote runes seen in commands pasted from documents and web
// pages (the NT35E article prints AT+ECMTSUB=0,1,”test”,2).
func isTypographicQuote(r rune) bool {
	switch r {
	case '“', '”', '‘', '’', '„', '«', '»', '＂':
		return true
	}
	return false
}

const fullWidthComma = '，'

// ParseArgs splits the argument text of a command or URC (what follows
// "=" or ": ") into fields. It is lenient on purpose, so a mistyped command
// still shows what was meant: typographic quotes and full-width commas are
// taken as quotes and separators and flagged on the field, a quote that
// never closes runs to the end. A closing '"' is one followed (after
// spaces) by ',' or the end, so payloads with bare inner quotes (Quectel
// +QMTRECV does not escape them, LOOUQ mqtt_testing.txt) stay one field.
// maxFields bounds the work on hostile input; 0 means 64.
func ParseArgs(s string, syn ArgSyntax, maxFields int) []Field {
	if maxFields <= 0 {
		maxFields = 64
	}
	n := strings.Count(s, ",") + 1
	if n > maxFields {
		n = maxFields
	}
	out := make([]Field, 0, n)
	i := 0
	for {
		if len(out) == maxFields-1 {
			// Last allowed field takes the rest verbatim.
			f := Field{Raw: strings.TrimSpace(s[i:])}
			f.Value = f.Raw
			out = append(out, f)
			return out
		}
		f, next := parseField(s, i, syn)
		out = append(out, f)
		if next < 0 {
			return out
		}
		i = next
	}
}

// parseField parses one field starting at byte i; next is the start of the
// following field, or -1 at the end of input.
func parseField(s string, i int, syn ArgSyntax) (Field, int) {
	var f Field
	// skip leading spaces
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	start := i
	r, size := utf8.DecodeRuneInString(s[i:])
	if i < len(s) && (r == '"' || isTypographicQuote(r)) {
		f.Quoted = true
		f.Typographic = r != '"'
		j := i + size
		var val strings.Builder
		escaped := false // val is in use: an escape was resolved
		vstart := j
		closed := false
		for j < len(s) {
			c, n := utf8.DecodeRuneInString(s[j:])
			if syn.Escapes && c == '\\' && j+1 < len(s) {
				// ESP-AT: \, \" \\ stand for the character.
				nx := s[j+1]
				if nx == ',' || nx == '"' || nx == '\\' {
					if !escaped {
						escaped = true
						val.WriteString(s[vstart:j])
					}
					val.WriteByte(nx)
					j += 2
					continue
				}
			}
			if c == '"' || isTypographicQuote(c) {
				k := j + n
				for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
					k++
				}
				if k == len(s) || s[k] == ',' || hasFullWidthComma(s, k) {
					if c != '"' {
						f.Typographic = true
					}
					closed = true
					j += n
					break
				}
			}
			if syn.Escapes && c == ',' {
				f.UnescapedComma = true
			}
			if escaped {
				val.WriteString(s[j : j+n])
			}
			j += n
		}
		if escaped {
			f.Value = val.String()
		} else {
			end := j
			if closed {
				// j is past the closing quote
				_, qn := utf8.DecodeLastRuneInString(s[:j])
				end = j - qn
			}
			f.Value = s[vstart:end]
		}
		f.Unterminated = !closed
		// skip to the separator
		k := j
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		f.Raw = strings.TrimSpace(s[start:k])
		return f, sepAfter(s, k, &f)
	}
	// unquoted: up to the next ',' or '，'
	j := i
	for j < len(s) && s[j] != ',' && !hasFullWidthComma(s, j) {
		j++
	}
	f.Raw = strings.TrimSpace(s[start:j])
	f.Value = f.Raw
	return f, sepAfter(s, j, &f)
}

func hasFullWidthComma(s string, k int) bool {
	return strings.HasPrefix(s[k:], "，")
}

// sepAfter consumes the separator at k and returns where the next field
// starts, or -1 at the end.
func sepAfter(s string, k int, f *Field) int {
	if k >= len(s) {
		return -1
	}
	if s[k] == ',' {
		return k + 1
	}
	if hasFullWidthComma(s, k) {
		f.FullWidthComma = true
		return k + len("，")
	}
	// Text after a closed quote that is no separator: keep it in the
	// field, so nothing is lost, and go on at the next separator.
	j := k
	for j < len(s) && s[j] != ',' && !hasFullWidthComma(s, j) {
		j++
	}
	f.Raw = strings.TrimSpace(f.Raw + s[k:j])
	f.Value += s[k:j]
	return sepAfter(s, j, f)
}

// quoteForDialect writes v as a quoted AT string for the dialect.
func quoteForDialect(v string, syn ArgSyntax) string {
	if syn.Escapes {
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `,`, `\,`)
		v = r.Replace(v)
	}
	return `"` + v + `"`
}
