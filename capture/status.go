package capture

import (
	"fmt"
	"time"
)

// StatusKind classifies a Status event.
type StatusKind int

const (
	StatusInfo      StatusKind = iota // something worth telling the user (pty path, script progress)
	StatusUnplugged                   // a serial port went away; the source keeps polling for it
	StatusReopened                    // a serial port that went away is back and being read again
	StatusWarning                     // something was lost or skipped (bytes not deliverable while unplugged)
)

func (k StatusKind) String() string {
	switch k {
	case StatusUnplugged:
		return "unplugged"
	case StatusReopened:
		return "reopened"
	case StatusWarning:
		return "warning"
	}
	return "info"
}

// Status is an event about a source itself, not about the traffic: the
// live view prints it and goes on.
type Status struct {
	Time time.Time
	Kind StatusKind
	Port string // the serial port (or interface) it concerns, if any
	Msg  string // complete sentence for the user
	Err  error  // the underlying error, if any
}

func (s Status) String() string {
	if s.Err != nil {
		return fmt.Sprintf("%s (%v)", s.Msg, s.Err)
	}
	return s.Msg
}
