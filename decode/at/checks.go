package at

import (
	"fmt"
	"strings"
)

// Warning codes.
const (
	WarnTypographicQuote = "typographic-quote"
	WarnFullWidthComma   = "full-width-comma"
	WarnUnbalancedQuote  = "unbalanced-quote"
	WarnArgCount         = "arg-count"
	WarnRange            = "range"
	WarnNotNumber        = "not-a-number"
	WarnMsgIDZero        = "msgid-zero"
	WarnMsgIDQoS0        = "msgid-qos0"
	WarnLength           = "length"
	WarnLengthDoc        = "length-doc"
	WarnUnescapedComma   = "unescaped-comma"
	WarnCommandLength    = "command-length"
	WarnUnquotedString   = "unquoted-string"
)

// warningCause says a warning in a few words, for the meaning of a refused
// command.
var warningCause = map[string]string{
	WarnTypographicQuote: "typographic quotes",
	WarnFullWidthComma:   "a full-width comma",
	WarnUnbalancedQuote:  "an unclosed quote",
	WarnArgCount:         "wrong argument count",
	WarnRange:            "a value out of range",
	WarnNotNumber:        "a number expected",
	WarnMsgIDZero:        "msg id 0 with QoS > 0",
	WarnMsgIDQoS0:        "msg id not 0 with QoS 0",
	WarnLength:           "a string too long",
	WarnLengthDoc:        "a string over the documented length",
	WarnUnescapedComma:   "an unescaped comma",
	WarnCommandLength:    "the command is too long",
	WarnUnquotedString:   "a string without quotes",
}

// checkQuotes runs the checks that apply to any command: typographic
// quotes, full-width commas, unbalanced quotes.
func checkQuotes(t *Transaction, fields []Field, syn ArgSyntax) []Warning {
	var ws []Warning
	typo, fw, unterminated := false, false, false
	for _, f := range fields {
		typo = typo || f.Typographic
		fw = fw || f.FullWidthComma
		unterminated = unterminated || f.Unterminated
	}
	ascii := isASCII(t.Command) // the usual case: nothing typographic to look for
	if !typo && !ascii && strings.ContainsAny(t.Command, "“”‘’＂") {
		typo = true
	}
	if !fw && !ascii && strings.ContainsRune(t.Command, fullWidthComma) {
		fw = true
	}
	fix := ""
	if typo || fw || unterminated {
		fix = rebuild(t.Command, fields, syn, nil)
	}
	if typo {
		ws = append(ws, Warning{Code: WarnTypographicQuote,
			Message: fmt.Sprintf("line %d: typographic quotes (“ ” ‘ ’), as pasted from documents and web pages: modules expect ASCII \" around strings; many refuse the command, others keep the quotes as part of the value", t.Line),
			Fix:     fix})
	}
	if fw {
		ws = append(ws, Warning{Code: WarnFullWidthComma,
			Message: fmt.Sprintf("line %d: full-width comma \"，\" (U+FF0C): the module only takes ASCII ','", t.Line),
			Fix:     fix})
	}
	if unterminated {
		ws = append(ws, Warning{Code: WarnUnbalancedQuote,
			Message: fmt.Sprintf("line %d: a quoted string is never closed", t.Line),
			Fix:     fix})
	}
	return ws
}

// rebuild writes the command again with ASCII quotes and commas (escaped
// for the dialect), replacing fields by index from repl.
func rebuild(command string, fields []Field, syn ArgSyntax, repl map[int]string) string {
	head := command
	if i := strings.IndexAny(command, "=＝"); i >= 0 {
		head = command[:i]
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		switch v, ok := repl[i]; {
		case ok:
			parts[i] = v
		case f.Unterminated && strings.Contains(f.Value, ","):
			// The quote was most likely meant to close before the comma.
			j := strings.Index(f.Value, ",")
			parts[i] = quoteForDialect(f.Value[:j], syn) + f.Value[j:]
		case f.Quoted:
			parts[i] = quoteForDialect(f.Value, syn)
		default:
			parts[i] = f.Raw
		}
	}
	return strings.TrimSpace(head) + "=" + strings.Join(parts, ",")
}

// usage writes a command's syntax from its argument specs.
func usage(spec *CommandSpec, specs []ArgSpec) string {
	var b strings.Builder
	b.WriteString("AT+" + spec.Name + "=")
	open := 0
	for i, a := range specs {
		p := "<" + a.Key + ">"
		if a.String {
			p = `"` + p + `"`
		}
		if i >= spec.MinArgs && i > 0 {
			b.WriteByte('[')
			open++
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p)
	}
	b.WriteString(strings.Repeat("]", open))
	return b.String()
}

// checkCommand says why a command of a known dialect was (or will be)
// refused, and what to type instead.
func checkCommand(d *Dialect, spec *CommandSpec, t *Transaction, fields []Field, specs []ArgSpec) []Warning {
	ws := checkQuotes(t, fields, d.Syntax)
	line := t.Line
	// Argument count. Subscribe may repeat topic/qos pairs (AT+QMTSUB).
	extraOK := spec.Op == OpSubscribe && len(fields) > len(specs) && (len(fields)-len(specs))%2 == 0
	if spec.Options != nil && len(fields) > 0 {
		if _, known := spec.Options[strings.ToLower(fields[0].Value)]; !known {
			extraOK = true // an option we do not describe: do not count
		}
	}
	if len(fields) < spec.MinArgs || (len(fields) > len(specs) && !extraOK) {
		ws = append(ws, Warning{Code: WarnArgCount,
			Message: fmt.Sprintf("line %d: AT+%s takes %s arguments, got %d", line, spec.Name, countWords(spec.MinArgs, len(specs)), len(fields)),
			Fix:     usage(spec, specs)})
	}
	// Strings without quotes: V.250 string constants are quoted and the
	// modules' parsers answer ERROR (atlogs/08: AT+ECMTSUB=0,1,test,2).
	for i, a := range specs {
		if i >= len(fields) || !a.String || fields[i].Quoted || fields[i].Value == "" {
			continue
		}
		ws = append(ws, Warning{Code: WarnUnquotedString,
			Message: fmt.Sprintf("line %d: %s %s is not in quotes", line, a.Key, fields[i].Value),
			Fix:     rebuild(t.Command, fields, d.Syntax, map[int]string{i: quoteForDialect(fields[i].Value, d.Syntax)})})
	}
	for i, a := range specs {
		if i >= len(fields) || !a.Int {
			continue
		}
		f := fields[i]
		if f.Value == "" {
			continue
		}
		n, ok := atoi(f.Value)
		if !ok {
			ws = append(ws, Warning{Code: WarnNotNumber,
				Message: fmt.Sprintf("line %d: %s %q is not a number", line, a.Key, f.Value),
				Fix:     usage(spec, specs)})
			continue
		}
		if a.Max == 0 && a.Min == 0 && a.Key != ArgConn {
			continue
		}
		max := a.Max
		if a.Key == ArgConn && d.MaxConn < max {
			max = d.MaxConn
		}
		if n < a.Min || n > max {
			src := ""
			if a.Source != "" {
				src = " (" + a.Source + ")"
			}
			v := a.Min
			if n > max {
				v = max
			}
			fix := rebuild(t.Command, fields, d.Syntax, map[int]string{i: itoa(v)})
			ws = append(ws, Warning{Code: WarnRange,
				Message: fmt.Sprintf("line %d: %s %d is out of range %d–%d%s", line, a.Key, n, a.Min, max, src),
				Fix:     fix})
		}
	}
	// Packet identifiers: non-zero when QoS > 0 [MQTT-2.3.1-1]; ECMT and
	// QMT want 0 for QoS 0 (EC-DOC "仅当<qos> = 0时它将为0"; QUEC-UFP).
	if spec.Op == OpPublish {
		id, idOK := atoi(t.Args[ArgMsgID])
		q, qOK := atoi(t.Args[ArgQoS])
		idx := indexOf(specs, ArgMsgID)
		if idOK && qOK && idx >= 0 {
			if id == 0 && q > 0 {
				ws = append(ws, Warning{Code: WarnMsgIDZero,
					Message: fmt.Sprintf("line %d: msg id 0 with QoS %d: a QoS>0 PUBLISH needs a non-zero packet identifier [MQTT-2.3.1-1]", line, q),
					Fix:     rebuild(t.Command, fields, d.Syntax, map[int]string{idx: "1"})})
			}
			if id != 0 && q == 0 && (d.Name == "ecmt" || d.Name == "qmt") {
				ws = append(ws, Warning{Code: WarnMsgIDQoS0,
					Message: fmt.Sprintf("line %d: msg id %d with QoS 0: the module documents msg id 0 for QoS 0 (a QoS 0 PUBLISH has no packet identifier)", line, id),
					Fix:     rebuild(t.Command, fields, d.Syntax, map[int]string{idx: "0"})})
			}
		}
	}
	// String lengths.
	for i, a := range specs {
		if i >= len(fields) || !a.String {
			continue
		}
		lim, ok := d.Limits[a.Key]
		if !ok {
			continue
		}
		n := len(fields[i].Value)
		switch {
		case n > lim.Max:
			ws = append(ws, Warning{Code: WarnLength,
				Message: fmt.Sprintf("line %d: %s is %d bytes; %s takes at most %d (%s)", line, a.Key, n, d.Name, lim.Max, lim.Source),
				Fix:     lengthFix(d, a.Key, lim.Max)})
		case lim.Doc > 0 && n > lim.Doc:
			ws = append(ws, Warning{Code: WarnLengthDoc,
				Message: fmt.Sprintf("line %d: %s is %d bytes: over the documented %d, within the firmware buffer of %d (%s); firmware following the document refuses it", line, a.Key, n, lim.Doc, lim.Max, lim.Source),
				Fix:     fmt.Sprintf("keep %s at %d bytes or less", a.Key, lim.Doc)})
		}
	}
	// ESP-AT: ',' '"' '\' inside strings must be escaped (ESPAT-IDX).
	if d.Syntax.Escapes {
		var bad []string
		for i, f := range fields {
			if f.UnescapedComma && i < len(specs) {
				bad = append(bad, specs[i].Key)
			} else if f.UnescapedComma {
				bad = append(bad, "argument "+itoa(i+1))
			}
		}
		if len(bad) > 0 {
			ws = append(ws, Warning{Code: WarnUnescapedComma,
				Message: fmt.Sprintf("line %d: %s holds a bare ',': ESP-AT splits arguments there; write \\, inside strings (or set long values with AT+MQTTCLIENTID/AT+MQTTUSERNAME/AT+MQTTPASSWORD)", line, strings.Join(bad, ", ")),
				Fix:     rebuild(t.Command, fields, d.Syntax, nil)})
		}
		// ESPAT-MQTT: the whole command must be shorter than 256 bytes.
		if len(t.Command) >= 256 {
			ws = append(ws, Warning{Code: WarnCommandLength,
				Message: fmt.Sprintf("line %d: the command is %d bytes; ESP-AT takes commands shorter than 256 bytes", line, len(t.Command)),
				Fix:     "set long values with AT+MQTTCLIENTID, AT+MQTTUSERNAME, AT+MQTTPASSWORD after AT+MQTTUSERCFG"})
		}
	}
	return ws
}

func indexOf(specs []ArgSpec, key string) int {
	for i, s := range specs {
		if s.Key == key {
			return i
		}
	}
	return -1
}

func countWords(min, max int) string {
	if min == max {
		return itoa(min)
	}
	return itoa(min) + "–" + itoa(max)
}

func lengthFix(d *Dialect, key string, max int) string {
	if d.Name == "espat" {
		switch key {
		case ArgClientID:
			return "set the client id with AT+MQTTCLIENTID=0,\"…\" (AT+MQTTLONGCLIENTID on newer firmware) after AT+MQTTUSERCFG"
		case ArgUsername:
			return "set the user name with AT+MQTTUSERNAME=0,\"…\" (AT+MQTTLONGUSERNAME on newer firmware) after AT+MQTTUSERCFG"
		case ArgPassword:
			return "set the password with AT+MQTTPASSWORD=0,\"…\" (AT+MQTTLONGPASSWORD on newer firmware) after AT+MQTTUSERCFG"
		}
	}
	if d.Name == "ecmt" && (key == ArgClientID || key == ArgUsername || key == ArgPassword) {
		return fmt.Sprintf("shorten %s to %d bytes, or let the module sign Aliyun credentials itself with AT+ECMTCFG=\"aliauth\",…", key, max)
	}
	return fmt.Sprintf("shorten %s to %d bytes or less", key, max)
}
