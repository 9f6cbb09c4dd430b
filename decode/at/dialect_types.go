package at

import "strconv"

// The typed values a dialect answers with, so consumers compare named
// values instead of strings they spell themselves.

// Op is the MQTT operation a command or URC stands for (OpConnect, …);
// "" for commands that are not MQTT.
type Op string

func (o Op) String() string { return string(o) }

// IsAttempt reports whether the operation opens the connection or the
// MQTT session: a failure of it is the session's failure.
func (o Op) IsAttempt() bool { return o == OpOpen || o == OpConnect }

// Outcome is whether the module says a command did its job (OutcomeOK,
// OutcomeFailed) or has not said yet (OutcomePending).
type Outcome string

func (o Outcome) String() string {
	if o == OutcomePending {
		return "pending"
	}
	return string(o)
}

// MQTTVersion is an MQTT protocol level as the CONNECT carries it
// (3 = 3.1, 4 = 3.1.1, 5 = 5.0); 0 when unknown.
type MQTTVersion int

// MQTT protocol levels.
const (
	MQTTUnknown MQTTVersion = 0
	MQTT31      MQTTVersion = 3
	MQTT311     MQTTVersion = 4
	MQTT5       MQTTVersion = 5
)

// String names the version for people: "3.1", "3.1.1", "5.0", or
// "level N" for a level MQTT does not define.
func (v MQTTVersion) String() string {
	switch v {
	case MQTT31:
		return "3.1"
	case MQTT311:
		return "3.1.1"
	case MQTT5:
		return "5.0"
	}
	return "level " + strconv.Itoa(int(v))
}

// Defaults are what a dialect's firmware sends when no configure command
// set otherwise; zero values mean "not known".
type Defaults struct {
	// Version is the protocol level the CONNECT carries by default.
	Version MQTTVersion
	// KeepAlive is the default keepalive in seconds.
	KeepAlive int
}
