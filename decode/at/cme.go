package at

import (
	"strconv"
	"strings"
)

// cmeWords are the +CME ERROR codes of 3GPP TS 27.007 §9.2.1 (general) and
// §9.2.2 (GPRS/packet domain).
var cmeWords = map[int]string{
	0: "phone failure", 1: "no connection to phone", 2: "phone-adaptor link reserved",
	3: "operation not allowed", 4: "operation not supported", 5: "PH-SIM PIN required",
	6: "PH-FSIM PIN required", 7: "PH-FSIM PUK required", 10: "SIM not inserted",
	11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
	15: "SIM wrong", 16: "incorrect password", 17: "SIM PIN2 required", 18: "SIM PUK2 required",
	20: "memory full", 21: "invalid index", 22: "not found", 23: "memory failure",
	24: "text string too long", 25: "invalid characters in text string",
	26: "dial string too long", 27: "invalid characters in dial string",
	30: "no network service", 31: "network timeout", 32: "network not allowed - emergency calls only",
	40: "network personalization PIN required", 41: "network personalization PUK required",
	42: "network subset personalization PIN required", 43: "network subset personalization PUK required",
	44: "service provider personalization PIN required", 45: "service provider personalization PUK required",
	46: "corporate personalization PIN required", 47: "corporate personalization PUK required",
	48: "hidden key required", 49: "EAP method not supported", 50: "incorrect parameters",
	100: "unknown",
	103: "illegal MS", 106: "illegal ME", 107: "GPRS services not allowed",
	111: "PLMN not allowed", 112: "location area not allowed", 113: "roaming not allowed in this location area",
	126: "insufficient resources", 127: "missing or unknown APN", 128: "unknown PDP address or PDP type",
	129: "user authentication failed", 130: "activation rejected by GGSN, Serving GW or PDN GW",
	131: "activation rejected, unspecified", 132: "service option not supported",
	133: "requested service option not subscribed", 134: "service option temporarily out of order",
	148: "unspecified GPRS error", 149: "PDP authentication failure", 150: "invalid mobile class",
}

// errorMeaning explains a final error result in words.
func errorMeaning(final string) string {
	switch final {
	case "ERROR":
		return "refused by the module (ERROR: syntax, arguments or state)"
	case "NO UNSUBSCRIBE":
		return "refused: not subscribed to that topic"
	case "SEND FAIL":
		return "send failed"
	}
	for _, p := range []string{"+CME ERROR:", "+CMS ERROR:"} {
		if !strings.HasPrefix(final, p) {
			continue
		}
		v := strings.TrimSpace(final[len(p):])
		if n, err := strconv.Atoi(v); err == nil {
			if p == "+CME ERROR:" {
				if w, ok := cmeWords[n]; ok {
					return "refused: " + w + " (3GPP TS 27.007 CME " + v + ")"
				}
			}
			return "refused: vendor-specific error " + v
		}
		return "refused: " + v // verbose form (AT+CMEE=2)
	}
	return "refused: " + final
}
