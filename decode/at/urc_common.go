package at

import "strings"

// URCs common to all dialects: the network events 3GPP TS 27.007 defines
// for every cellular module, which may arrive at any time, also while a
// command waits for its answer. They are events, never a command's
// response or result, whatever dialect the log speaks.

// commonURCs are keyed like Dialect.URCs (name without '+' and ':').
var commonURCs = map[string]*URCSpec{
	// 3GPP TS 27.007 §10.1.19 packet-domain event reporting (AT+CGEREP):
	// "+CGEV: NW PDN DEACT <cid>", "+CGEV: ME PDN ACT <cid>", "+CGEV: NW
	// DETACH", …; SIMCom and Luat also print "+CGEV: EPS PDN ACT <cid>".
	"CGEV": {Name: "CGEV", Event: true, Fields: []string{"event"}, PayloadFrom: -1, Meaning: cgevMeaning},
}

// commonURC returns the spec of a URC common to all dialects, or nil.
func commonURC(name string) *URCSpec { return commonURCs[name] }

// cgevMeaning words a +CGEV event: who acted (network or module) and
// what happened to the packet data connection.
func cgevMeaning(f map[string]string) string {
	words := strings.Fields(strings.ToUpper(f["event"]))
	says := func(w string) bool { return has(words, w) }
	who := ""
	switch {
	case says("NW"):
		who = " by the network"
	case says("ME"):
		who = " by the module"
	}
	cid := ""
	if len(words) > 0 {
		if _, ok := atoi(words[len(words)-1]); ok {
			cid = " (context " + words[len(words)-1] + ")"
		}
	}
	switch {
	case says("DEACT"):
		return "packet data connection deactivated" + who + cid
	case says("ACT"):
		return "packet data connection activated" + who + cid
	case says("DETACH"):
		return "detached from the packet domain" + who
	case says("REJECT"):
		return "packet data connection request rejected" + who
	case says("MODIFY"):
		return "packet data connection modified" + who + cid
	case says("SUSPEND"):
		return "packet domain suspended" + who
	case says("RESUME"):
		return "packet domain resumed" + who
	case says("CLASS"):
		return "mobile class changed" + who
	}
	return "packet-domain event"
}
