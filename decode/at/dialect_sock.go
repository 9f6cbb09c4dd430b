package at

import (
	"strconv"
	"strings"
)

// Socket dialects: modules used only as a TCP socket while the MQTT client
// runs on the host (PubSubClient over TinyGSM, Paho Embedded). The
// commands carry MQTT packets as opaque bytes; sockstream.go rebuilds each
// socket's byte stream from them. Their transactions keep op "" (the
// module does no MQTT); what each command does to the socket is SocketOp.
// Sources: docs/at-dialects.md (socket section), SIM800 Series TCPIP
// Application Note V1.03, Quectel BG96 TCP/IP AT Commands Manual V1.1,
// SIM7000 Series TCPIP Application Note, ESP-AT TCP-IP AT Commands,
// u-blox SARA-R4 AT Commands Manual (UBX-17003787) §25, Quectel BC95 AT
// Commands Manual V1.9 (NSOCR/NSOST/NSORF).

// Socket operations a command performs.
const (
	SockCreate = "create" // a socket number without a connection (u-blox, BC95)
	SockOpen   = "open"
	SockSend   = "send"
	SockRead   = "read"
	SockClose  = "close"
)

// sockCommand says what a socket command does and where its data is.
type sockCommand struct {
	op string
	// hexArg names the argument holding the data as hex (u-blox USOWR in
	// hex mode, BC95 NSOSD, Quectel QISENDEX).
	hexArg string
	// readHeader reads a read reply's header line: the declared length
	// and, when the data is on the same line, that data (hex says it is
	// written as hex). ok false: the line is no data header.
	readHeader func(text string) (n int, inline string, hex, ok bool)
}

// sockDialects maps dialect name → command name → socket meaning.
var sockDialects = map[string]map[string]*sockCommand{}

// sockMaxSend is each socket dialect's largest single send (bytes).
var sockMaxSend = map[string]int{}

// IsSocketDialect says a dialect carries host-built MQTT over sockets.
func IsSocketDialect(name string) bool { return sockDialects[name] != nil }

// SocketOp is what a transaction does to a socket ("" when nothing).
func SocketOp(t *Transaction) string {
	if c := sockDialects[t.Dialect][t.Name]; c != nil {
		return c.op
	}
	return ""
}

// SocketMaxSend is the largest payload one send of the dialect takes, 0
// when unknown.
func SocketMaxSend(dialect string) int { return sockMaxSend[dialect] }

// registerSocket adds a socket dialect: the engine's spec and the socket
// meaning of its commands.
func registerSocket(d *Dialect, maxSend int, cmds map[string]*sockCommand) {
	register(d)
	sockDialects[d.Name] = cmds
	sockMaxSend[d.Name] = maxSend
}

// indexed lists "<n>, TEXT" and "<n>,TEXT" for the connection numbers a
// module prints in front of a status text (SIM800 multi-IP "0, CONNECT
// OK", ESP-AT "4,CONNECT"), plus the bare text.
func indexed(text string, maxConn int) []string {
	out := []string{text}
	for i := 0; i <= maxConn; i++ {
		n := strconv.Itoa(i)
		out = append(out, n+", "+text, n+","+text)
	}
	return out
}

// plainURCs makes one plain URC spec per indexed text.
func plainURCs(into map[string]*URCSpec, texts []string, event bool, outcome Outcome, meaning string) {
	for _, t := range texts {
		into[t] = &URCSpec{Name: t, Plain: true, Event: event, PayloadFrom: -1,
			Meaning: func(map[string]string) string { return meaning },
			Outcome: func(map[string]string) Outcome { return outcome }}
	}
}

// leadingConn is the connection number in front of an indexed text.
func leadingConn(text string) string {
	i := 0
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	if i > 0 && i < len(text) && text[i] == ',' {
		return text[:i]
	}
	return ""
}

// fieldsOf splits a URC's argument text into values (quotes removed).
func fieldsOf(argText string) []string {
	f := ParseArgs(argText, ArgSyntax{}, maxFields)
	out := make([]string, len(f))
	for i, x := range f {
		out[i] = x.Value
	}
	return out
}

// headerAfter reads "+NAME: a,b,…" when text starts with prefix.
func headerAfter(text, prefix string) ([]string, string, bool) {
	if !strings.HasPrefix(strings.ToUpper(text), prefix) {
		return nil, "", false
	}
	rest := strings.TrimSpace(text[len(prefix):])
	return fieldsOf(rest), rest, true
}

// socketFinals are the final results of socket commands besides OK,
// ERROR, SEND OK and SEND FAIL (SIM800: "CLOSE OK", "0, CLOSE OK",
// "0, SEND OK", "0, SEND FAIL", "DATA ACCEPT:<n>,<len>" in quick-send mode).
func socketFinal(text string) (final string, ok bool) {
	body := text
	if c := leadingConn(text); c != "" {
		body = strings.TrimSpace(text[len(c)+1:])
	}
	switch body {
	case "CLOSE OK", "SEND OK", "SEND FAIL":
		return text, true
	}
	if strings.HasPrefix(text, "DATA ACCEPT:") {
		return text, true
	}
	return "", false
}

// socketOKFinal says a socket final reports success.
func socketOKFinal(final string) bool {
	body := final
	if c := leadingConn(final); c != "" {
		body = strings.TrimSpace(final[len(c)+1:])
	}
	return body == "CLOSE OK" || body == "SEND OK" || strings.HasPrefix(final, "DATA ACCEPT:")
}

func hexDigits(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// SocketFinal says a module line is the final result of a socket command
// ("0, SEND OK", "CLOSE OK", "DATA ACCEPT:0,27", "SEND FAIL") and whether
// it reports success, for tools that drive a module.
func SocketFinal(line string) (isFinal, ok bool) {
	if _, is := socketFinal(line); !is {
		return false, false
	}
	return true, socketOKFinal(line)
}
