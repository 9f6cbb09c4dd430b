package at

import "strings"

// Received messages and other URCs whose data goes on past their own
// line: ECMT +ECMTRECV's unquoted payload over several lines, SIMCom's
// +CMQTTRXTOPIC/+CMQTTRXPAYLOAD followed by data of a given length.

// followData collects raw data announced by a length (+CMQTTRXTOPIC: 0,7).
type followData struct {
	buf       []byte
	ev        *Event
	key       string
	remaining int
}

// endFollow stores the data collected after a length-announcing URC.
func (e *engine) endFollow() {
	f := e.follow
	if f == nil {
		return
	}
	e.follow = nil
	if f.ev.Args == nil {
		f.ev.Args = map[string]string{}
	}
	f.ev.Args[f.key] = string(f.buf)
	if f.key == ArgPayload {
		f.ev.Payload = f.buf
	}
}

// endCont closes a receive event whose payload went on over lines: the
// payload and text are set once, not per line (a long payload would
// otherwise be copied once per line).
func (e *engine) endCont() {
	c := e.cont
	if c == nil {
		return
	}
	e.cont = nil
	if len(c.Payload) > e.contBase {
		c.Args[ArgPayload] = string(c.Payload)
		c.Text += string(c.Payload[e.contBase:])
	}
}

// urcArgs names a URC's fields; a receive URC's payload is the rest of the
// line as sent (quotes removed when it is one quoted string).
func (e *engine) urcArgs(u *URCSpec, d *Dialect, argText string) map[string]string {
	syn := d.Syntax
	if u.PayloadFrom < 0 {
		return named(u.Fields, ParseArgs(argText, syn, maxFields))
	}
	f := ParseArgs(argText, syn, u.PayloadFrom+2)
	// +QMTRECV: <idx>,<msgid>,"<topic>",<len>,"<payload>" (recv/mode
	// msg_len_enable=1, QUEC-UFP ql_mqtt_urc_recv)
	if len(f) == u.PayloadFrom+2 && !f[u.PayloadFrom].Quoted && u.Name == "QMTRECV" {
		if _, ok := atoi(f[u.PayloadFrom].Value); ok && strings.HasPrefix(f[u.PayloadFrom+1].Raw, `"`) {
			args := named(u.Fields[:u.PayloadFrom], f[:u.PayloadFrom])
			args["length"] = f[u.PayloadFrom].Value
			args[ArgPayload] = unquoteWhole(f[u.PayloadFrom+1].Raw)
			return args
		}
	}
	f = ParseArgs(argText, syn, u.PayloadFrom+1)
	args := named(u.Fields, f)
	if len(f) == u.PayloadFrom+1 {
		args[ArgPayload] = unquoteWhole(f[u.PayloadFrom].Raw)
	}
	return args
}

// unquoteWhole removes the quotes around a payload that is one quoted
// string, leaving inner quotes as sent.
func unquoteWhole(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
