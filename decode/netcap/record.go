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
	EventDNS           = "DNS"
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
