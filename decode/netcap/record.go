// Package netcap turns link-layer frames (from a pcap/pcapng file or a live
// interface) into MQTT packets and the TCP, TLS and DNS events around them.
package netcap

import (
	"net/netip"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
)

// Kind says what a Record carries.
type Kind uint8

const (
	KindPacket Kind = iota + 1 // an MQTT packet
	KindEvent                  // a TCP, TLS or DNS event
)

// Record is one decoded item, in the order the capture completes them.
type Record struct {
	Kind  Kind
	Frame int       // 1-based number of the frame that completed the item
	Time  time.Time // that frame's timestamp
	// Conn identifies the TCP connection (0 for DNS over UDP). Numbers are
	// assigned in order of first appearance, starting at 1.
	Conn   int
	Client netip.AddrPort // the connection's client side (SYN sender, or guessed)
	Server netip.AddrPort // the broker side
	// FromClient is true for items travelling client → server.
	FromClient bool

	Packet *mqtt.Packet // KindPacket
	// Midstream marks the first packet decoded after resynchronising: the
	// capture started inside the connection or lost bytes before it.
	Midstream bool
	// Skipped counts the bytes passed over while resynchronising before
	// this packet (they did not parse as MQTT).
	Skipped int

	Event *Event // KindEvent
}

// Event types.
const (
	EventSYN           = "TCP-SYN"
	EventSYNACK        = "TCP-SYN-ACK"
	EventRST           = "TCP-RST"
	EventFIN           = "TCP-FIN"
	EventSYNUnanswered = "TCP-SYN-UNANSWERED"
	EventGap           = "TCP-GAP" // bytes lost in one direction
	EventTLSHello      = "TLS-CLIENT-HELLO"
	EventTLSAlert      = "TLS-ALERT"
	// A close_notify alert: its sender ends the TLS session normally
	// (a closure alert, not an error) [RFC 8446 6.1].
	EventTLSClose = "TLS-CLOSE-NOTIFY"
	// The ServerHello: Detail and TLS give the version and cipher suite.
	EventTLSServerHello = "TLS-SERVER-HELLO"
	// A TLS 1.2 server asks for a client certificate (TLS 1.3 encrypts it).
	EventTLSCertRequest = "TLS-CERT-REQUEST"
	// A TLS 1.2 client's answer to it: TLS.ClientCerts certificates (0: none).
	EventTLSClientCert = "TLS-CLIENT-CERT"
	// Both sides finished the handshake; TLS.Handshake is the time since
	// the ClientHello.
	EventTLSHandshakeDone = "TLS-HANDSHAKE-DONE"
	EventDNS              = "DNS"
	// EventIncomplete: the connection ended (or the capture did) inside an
	// MQTT packet; Detail says how many bytes of it were seen (of an
	// oversize packet, reported from its first bytes: how many never came).
	EventIncomplete = "MQTT-INCOMPLETE"
)

// Event is a connection or name-resolution event.
type Event struct {
	Type string
	// By is "client" or "server": who sent the SYN, RST, FIN, alert.
	By     string
	Detail string // human-readable detail (gap size, alert description…)
	SNI    string // TLS ClientHello server name
	DNS    *DNS
	TLS    *TLSInfo // TLS events' details
}

// TLSInfo is what a TLS event read from the handshake in clear. Each
// event fills its own fields.
type TLSInfo struct {
	// EventTLSHello: the versions offered (supported_versions, else the
	// legacy version), cipher suites, whether a server_name extension is
	// present, ALPN protocols.
	Versions   []uint16 `json:",omitempty"`
	Suites     []uint16 `json:",omitempty"`
	SNIPresent bool     `json:",omitempty"`
	ALPN       []string `json:",omitempty"`
	// EventTLSServerHello: negotiated version and suite (also Version on
	// EventTLSHandshakeDone); HelloRetry for a TLS 1.3 HelloRetryRequest.
	Version    uint16 `json:",omitempty"`
	Suite      uint16 `json:",omitempty"`
	HelloRetry bool   `json:",omitempty"`
	// EventTLSAlert: level (1 warning, 2 fatal), description and its RFC
	// name ("unknown_ca"); AlertEncrypted when only its record was seen.
	AlertLevel     uint8  `json:",omitempty"`
	Alert          uint8  `json:",omitempty"`
	AlertName      string `json:",omitempty"`
	AlertEncrypted bool   `json:",omitempty"`
	// EventTLSClientCert: certificates the client sent.
	ClientCerts int `json:",omitempty"`
	// EventTLSHandshakeDone: time from the ClientHello.
	Handshake time.Duration `json:",omitempty"`
}

// DNS is one DNS query or response seen on UDP port 53.
type DNS struct {
	ID       uint16
	Response bool
	Name     string       // first question name
	QType    string       // first question type: "A", "AAAA", "CNAME"…
	Rcode    int          // response code (0 = NOERROR, 3 = NXDOMAIN)
	Answers  []netip.Addr // A/AAAA answers
	Client   netip.AddrPort
	Resolver netip.AddrPort
}
