package at

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/mqtt"
)

// Dialect is one module family's MQTT AT command set: every command mapped
// to one operation with named arguments, its result URC and the words for
// every result code. Facts and their sources: docs/at-dialects.md.
type Dialect struct {
	Name  string // "ecmt", "qmt", …
	Title string // for people
	// Syntax says how strings are written (ESP-AT escapes).
	Syntax ArgSyntax
	// MaxConn is the highest connection (client) index the module takes.
	MaxConn int
	// Commands by name (without AT+), upper case.
	Commands map[string]*CommandSpec
	// URCs by name (without '+' and ':'), upper case; plain-text URCs such
	// as Luat's "CONNECT OK" are keyed by their whole text.
	URCs map[string]*URCSpec
	// Limits holds the string length limits checked on commands.
	Limits map[string]Limit
	// Defaults are what the firmware sends when not configured.
	Defaults Defaults
	// Cellular says the module reaches the broker through a mobile
	// operator's network (private LAN addresses are not routed there).
	Cellular bool
	// Fix writes the commands that fix a setting (dialect_advice.go).
	Fix Fixes
	// Notes explain failures the generic words would get wrong.
	Notes Notes
	// Failure, if set, reads a failed open or connect where the dialect's
	// codes differ from the common result/return-code form (SIMCom error
	// codes, QMT's "retransmitted"); ok false leaves it to the common
	// reading. refused says the final result refused the command.
	Failure func(op Op, args map[string]string, refused bool) (f Failure, ok bool)
	// TLSCommands are commands outside the MQTT set that set TLS up
	// (certificate upload, SSL contexts).
	TLSCommands []string
}

// Limit is a string length limit with its source.
type Limit struct {
	Max int
	// Doc is the documented limit when it differs from what the firmware
	// buffer takes (ECMT password: 96 documented, 128 in the buffer).
	Doc    int
	Source string
}

// Data modes of a command.
const (
	DataNone   = iota
	DataCtrlZ  // '>' prompt, payload ended by Ctrl-Z, ESC cancels
	DataLength // '>' prompt, exactly the declared length
)

// CommandSpec describes one command.
type CommandSpec struct {
	Name string
	Op   Op
	// Args names the positional arguments.
	Args []ArgSpec
	// MinArgs is how many arguments the command needs.
	MinArgs int
	// Options maps the first (quoted) argument of a configure command to
	// the arguments that follow it (AT+ECMTCFG="keepalive",0,120).
	Options map[string][]ArgSpec
	// Results are the names of the URCs that answer the command
	// asynchronously (or before its final result), e.g. "ECMTCONN".
	Results []string
	// Match lists the argument keys a result URC must share with the
	// command (connection index, msg id).
	Match []string
	// Data says whether the command takes a payload after '>';
	// DataWhen (if set) decides per call (payload omitted inline).
	Data int
	// DataWhen, if set, decides per call from the fields: the mode and,
	// for DataLength, the declared length (-1 when it is not a number).
	DataWhen func(fields []Field) (mode int)
	// LengthArg names the argument holding the declared payload length.
	LengthArg string
	// PayloadArg names the argument the data-mode payload fills (default payload).
	PayloadArg string
	// Stash keeps the payload under this name per connection index for a
	// later command (SIMCom CMQTTTOPIC → CMQTTPUB); Unstash copies stashed
	// values into the args.
	Stash string
	// Unstash maps stashed names to the argument they fill.
	Unstash map[string]string
	// ResultWhen, if set, says whether a result URC is expected for the
	// call (Luat AT+MPUB answers PUBACK only for QoS > 0).
	ResultWhen func(args map[string]string) bool
	// Derive adds arguments computed from the others (SIMCom's
	// "tcp://host:port" → host, port).
	Derive func(args map[string]string)
	// Meaning explains the outcome; nil uses the result URC's meaning.
	Meaning func(t *Transaction) string
	// TLS, if set, says whether the call sets TLS up for a connection.
	TLS func(args map[string]string) bool
}

// ArgSpec describes one argument.
type ArgSpec struct {
	Key      string
	Int      bool // a number
	Min, Max int  // range for numbers (Max 0: unchecked)
	// MaxLen bounds a string (see Dialect.Limits for the source).
	String bool
	Source string // where the range comes from
}

// URCSpec describes one unsolicited result code.
type URCSpec struct {
	Name   string
	Op     Op       // connect, subscribe, … for results; receive, status for events
	Fields []string // named fields, in order
	// Event marks URCs that never answer a command (received messages,
	// status changes).
	Event bool
	// PayloadFrom is the index of the field where a raw payload begins
	// (the rest of the line, quotes kept as sent); -1 for none.
	PayloadFrom int
	// Continues says the payload may go on over the following lines
	// (ECMT +ECMTRECV payload is not quoted and may hold CR/LF).
	Continues bool
	// FollowLen names the field giving the length of raw data on the
	// following lines (SIMCom +CMQTTRXTOPIC / +CMQTTRXPAYLOAD).
	FollowLen string
	FollowKey string // where the following data goes (topic, payload)
	// BlockStart/BlockEnd group URCs into one event (+CMQTTRXSTART … +CMQTTRXEND).
	BlockStart, BlockEnd bool
	// Plain marks a URC written without '+' (Luat "CONNECT OK"); it is
	// keyed by its whole text.
	Plain   bool
	Meaning func(f map[string]string) string
	// Outcome, if set, says whether the URC reports success
	// (OutcomeOK, OutcomeFailed, OutcomePending); nil reads the result
	// field (see resultOutcome).
	Outcome func(f map[string]string) Outcome
	// Status, if set, says what a status URC reports (default StatusLost).
	Status func(f map[string]string) StatusKind
	// ResultNeeds names the field without which an unsolicited URC of
	// this name is a state report, not a result ("+QMTCONN: 0,3").
	ResultNeeds string
}

var (
	dialects = map[string]*Dialect{}
	// dialectNames is sorted, so lookups across dialects are deterministic.
	dialectNames []string
)

// register adds a dialect (from init functions only).
func register(d *Dialect) {
	if err := Register(d); err != nil {
		panic(err)
	}
}

// Register adds a dialect to the registry, so log reading, live scripts
// and analysis know its commands. Call it before reading logs (from an
// init function); the registry is not guarded for concurrent changes.
func Register(d *Dialect) error {
	if d == nil || d.Name == "" || d.Name != strings.ToLower(d.Name) {
		return fmt.Errorf("at: a dialect needs a lower-case name")
	}
	if dialects[d.Name] != nil {
		return fmt.Errorf("at: dialect %q is already registered", d.Name)
	}
	dialects[d.Name] = d
	dialectNames = append(dialectNames, d.Name)
	sort.Strings(dialectNames)
	return nil
}

// Dialects lists the dialect names.
func Dialects() []string { return append([]string(nil), dialectNames...) }

// LookupDialect returns the dialect named name, or nil.
func LookupDialect(name string) *Dialect { return dialects[strings.ToLower(name)] }

// commandDialect finds the dialect owning a command name; forced limits
// the search to one dialect.
func commandDialect(name string, forced *Dialect) (*Dialect, *CommandSpec) {
	if forced != nil {
		if c := forced.Commands[name]; c != nil {
			return forced, c
		}
		return nil, nil
	}
	for _, n := range dialectNames {
		d := dialects[n]
		if c := d.Commands[name]; c != nil {
			return d, c
		}
	}
	return nil, nil
}

// urcDialect finds the dialect owning a URC name, preferring prefer.
func urcDialect(name string, forced, prefer *Dialect) (*Dialect, *URCSpec) {
	if forced != nil {
		if u := forced.URCs[name]; u != nil {
			return forced, u
		}
		return nil, nil
	}
	if prefer != nil {
		if u := prefer.URCs[name]; u != nil {
			return prefer, u
		}
	}
	for _, n := range dialectNames {
		d := dialects[n]
		if u := d.URCs[name]; u != nil {
			return d, u
		}
	}
	return nil, nil
}

// named maps fields to keys; extra fields are kept as arg6, arg7 …
func named(keys []string, fields []Field) map[string]string {
	m := make(map[string]string, len(fields))
	for i, f := range fields {
		if i < len(keys) {
			if keys[i] != "" {
				m[keys[i]] = f.Value
			}
		} else {
			m["arg"+strconv.Itoa(i+1)] = f.Value
		}
	}
	return m
}

// Words for common numeric fields.

func atoi(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return n, true
}

// connackMeaning words a result URC's CONNACK return code field
// ("refused: not authorized"); the code's words come from decode/mqtt.
func connackMeaning(s string) string {
	if n, ok := atoi(s); ok {
		if w, ok := connackWord(n); ok {
			return w
		}
	}
	if s == "" {
		return "return code"
	}
	return "return code " + s
}

func connackReason(rc int) string { return mqtt.ConnackReturnCode(byte(rc)).Reason }

// resultOutcome is the outcome of a result URC whose spec gives no
// Outcome: every dialect writes success as result 0, anything else
// numeric as failure; a URC without a result field (ECMT's and QMT's
// all carry one) reports success by being sent at all.
func resultOutcome(u *URCSpec, f map[string]string) Outcome {
	if u.Outcome != nil {
		return u.Outcome(f)
	}
	if !has(u.Fields, ArgResult) {
		return OutcomeOK
	}
	return resultFieldOutcome(f)
}

// resultFieldOutcome reads the result field: 0 success, another number
// failure, anything else (cut short, not a number) says nothing.
func resultFieldOutcome(f map[string]string) Outcome {
	n, ok := atoi(f[ArgResult])
	switch {
	case !ok:
		return OutcomePending
	case n == 0:
		return OutcomeOK
	}
	return OutcomeFailed
}

// okFailMeaning words the result of URCs that report 0 for success and
// -1 for failure (ECMT and QMT disconnect and close).
func okFailMeaning(what string) func(f map[string]string) string {
	return func(f map[string]string) string {
		switch f[ArgResult] {
		case "0":
			return what
		case "-1":
			return "failed"
		}
		return "unknown result " + f[ArgResult]
	}
}

// connackOutcome reads result and CONNACK return code of ECMT's and
// QMT's connect URCs: success needs both 0 (the return code may be
// left out).
func connackOutcome(f map[string]string) Outcome {
	o := resultFieldOutcome(f)
	if o != OutcomeOK {
		return o
	}
	if rc, ok := f[ArgReturnCode]; ok && strings.TrimSpace(rc) != "" && strings.TrimSpace(rc) != "0" {
		return OutcomeFailed
	}
	return OutcomeOK
}

// subackOutcome: result 0 with a granted QoS of 128 (0x80) is the SUBACK
// failure return code (MQTT 3.1.1 §3.9.3, [MQTT-3.9.3-2]); the broker refused.
func subackOutcome(f map[string]string) Outcome {
	o := resultFieldOutcome(f)
	if o == OutcomeOK && strings.TrimSpace(f[ArgValue]) == "128" {
		return OutcomeFailed
	}
	return o
}

func lookupWord(m map[int]string, s, unknown string) string {
	if n, ok := atoi(s); ok {
		if w, ok := m[n]; ok {
			return w
		}
	}
	if s == "" {
		return unknown
	}
	return unknown + " " + s
}

// Operations.
const (
	OpConfigure   Op = "configure"
	OpOpen        Op = "open"
	OpConnect     Op = "connect"
	OpSubscribe   Op = "subscribe"
	OpUnsubscribe Op = "unsubscribe"
	OpPublish     Op = "publish"
	OpDisconnect  Op = "disconnect"
	OpClose       Op = "close"
	OpReceive     Op = "receive"
	OpStatus      Op = "status"
)
