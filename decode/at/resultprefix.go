package at

import "strings"

// ResultURCPrefixes gives the beginnings of the module lines that answer
// command asynchronously, from the dialect registry (CommandSpec.Results),
// for a tool that drives a module and has to wait for the outcome
// (atmq live --script): AT+ECMTCONN=0,"a" → ["+ECMTCONN:"],
// AT+QMTPUBEX=… → ["+QMTPUBEX:", "+QMTPUB:"], Luat AT+MIPSTART=… →
// ["CONNECT OK", "ALREADY CONNECT", "CONNECT FAIL"] (plain-text URCs are
// their whole text). Any one of them ends the wait; the first is the one
// the command names. Some arrive before the final result (ESP-AT
// +MQTTCONNECTED:), so a waiter should look at every module line since the
// command was sent.
//
// It is nil for a command no dialect knows, for the read (AT+X?) and test
// (AT+X=?) forms, for configure commands, and when the command's
// ResultWhen rules the URC out for these arguments (Luat AT+MPUB answers
// PUBACK only for QoS > 0; SIMCom +CMQTTACCQ: comes on failure only).
func ResultURCPrefixes(command string) []string {
	command = strings.TrimSpace(command)
	if len(command) < 3 || !strings.EqualFold(command[:2], "AT") || command[2] != '+' {
		return nil
	}
	name, form, argText := parseCommand(command)
	if form == formRead || form == formTest {
		return nil
	}
	d, spec := commandDialect(name, nil)
	if spec == nil || spec.Op == OpConfigure || len(spec.Results) == 0 {
		return nil
	}
	if spec.ResultWhen != nil && !spec.ResultWhen(commandArgs(d, spec, form, argText)) {
		return nil
	}
	prefixes := make([]string, 0, len(spec.Results))
	for _, r := range spec.Results {
		if u := d.URCs[r]; u != nil && u.Plain {
			prefixes = append(prefixes, r)
		} else {
			prefixes = append(prefixes, "+"+r+":")
		}
	}
	return prefixes
}

// commandArgs names a command's arguments the way the log engine does for
// ResultWhen (no payload from data mode, nothing stashed by earlier
// commands: a script line is judged on its own).
func commandArgs(d *Dialect, spec *CommandSpec, form int, argText string) map[string]string {
	var fields []Field
	if form == formSet || (form == formAction && argText != "") {
		fields = ParseArgs(argText, d.Syntax, maxFields)
	}
	args := named(keysOf(argSpecs(spec, fields)), fields)
	if spec.Derive != nil {
		spec.Derive(args)
	}
	return args
}
