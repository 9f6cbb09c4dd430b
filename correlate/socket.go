package correlate

import (
	"fmt"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// Findings on MQTT the host carried through the module's socket commands
// (socket dialects): the packets rebuilt from the log are judged like a
// capture's, with the codes a capture gives, plus what only the log shows
// (a send the module refused, one beyond its send buffer, bytes the
// terminal mangled).

// Codes only socket-style logs give.
const (
	CodeSendFailed      = "send-failed"
	CodePublishTooLarge = "publish-too-large"
	CodeLogMangled      = "log-mangled"
)

// diagnoseSockets judges every socket stream the log holds.
func (a *logCheck) diagnoseSockets() {
	if a.log == nil {
		return
	}
	for _, s := range at.SocketStreams(a.log) {
		a.diagnoseSocket(s)
	}
	a.diagnoseSocketWire()
	a.diagnoseClientStates()
	// A refused send is explained by the socket finding on its line: the
	// generic command-error would say it twice.
	kept := a.findings[:0]
	for _, f := range a.findings {
		if f.Code == CodeCommandError && (a.has(CodeSendFailed, f.Line) || a.has(CodePublishTooLarge, f.Line)) {
			continue
		}
		kept = append(kept, f)
	}
	a.findings = kept
}

func (a *logCheck) diagnoseSocket(s *at.SocketStream) {
	packets := s.Packets()
	var connect *at.SocketPacket
	var lastSent time.Time
	// disconnected: the host's last packet was a DISCONNECT; refused: the
	// broker refused the CONNECT. Either explains the peer's close.
	disconnected, refused := false, false
	var mangled []int
	var salvage []string
	for i := range packets {
		p := &packets[i]
		if p.Mangled {
			mangled = append(mangled, p.Line)
			if p.Salvage != "" && len(salvage) < 3 {
				salvage = append(salvage, fmt.Sprintf("line %d: %s", p.Line, p.Salvage))
			}
		}
		if p.Failed != "" {
			a.socketSendFailed(s, p)
			continue
		}
		if p.FromHost && !p.Time.IsZero() {
			lastSent = p.Time
		}
		if p.Packet == nil {
			continue
		}
		if p.FromHost {
			disconnected = p.Packet.Type == mqtt.DISCONNECT
		}
		switch {
		case p.FromHost && p.Packet.Type == mqtt.CONNECT:
			connect = p
		case !p.FromHost && p.Packet.Type == mqtt.CONNACK && connackRefused(p.Packet):
			a.socketRefused(s, connect, p)
			refused = true
		}
	}
	if len(mangled) > 0 {
		a.add(Finding{
			Code: CodeLogMangled, Severity: SeverityWarning, Line: mangled[0], Lines: listIfMany(mangled),
			Summary: fmt.Sprintf("socket %s: the log lost bytes of %d send(s)/read(s): the MQTT packets in them cannot be decoded exactly", s.Conn, len(mangled)),
			Explanation: "the data's length differs from the length the command or the module declared: a terminal saved the binary bytes as text (NULs and control bytes dropped, line ends changed)" +
				orEmpty("; what they still show: ", strings.Join(salvage, "; ")),
			Fix: "record the UART with `atmq capture` (or a hex logger such as jpnevulator) so every byte is kept, or log the module in hex mode (u-blox AT+UDCONF=1,1, Quectel AT+QICFG=\"dataformat\",1,1, SIM800 AT+CIPRXGET=3)",
		})
	}
	if connect != nil && s.ClosedBy == "peer" && !disconnected && !refused {
		a.socketPeerClose(s, connect, lastSent)
	}
}

// socketRefused: the CONNACK the host read refuses its CONNECT.
func (a *logCheck) socketRefused(s *at.SocketStream, connect, ack *at.SocketPacket) {
	code, words := connackCode(ack.Packet)
	v5 := ack.Packet.Version == mqtt.Version5
	lines := []int{ack.Line}
	what := "the CONNECT"
	if connect != nil {
		lines = []int{connect.Line, ack.Line}
		what = fmt.Sprintf("the CONNECT sent on line %d (client id %q)", connect.Line, connect.Packet.ClientID)
	}
	c := code
	a.add(Finding{
		Code: CodeConnackRefused, Severity: SeverityError, Line: ack.Line, Lines: lines, ConnackCode: &c,
		Summary:     fmt.Sprintf("socket %s: the broker refused %s: CONNACK %s", s.Conn, what, words),
		Explanation: "the host's MQTT client (PubSubClient, Paho) built the CONNECT and the broker answered it with a refusal, read back through the module on line " + fmt.Sprint(ack.Line) + "; PubSubClient reports it as state() " + fmt.Sprint(code),
		Fix:         socketRefusalFix(v5, code),
	})
}

func socketRefusalFix(v5 bool, code int) string {
	switch {
	case refusedClientID(v5, code):
		return "use a client id the broker accepts (unique, allowed characters and length): the id passed to connect()"
	case refusedVersion(v5, code):
		return "use the protocol version the broker speaks (PubSubClient: MQTT_VERSION in PubSubClient.h)"
	}
	return brokerFix(v5, code)
}

// socketSendFailed: the module refused a send; a send longer than its
// buffer is the common cause.
func (a *logCheck) socketSendFailed(s *at.SocketStream, p *at.SocketPacket) {
	what := "a send"
	if p.Packet != nil {
		what = "a " + p.Packet.Type.String()
		if p.Packet.Type == mqtt.PUBLISH {
			what += fmt.Sprintf(" to %q", p.Packet.Topic)
		}
	}
	if max := at.SocketMaxSend(s.Dialect); max > 0 && p.Declared > max {
		a.add(Finding{
			Code: CodePublishTooLarge, Severity: SeverityError, Line: p.Line,
			Summary:     fmt.Sprintf("socket %s: %s of %d bytes is larger than the module's send buffer (%d bytes): %s", s.Conn, what, p.Declared, max, p.Failed),
			Explanation: "the module takes at most that many bytes in one send command and refuses longer ones, so the packet never left the module; the MQTT client then treats the connection as broken",
			Fix:         fmt.Sprintf("send packets of at most %d bytes: shorten the payload, or make the client write a long packet in several sends (TinyGSM splits writes; PubSubClient: beginPublish/write/endPublish), and size MQTT_MAX_PACKET_SIZE to match", max),
		})
		return
	}
	a.add(Finding{
		Code: CodeSendFailed, Severity: SeverityError, Line: p.Line,
		Summary:     fmt.Sprintf("socket %s: the module did not send %s: %s", s.Conn, what, p.Failed),
		Explanation: "the module answered the send command with a failure, so the bytes never reached the network: the socket was closed or its send buffer full",
		Fix:         "check the socket's state before sending (AT+CIPSTATUS / AT+QISTATE) and reopen it after a close; wait for SEND OK before the next send",
	})
}

// socketPeerClose: the peer closed a socket carrying an MQTT session; a
// silence longer than 1.5 × keepalive before it means the MCU stopped
// sending (PubSubClient's loop() not called often enough).
func (a *logCheck) socketPeerClose(s *at.SocketStream, connect *at.SocketPacket, lastSent time.Time) {
	ka := time.Duration(connect.Packet.KeepAlive) * time.Second
	closeTime := s.CloseTime
	if ka > 0 && !lastSent.IsZero() && !closeTime.IsZero() && closeTime.Sub(lastSent) >= ka*3/2 {
		a.add(Finding{
			Code: CodeKeepaliveTimeout, Severity: SeverityError, Line: s.CloseLine, Lines: []int{connect.Line, s.CloseLine},
			Summary: fmt.Sprintf("socket %s: the broker closed the connection %s after the host's last packet; the CONNECT asked for a keepalive of %d s",
				s.Conn, closeTime.Sub(lastSent).Round(time.Second), connect.Packet.KeepAlive),
			Explanation: "the broker closes a connection that is silent for 1.5 × keepalive [MQTT-3.1.2-24]; the log shows no send (no PINGREQ) from the host in that time, so the MQTT client on the MCU did not run",
			Fix:         fmt.Sprintf("call the client's loop (PubSubClient: client.loop()) at least every %d s, and never block longer (delay(), blocking reads); or raise the keepalive (setKeepAlive)", connect.Packet.KeepAlive),
		})
		return
	}
	a.add(Finding{
		Code: CodeServerClosed, Severity: SeverityWarning, Line: s.CloseLine,
		Summary:     fmt.Sprintf("socket %s: the broker or the network closed the connection (line %d)", s.Conn, s.CloseLine),
		Explanation: "the module reports the socket closed by the peer",
		Fix:         "capture the network side (atmq analyze --pcap) or read the broker's log to see why; check the keepalive and client id uniqueness",
	})
}

func listIfMany(lines []int) []int {
	if len(lines) < 2 {
		return nil
	}
	return lines
}

func orEmpty(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// socketClues adds the client ids and topics of the MQTT packets the host
// wrote through socket commands: they say which connections are the
// device's as a connect command's arguments do.
func socketClues(log *at.Log, ids, topics map[string]bool) {
	for _, s := range at.SocketStreams(log) {
		for _, p := range s.Packets() {
			if p.Packet == nil || !p.FromHost {
				continue
			}
			switch p.Packet.Type {
			case mqtt.CONNECT:
				ids[p.Packet.ClientID] = true
			case mqtt.PUBLISH:
				topics[p.Packet.Topic] = true
			case mqtt.SUBSCRIBE, mqtt.UNSUBSCRIBE:
				for _, sub := range p.Packet.Subscriptions {
					topics[sub.Filter] = true
				}
			}
		}
	}
}
