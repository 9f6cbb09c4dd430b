package at

import (
	"strconv"
	"strings"
)

// The MCU's own MQTT client prints its state into the same serial
// monitor (PubSubClient examples: "failed, rc=-2 try again in 5
// seconds"; TinyGSM examples: "fail" with state() in the line). Those
// lines are kept as events, so the diagnosis can explain the code.

// ClientStateEvent names events holding an MCU client's state code; the
// code is in Args["rc"].
const ClientStateEvent = "CLIENT-STATE"

// clientState finds "rc=<n>" or "state <n>" in a host library's print.
func clientState(text string) (int, bool) {
	lower := strings.ToLower(text)
	keys := []string{"rc=", "rc ="}
	if strings.Contains(lower, "mqtt") || strings.Contains(lower, "fail") || strings.Contains(lower, "client") {
		// "state()" only where the line speaks of the MQTT client
		// ("WiFi state: 0" is not one).
		keys = append(keys, "state()=", "state()", "state=", "state: ", "state ")
	}
	for _, key := range keys {
		i := strings.Index(lower, key)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(text[i+len(key):], " =:")
		j := 0
		for j < len(rest) && (rest[j] == '-' && j == 0 || rest[j] >= '0' && rest[j] <= '9') {
			j++
		}
		if n, err := strconv.Atoi(rest[:j]); err == nil && n >= -4 && n <= 5 {
			return n, true
		}
	}
	return 0, false
}

// mcuPrint records a host library's state print as an event; true when
// the line was one.
func (e *engine) mcuPrint(text string, l Line) bool {
	if strings.HasPrefix(text, "+") || isCommand(text) {
		return false
	}
	rc, ok := clientState(text)
	if !ok {
		return false
	}
	e.event(&Event{Line: l.Line, Time: l.Time, Text: text, Name: ClientStateEvent,
		Args: map[string]string{"rc": strconv.Itoa(rc)}, Meaning: ClientStateMeaning(rc)})
	return true
}

// ClientStateMeaning is PubSubClient's state() code in words
// (PubSubClient.h: MQTT_CONNECTION_TIMEOUT … MQTT_CONNECT_UNAUTHORIZED).
func ClientStateMeaning(rc int) string {
	switch rc {
	case -4:
		return "MQTT_CONNECTION_TIMEOUT: no answer from the broker within the keepalive (or no CONNACK in time)"
	case -3:
		return "MQTT_CONNECTION_LOST: the network connection broke"
	case -2:
		return "MQTT_CONNECT_FAILED: the TCP connection could not be opened"
	case -1:
		return "MQTT_DISCONNECTED: the client disconnected"
	case 0:
		return "MQTT_CONNECTED"
	case 1:
		return "MQTT_CONNECT_BAD_PROTOCOL: the broker refused the protocol version (CONNACK 1)"
	case 2:
		return "MQTT_CONNECT_BAD_CLIENT_ID: the broker rejected the client id (CONNACK 2)"
	case 3:
		return "MQTT_CONNECT_UNAVAILABLE: the broker is unavailable (CONNACK 3)"
	case 4:
		return "MQTT_CONNECT_BAD_CREDENTIALS: bad user name or password (CONNACK 4)"
	case 5:
		return "MQTT_CONNECT_UNAUTHORIZED: not authorized (CONNACK 5)"
	}
	return "unknown state " + strconv.Itoa(rc)
}
