package at

import "strings"

// Where a data-mode payload ends in a log that shows only the module's
// side (the echo after the '>' prompt): at Ctrl-Z (the splitter ends the
// line there), at the declared length, or at the next line that is
// clearly a command. A payload shorter than announced leaves the module
// waiting for more bytes, but the log's next "AT+MQTTPUB=…" is the host's
// next command, not the payload's tail.

// payloadComplete says the payload has reached its declared length (the
// line ends the echo counts as CR LF, as the module receives them).
func (p *txnState) payloadComplete() bool {
	return p.data == DataLength && p.length > 0 && len(p.t.Payload) >= p.length
}

// knownURC says a line is a URC some dialect knows, or one common to all: in a module-only log
// it is the module's, not the rest of an echoed payload (atlogs/41).
func (e *engine) knownURC(text string) bool {
	name, _, ok := parseURC(text)
	if !ok || name == "" {
		return false
	}
	_, u := urcDialect(name, e.forced, nil)
	return u != nil || commonURC(name) != nil
}

// clearlyCommand says a line is an extended command some dialect knows
// (or a bare "AT"), not payload text that happens to start with "AT".
func clearlyCommand(text string) bool {
	if strings.EqualFold(text, "AT") {
		return true
	}
	if !isCommand(text) || indexATPlus(text) != 0 {
		return false
	}
	name, _, _ := parseCommand(text)
	_, spec := commandDialect(name, nil)
	return spec != nil
}
