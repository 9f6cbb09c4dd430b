// Package at decodes the UART AT stream of modules' MQTT command sets:
// terminal log formats → lines → transactions (command, final result, async
// result URC) and events (URCs that answer nothing), per dialect.
package at

import "time"

// Transaction is one host command with everything the module answered.
type Transaction struct {
	// Line is the 1-based line of the sent command (for logs that record
	// what the host sent) or of its echo (module-output-only logs).
	Line    int
	Time    time.Time // zero when the log has no timestamps
	Command string    // the command as typed, e.g. AT+ECMTCONN=0,"dev1"
	Dialect string    // "ecmt", "qmt", "cmqtt", "espat", "luat", "" for plain AT
	Name    string    // command name without AT+ and arguments, e.g. "ECMTCONN"
	Op      Op        // configure, open, connect, subscribe, unsubscribe, publish, disconnect, close; "" if not MQTT
	// Args are the command's named arguments (see Arg* constants); a key
	// is absent when the command did not give that argument.
	Args      map[string]string
	Payload   []byte   // data-mode payload (after '>'), if any
	Responses []string // information responses between command and final result
	Final     string   // OK, ERROR, +CME ERROR: n, … ("" if none seen)
	FinalLine int
	FinalTime time.Time
	// Result is the asynchronous result URC that answers the command,
	// e.g. "+ECMTCONN: 0,0,5"; ResultArgs its named fields.
	Result     string
	ResultLine int
	ResultTime time.Time
	ResultArgs map[string]string
	Meaning    string // the outcome in words
	// Outcome is whether the module says the command did its job
	// (OutcomeOK, OutcomeFailed), decided by the dialect from the final
	// result and the result URC; OutcomePending while the answer is
	// still missing or does not say.
	Outcome  Outcome
	Warnings []Warning // checks on how the command was written
	// Config is the configuration in force for the command's connection
	// index (set on connect transactions).
	Config *ConnConfig
}

// Outcomes of a transaction.
const (
	OutcomeOK     Outcome = "ok"
	OutcomeFailed Outcome = "failed"
	// OutcomePending: no answer yet, or one that decides nothing (a
	// QMT "retransmitted" URC, a command cut off by the end of the log).
	OutcomePending Outcome = ""
)

// Event is a URC that answers no command: received messages, status
// changes, auto-reconnect results.
type Event struct {
	Line    int
	Time    time.Time
	Text    string
	Dialect string
	Name    string // e.g. "ECMTRECV"
	Op      Op     // receive, status, connect (auto-reconnect) …
	Args    map[string]string
	Payload []byte // for receive events
	Meaning string
}

// Warning says why a command was (or will be) refused and what to type
// instead.
type Warning struct {
	Code    string // e.g. "typographic-quote", "arg-count", "range", "length", "unescaped-comma"
	Message string
	Fix     string // the corrected command, when one can be given
}

// Named argument keys shared by all dialects.
const (
	ArgConn         = "conn" // connection / client index
	ArgHost         = "host"
	ArgPort         = "port"
	ArgClientID     = "client_id"
	ArgUsername     = "username"
	ArgPassword     = "password"
	ArgTopic        = "topic"
	ArgQoS          = "qos"
	ArgRetain       = "retain"
	ArgMsgID        = "msg_id"
	ArgPayload      = "payload"
	ArgKeepAlive    = "keepalive"
	ArgVersion      = "version" // 3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0
	ArgCleanSession = "clean_session"
	ArgWillTopic    = "will_topic"
	ArgWillPayload  = "will_payload"
	ArgWillQoS      = "will_qos"
	ArgWillRetain   = "will_retain"
	ArgOption       = "option" // configure: which setting
	ArgResult       = "result" // URC: result field
	ArgReturnCode   = "return_code"
	ArgValue        = "value"
)

// ConnConfig is what the configure commands set for one connection index,
// so a later step knows what the CONNECT should carry. Nil pointers mean
// "not configured: module default".
type ConnConfig struct {
	Version      *int
	KeepAlive    *int
	CleanSession *bool
	WillTopic    *string
	WillPayload  *string
	WillQoS      *int
	WillRetain   *bool
}

// Log is a decoded serial log.
type Log struct {
	Format       string // detected or forced log format, e.g. "sscom", "raw", "atmq"
	Dialect      string // detected or forced dialect
	TimeSource   string // where dates came from: "log", "--date", "capture", "file mtime", "none"
	Transactions []Transaction
	Events       []Event
	// Config is the configuration state per connection index at the end of
	// the log; a connect transaction carries the state in force in its own
	// Config field.
	Config map[int]ConnConfig
	// Problems are non-fatal input errors (garbled lines, binary noise…),
	// each naming the line.
	Problems []string
	// Damaged counts parts of the input that could not be read at all
	// (a malformed record, a read error), as opposed to the garbled lines
	// UARTs normally carry.
	Damaged int
	Skipped []Skipped // the damage: where and what (the first 1000)
}
