package at

import "strings"

// Commands that reset the module, power it down or switch its radio off:
// every connection it had ends, and the status URCs that follow (a
// +QMTSTAT, +CMQTTCONNLOST, CLOSED) report what the user asked for, not a
// broker or network failure. 3GPP TS 27.007 §8.2 AT+CFUN=<fun>[,<rst>]
// (fun 0 minimum, 4 radio off; rst 1 resets first); SIMCom AT+CRESET and
// AT+CPOF; Quectel AT+QPOWD and AT+QRST; ESP-AT AT+RST and AT+RESTORE;
// Eigencomm AT+ECRST; NB-IoT AT+NRB (Quectel BC/Neoway); Luat AT+RESET.
var resetCommands = map[string]bool{
	"CRESET": true, "CPOF": true, "QPOWD": true, "QRST": true, "RST": true,
	"RESTORE": true, "ECRST": true, "NRB": true, "RESET": true,
}

// ResetsModule says a command resets the module, powers it down or turns
// its radio off, ending its connections.
func ResetsModule(command string) bool {
	if !isCommand(strings.TrimSpace(command)) {
		return false
	}
	name, form, args := parseCommand(strings.TrimSpace(command))
	if form == formRead || form == formTest {
		return false
	}
	if resetCommands[name] {
		return true
	}
	if name != "CFUN" {
		return false
	}
	f := ParseArgs(args, ArgSyntax{}, 4)
	if len(f) == 0 {
		return false
	}
	fun := strings.TrimSpace(f[0].Value)
	reset := len(f) > 1 && strings.TrimSpace(f[1].Value) == "1"
	return fun == "0" || fun == "4" || reset
}
