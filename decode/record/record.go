// Package record holds the plain records that cross package boundaries:
// what a serial source (file or live port) and a network source (file or
// live interface) produce before any decoding. Live capture and the offline
// readers produce exactly these, so both share one path through decode and
// correlate.
package record

import "time"

// Direction says which way serial bytes travelled on the UART.
type Direction int8

const (
	DirUnknown      Direction = iota // the log does not say (raw terminal logs)
	DirHostToModule                  // MCU or terminal → module (commands, payloads)
	DirModuleToHost                  // module → MCU (echo, responses, URCs)
)

func (d Direction) String() string {
	switch d {
	case DirHostToModule:
		return "host→module"
	case DirModuleToHost:
		return "module→host"
	}
	return "unknown"
}

// SerialChunk is a run of bytes seen on the UART in one direction.
// Time is zero when the source carries no timestamps.
type SerialChunk struct {
	Time time.Time
	Dir  Direction
	Data []byte
	// Line is the 1-based line number (lines end at LF, as grep -n counts)
	// in the source file where Data begins; 0 for live sources.
	Line int
}

// Frame is one link-layer frame as read from a capture file or interface.
type Frame struct {
	Number    int       // 1-based, as Wireshark numbers frames
	Time      time.Time // capture timestamp
	LinkType  int       // pcap LINKTYPE_* value
	Data      []byte    // captured bytes (may be shorter than OrigLen)
	OrigLen   int       // length on the wire
	Interface int       // pcapng interface index (0 for classic pcap)
}
