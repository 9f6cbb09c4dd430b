// Package correlate pairs a module's AT transactions with the MQTT packets
// and TCP/DNS events they caused and explains why a session fails. It knows
// no file formats: it takes decoded values (decode/at, decode/netcap) and
// returns one Result that every output format renders.
package correlate

import "time"

// Options steer the analysis; the zero value lets everything be inferred.
type Options struct {
	// ClientID forces the device's MQTT client id (overrides the connect
	// commands' one when choosing the device's connections).
	ClientID string
	// Device forces the device's address: "IP" or "IP:port" of the
	// connection's client side as the capture shows it.
	Device string
	// ClockOffset, when set, is the serial clock minus the capture clock
	// and replaces the estimate.
	ClockOffset *time.Duration
	// Redact replaces passwords (as typed and as sent) in every output
	// string by a placeholder naming their length.
	Redact bool
}

// Severity of a finding.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Result is everything Analyze found. Its JSON form is the document
// `atmq analyze --json` prints; Timeline feeds the table and Mermaid
// renderers.
type Result struct {
	Device       Device        `json:"device"`
	Clock        Clock         `json:"clock"`
	Transactions []Transaction `json:"transactions"`
	Events       []Event       `json:"events"`
	Findings     []Finding     `json:"findings"`
	Input        []Skipped     `json:"input"` // input that could not be used (input.go)
	// Timeline merges the serial lanes and the device's network records
	// in time (or, for logs without timestamps, pairing) order.
	Timeline []Row `json:"-"`
}

// HasErrors reports whether any finding has error severity.
func (r *Result) HasErrors() bool {
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Device says which connections of the capture are the device's and why.
type Device struct {
	ClientID    string       `json:"client_id"`
	Address     string       `json:"address,omitempty"` // client IP as the capture shows it
	Server      string       `json:"server,omitempty"`  // broker address:port
	Connections []Connection `json:"connections"`
	Reason      string       `json:"reason"`
}

// Connection is one TCP connection attributed to the device.
type Connection struct {
	Conn       int    `json:"conn"`
	Client     string `json:"client"`
	Server     string `json:"server"`
	ClientID   string `json:"client_id,omitempty"`
	FirstFrame int    `json:"first_frame"`
	LastFrame  int    `json:"last_frame"`
}

// Clock relates the serial log's clock to the capture's.
type Clock struct {
	// OffsetSeconds is serial time minus capture time.
	OffsetSeconds float64 `json:"offset_seconds"`
	// Method: "override" (--clock-offset), "content" (estimated from
	// content matches), "order" (no usable timestamps: matched by order
	// and content alone), "none" (nothing to relate).
	Method string `json:"method"`
	// Matches is how many commands/URCs agreed on the offset; Outliers how
	// many candidate content matches (another client's identical payload,
	// a reused client id) were rejected as inconsistent with it.
	Matches  int `json:"matches"`
	Outliers int `json:"outliers"`
	// SpreadSeconds is the largest deviation of an accepted match from
	// the offset (module latency and timestamp resolution show up here).
	SpreadSeconds float64 `json:"spread_seconds"`
	// SerialTimeSource says where the serial log's dates came from (the
	// decoder's TimeSource: "log", "--date", "capture", "file mtime", "none").
	SerialTimeSource string `json:"serial_time_source,omitempty"`
	Explanation      string `json:"explanation"`
}

// Transaction is one AT command with the frames it caused.
type Transaction struct {
	Line       int        `json:"line"`
	Time       *time.Time `json:"time"`
	Command    string     `json:"command"`
	Op         string     `json:"op"`
	Final      string     `json:"final"`
	Result     string     `json:"result"`
	ResultLine int        `json:"result_line"`
	// Outcome is the module's verdict on the command as its dialect reads
	// the answers: "ok", "failed", or "" (no answer yet, or one that
	// decides nothing).
	Outcome string `json:"outcome"`
	// Frames lists every frame of the packets and TCP/DNS events paired
	// with the command, ascending.
	Frames  []int    `json:"frames"`
	Latency *Latency `json:"latency_ms"`
}

// Latency is the module's delay both ways, in milliseconds, measured on
// the capture's clock after applying the offset.
type Latency struct {
	// CommandToWire: command sent on the UART → first paired frame.
	CommandToWire *float64 `json:"command_to_wire,omitempty"`
	// WireToResult: last paired frame → result URC on the UART.
	WireToResult *float64 `json:"wire_to_result,omitempty"`
}

// Event is a URC that answers no command, with the frames that caused it.
type Event struct {
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Op     string `json:"op"`
	Frames []int  `json:"frames"`
}

// Finding is one diagnosis with its evidence and a fix.
type Finding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	// Line is the serial line of the command (or URC) it is about; 0 when
	// there is none.
	Line int `json:"line"`
	// Lines lists every serial line when one finding stands for the same
	// cause on several lines (Line is the first); empty otherwise.
	Lines  []int `json:"lines,omitempty"`
	Frames []int `json:"frames"`
	// ConnackCode is the CONNACK return code (3.x) or reason code (5.0).
	ConnackCode *int   `json:"connack_code,omitempty"`
	Summary     string `json:"summary"`
	Explanation string `json:"explanation"`
	Fix         string `json:"fix"`
}

// Lanes of the timeline.
const (
	LaneHostToModule = "host→module"
	LaneModuleToHost = "module→host"
	LaneNetwork      = "network"
)

// Row is one line of the timeline.
type Row struct {
	// Time is on the capture's clock (serial times are shifted by the
	// offset); zero when unknown.
	Time time.Time
	Lane string
	// Tx is the 1-based transaction number the row belongs to; Event the
	// 1-based event number; 0 when neither.
	Tx    int
	Event int
	Line  int // serial line, 0 for network rows
	Frame int // frame number, 0 for serial rows
	Conn  int // TCP connection number for network rows
	// FromClient tells, for network rows, the direction (device → broker).
	FromClient bool
	Text       string
}
