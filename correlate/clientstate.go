package correlate

import (
	"fmt"
	"strconv"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// The MCU client's own state prints (PubSubClient "failed, rc=-2") tied to
// what the socket commands and packets in the log show.

// CodeClientState explains an MCU client's state code.
const CodeClientState = "client-state"

func (a *logCheck) diagnoseClientStates() {
	if a.log == nil {
		return
	}
	var streams []*at.SocketStream
	for _, e := range a.evs {
		if e.Name != at.ClientStateEvent {
			continue
		}
		if streams == nil {
			streams = at.SocketStreams(a.log)
		}
		rc, err := strconv.Atoi(e.Args["rc"])
		if err != nil || rc == 0 || rc == -1 {
			continue // connected, or a clean disconnect: nothing to explain
		}
		a.add(Finding{
			Code: CodeClientState, Severity: SeverityInfo, Line: e.Line,
			Summary:     fmt.Sprintf("the MCU's MQTT client reports state %d: %s", rc, at.ClientStateMeaning(rc)),
			Explanation: clientStateEvidence(rc, e.Line, streams),
			Fix:         clientStateFix(rc),
		})
	}
}

// clientStateEvidence says what the log shows before the print.
func clientStateEvidence(rc, line int, streams []*at.SocketStream) string {
	var last *at.SocketStream
	for _, s := range streams {
		if s.OpenLine <= line {
			last = s
		}
	}
	if last == nil {
		return "the log holds no socket open before this line, so the client's TCP connection is not in it"
	}
	var connack *mqtt.Packet
	connackLine := 0
	for _, p := range last.Packets() {
		if p.Line <= line && !p.FromHost && p.Packet != nil && p.Packet.Type == mqtt.CONNACK {
			connack, connackLine = p.Packet, p.Line
		}
	}
	switch {
	case rc == -2 && last.OpenOutcome == at.OutcomeFailed:
		return fmt.Sprintf("the log agrees: the socket open on line %d failed", last.OpenLine)
	case rc == -2 && last.OpenOutcome == at.OutcomePending:
		return fmt.Sprintf("the log agrees: the socket open on line %d got no result (no CONNECT OK) before the client gave up", last.OpenLine)
	case rc >= 1 && rc <= 5 && connack != nil:
		code, words := connackCode(connack)
		if code == rc {
			return fmt.Sprintf("the log agrees: the CONNACK read on line %d carries return code %s", connackLine, words)
		}
		return fmt.Sprintf("the CONNACK read on line %d carries %s, not %d", connackLine, words, rc)
	case (rc == -4 || rc == -3) && last.ClosedBy != "":
		return fmt.Sprintf("the socket was closed by the %s on line %d", last.ClosedBy, last.CloseLine)
	case rc == -4 && connack == nil:
		return "no CONNACK was read from the socket before the client gave up: the broker never answered the CONNECT, or the MCU did not read the socket"
	}
	return fmt.Sprintf("the socket opened on line %d (%s)", last.OpenLine, last.OpenOutcome)
}

func clientStateFix(rc int) string {
	switch rc {
	case -4:
		return "call client.loop() often enough for the keepalive, and read the socket until the CONNACK arrives (raise the client's socket timeout on slow networks)"
	case -3:
		return "find why the connection closed (see the findings on the close) and reconnect in loop()"
	case -2:
		return "check the broker address and port, the module's data connection (AT+CGATT?, PDP context) and the open command's result"
	case 4, 5:
		return "pass the user name and password the broker expects to connect()"
	case 2:
		return "use a unique client id the broker accepts"
	case 1:
		return "set MQTT_VERSION to what the broker speaks"
	}
	return "see the broker's log"
}
