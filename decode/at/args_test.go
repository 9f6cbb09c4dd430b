package at

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseArgs(t *testing.T) {
	type f = Field
	cases := []struct {
		in   string
		syn  ArgSyntax
		want []Field
	}{
		{`0,"test.mosquitto.org",1883`, ArgSyntax{}, []Field{{Value: "0", Raw: "0"}, {Value: "test.mosquitto.org", Raw: `"test.mosquitto.org"`, Quoted: true}, {Value: "1883", Raw: "1883"}}},
		{`0,4, "test"`, ArgSyntax{}, []Field{{Value: "0", Raw: "0"}, {Value: "4", Raw: "4"}, {Value: "test", Raw: `"test"`, Quoted: true}}},
		{`"ciphersuites", 0, 0xFFFF`, ArgSyntax{}, []Field{{Value: "ciphersuites", Raw: `"ciphersuites"`, Quoted: true}, {Value: "0", Raw: "0"}, {Value: "0xFFFF", Raw: "0xFFFF"}}},
		{`0,1,”test”,2`, ArgSyntax{}, []Field{{Value: "0", Raw: "0"}, {Value: "1", Raw: "1"}, {Value: "test", Raw: "”test”", Quoted: true, Typographic: true}, {Value: "2", Raw: "2"}}},
		{`0，1`, ArgSyntax{}, []Field{{Value: "0", Raw: "0", FullWidthComma: true}, {Value: "1", Raw: "1"}}},
		{`0,"open`, ArgSyntax{}, []Field{{Value: "0", Raw: "0"}, {Value: "open", Raw: `"open`, Quoted: true, Unterminated: true}}},
		// Bare inner quotes stay in the field (Quectel +QMTRECV).
		{`0,1,"t","{"a":1}"`, ArgSyntax{}, []Field{{Value: "0", Raw: "0"}, {Value: "1", Raw: "1"}, {Value: "t", Raw: `"t"`, Quoted: true}, {Value: `{"a":1}`, Raw: `"{"a":1}"`, Quoted: true}}},
		// ESP-AT escapes.
		{`0,"a\,b","c\"d","e\\f"`, ArgSyntax{Escapes: true}, []Field{{Value: "0", Raw: "0"}, {Value: "a,b", Raw: `"a\,b"`, Quoted: true}, {Value: `c"d`, Raw: `"c\"d"`, Quoted: true}, {Value: `e\f`, Raw: `"e\\f"`, Quoted: true}}},
		{`0,"a,b",1`, ArgSyntax{Escapes: true}, []Field{{Value: "0", Raw: "0"}, {Value: "a,b", Raw: `"a,b"`, Quoted: true, UnescapedComma: true}, {Value: "1", Raw: "1"}}},
		{``, ArgSyntax{}, []Field{{}}},
		{`0,`, ArgSyntax{}, []Field{{Value: "0", Raw: "0"}, {}}},
		// a quote that is not followed by a separator does not close
		{`"a"b,1`, ArgSyntax{}, []Field{{Value: `a"b,1`, Raw: `"a"b,1`, Quoted: true, Unterminated: true}}},
	}
	for _, c := range cases {
		got := ParseArgs(c.in, c.syn, 0)
		if len(got) != len(c.want) {
			t.Errorf("%q: %d fields %+v, want %+v", c.in, len(got), got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q field %d: %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
	// maxFields: the last field takes the rest verbatim (receive payloads).
	got := ParseArgs(`0,0,"t",a,b,"c`, ArgSyntax{}, 4)
	if len(got) != 4 || got[3].Value != `a,b,"c` {
		t.Errorf("maxFields: %+v", got)
	}
}

func TestQuoteForDialect(t *testing.T) {
	if got := quoteForDialect(`a,b"c\`, ArgSyntax{Escapes: true}); got != `"a\,b\"c\\"` {
		t.Errorf("escaped: %s", got)
	}
	if got := quoteForDialect(`a,b`, ArgSyntax{}); got != `"a,b"` {
		t.Errorf("plain: %s", got)
	}
}

func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{`0,"h",1883`, `0,1,”test”,2`, `0，1`, `0,"a\,b"`, `"x`, `a"b",`, `0,0,"t",{"a":1}`, "\xff\"\x00,"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, esc bool) {
		syn := ArgSyntax{Escapes: esc}
		got := ParseArgs(s, syn, 0)
		if len(got) == 0 || len(got) > 64 {
			t.Fatalf("%q: %d fields", s, len(got))
		}
		commas := strings.Count(s, ",") + strings.Count(s, "，")
		if len(got) > commas+1 {
			t.Fatalf("%q: %d fields from %d separators", s, len(got), commas)
		}
		for _, fl := range got {
			if len(fl.Raw) > len(s) || len(fl.Value) > len(s) {
				t.Fatalf("%q: field longer than input: %+v", s, fl)
			}
		}
		// Quoting a value and parsing it again gives the value back, when
		// the value can be written at all.
		if esc && utf8.ValidString(s) {
			v := strings.Map(func(r rune) rune {
				if isTypographicQuote(r) || r == fullWidthComma {
					return -1
				}
				return r
			}, s)
			back := ParseArgs(quoteForDialect(v, syn), syn, 0)
			if len(back) != 1 || back[0].Value != v {
				t.Fatalf("round trip of %q: %+v", v, back)
			}
		}
	})
}
