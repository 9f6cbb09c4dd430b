package correlate

import (
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// Correlation is a pipeline of values: capture index → clock → device →
// pairs → findings. Each phase is a function that takes the values of the
// phases before it (read only) and returns its own; each can be run and
// tested alone on values built by hand. The phases' helper methods hang
// on the smallest value that holds what they read, and reach the earlier
// values through embedding:
//
//	evidence        = inputs + captureIndex       (the matcher, match.go)
//	timedEvidence   = evidence + clockEstimate    (estimateClock writes the clock)
//	deviceEvidence  = timedEvidence + deviceChoice (selectDevice writes the choice)
//	pairedEvidence  = deviceEvidence + pairing    (pairRecords writes the pairs)
//
// The findings phase is not one value: each concern is a checker given
// only the phase values it reads (none reads the clock), adding to the
// findings so far:
//
//	pairedRecords   = evidence + pairing          (which records each line caused)
//	wireCheck       = pairedRecords + deviceChoice → findings (diagnose.go, refusal.go)
//	intentCheck     = pairedRecords                → findings (intent.go)
//	logCheck        = pairedRecords + deviceChoice → findings (atside.go, connfail.go)

// inputs are the serial side as the phases read it.
type inputs struct {
	log  *at.Log
	txs  []at.Transaction // with each connect's arguments completed
	evs  []at.Event
	opts Options
}

// captureIndex is the capture's records in time order, grouped by
// connection and indexed by content.
type captureIndex struct {
	recs      []netcap.Record
	conns     map[int]*connInfo
	connOrder []int
	dns       []int            // DNS records
	byClient  map[string][]int // CONNECT records by client id
	subByID   map[uint16][]int // client SUBSCRIBE records by packet id
	unsByID   map[uint16][]int // client UNSUBSCRIBE records by packet id
	pubs      *pubIndex        // PUBLISH records by content
}

// evidence is both inputs, the capture indexed.
type evidence struct {
	*inputs
	*captureIndex
}

// clockEstimate is how the serial clock relates to the capture's.
type clockEstimate struct {
	clock  Clock
	timed  bool          // an offset is known: serial times can be placed
	offset time.Duration // serial minus capture
	spread time.Duration
	// clockAccepted are the content matches the offset rests on.
	clockAccepted []clockMatch
	// clockFindings say what the clock phase found wrong with its input
	// (a --clock-offset the content contradicts).
	clockFindings []Finding
}

type timedEvidence struct {
	evidence
	*clockEstimate
}

// deviceChoice is which connections are the device's, and why.
type deviceChoice struct {
	device      map[int]bool
	deviceConns []int
	devRecs     []int // indices of the device's records, ascending
	deviceIDs   map[string]bool
	// deviceReason explains the selection for people.
	deviceReason string
	// deviceFindings say what the choice could not decide (ambiguity).
	deviceFindings []Finding
}

type deviceEvidence struct {
	timedEvidence
	*deviceChoice
}

// pairing is which records each command and URC caused.
type pairing struct {
	used   []bool
	txRecs [][]int
	evRecs [][]int
	recTx  []int // 1-based transaction number per record, 0 if none
	recEv  []int // 1-based event number per record
	// connAttempt maps a connection to the connect transaction (index+1)
	// or connect event (-(index+1)) that opened its MQTT session.
	connAttempt map[int]int
	// statusClaimed marks closes already given to a status URC.
	statusClaimed map[int]bool
}

type pairedEvidence struct {
	deviceEvidence
	*pairing
}

// findingSet is what the findings phase concludes.
type findingSet struct {
	findings []Finding
}

// pairedRecords is the serial side, the capture and the pairs between
// them: what the findings checkers read of the pairing phase. The clock
// and the device choice are not in it; a checker that needs the device's
// connections is given the deviceChoice besides.
type pairedRecords struct {
	evidence
	*pairing
}

// wireCheck explains the device's connections from the capture: DNS
// failures, refused TCP and CONNACKs, why the broker closed, SUBACK
// failures.
type wireCheck struct {
	pairedRecords
	*deviceChoice
	*findingSet
}

// intentCheck compares what each command asked for with the packet it
// caused.
type intentCheck struct {
	pairedRecords
	*findingSet
}

// logCheck explains what the serial log shows that the capture did not
// already explain (everything, when there is no capture).
type logCheck struct {
	pairedRecords
	*deviceChoice // whether the device has connections in the capture
	*findingSet
	// connFailed lists the open/connect failures reported from the
	// module's words, in line order.
	connFailed []connFailure
}

// Analyze correlates a decoded serial log with decoded capture records.
// Either may be nil or empty: with only the log it explains the module's
// view (result codes, syntax); with only the capture it diagnoses every
// connection (or those --client-id / --device select).
func Analyze(log *at.Log, recs []netcap.Record, opts Options) *Result {
	ev := evidence{newInputs(log, opts), indexCapture(timeOrdered(recs))}
	clk := estimateClock(ev)
	dev := selectDevice(ev, clk)
	pr := pairRecords(ev, clk, dev)
	fs := diagnose(ev, clk.clockFindings, dev, pr)
	return buildResult(ev, clk, dev, pr, fs)
}

// newInputs prepares the serial side: each connect command's arguments
// completed by what earlier configure commands set.
func newInputs(log *at.Log, opts Options) *inputs {
	in := &inputs{log: log, opts: opts}
	if log != nil {
		in.txs = effectiveConnectArgs(log.Transactions)
		in.evs = log.Events
	}
	return in
}

// estimateClock is the clock phase: from --clock-offset, else from
// content matches between the log and the capture.
func estimateClock(ev evidence) *clockEstimate {
	c := &clockEstimate{}
	timedEvidence{ev, c}.estimateClock()
	socketEvidence{ev, c}.exactClock()
	return c
}

// selectDevice is the device phase: which connections are the device's.
func selectDevice(ev evidence, clk *clockEstimate) *deviceChoice {
	d := &deviceChoice{}
	deviceEvidence{timedEvidence{ev, clk}, d}.selectDevice()
	return d
}

// pairRecords is the pairing phase: the records each command and URC
// caused.
func pairRecords(ev evidence, clk *clockEstimate, dev *deviceChoice) *pairing {
	n := len(ev.recs)
	p := &pairing{used: make([]bool, n), recTx: make([]int, n), recEv: make([]int, n),
		txRecs: make([][]int, len(ev.txs)), evRecs: make([][]int, len(ev.evs)),
		connAttempt: map[int]int{}, statusClaimed: map[int]bool{}}
	pairedEvidence{deviceEvidence{timedEvidence{ev, clk}, dev}, p}.pair()
	return p
}

// diagnose is the findings phase: the wire first (it says what really
// happened), then the command's intent against the wire, then the
// module's view for what the wire cannot show. Each checker reads the
// findings of those before it, so a failure the capture explains is not
// reported again from the log. clockFindings are what the clock phase
// found wrong with its input (a contradicted --clock-offset).
func diagnose(ev evidence, clockFindings []Finding, dev *deviceChoice, pr *pairing) *findingSet {
	fs := &findingSet{}
	for _, f := range clockFindings {
		fs.add(f)
	}
	for _, f := range dev.deviceFindings {
		fs.add(f)
	}
	paired := pairedRecords{ev, pr}
	wire := &wireCheck{paired, dev, fs}
	wire.diagnoseDNS()
	for _, id := range dev.deviceConns {
		// The handshake first: a failed one explains the close after it.
		wire.diagnoseTLS(ev.conns[id])
		wire.diagnoseConn(ev.conns[id])
	}
	(&intentCheck{paired, fs}).diagnoseIntent()
	serial := &logCheck{pairedRecords: paired, deviceChoice: dev, findingSet: fs}
	serial.diagnoseCommands()
	serial.diagnoseNotOnWire()
	serial.diagnoseSockets()
	serial.diagnoseCredentials()
	return fs
}

// buildResult renders the phases' values as the Result.
func buildResult(ev evidence, clk *clockEstimate, dev *deviceChoice, pr *pairing, fs *findingSet) *Result {
	a := pairedEvidence{deviceEvidence{timedEvidence{ev, clk}, dev}, pr}
	res := &Result{
		Device:       a.deviceSummary(),
		Clock:        clk.clock,
		Transactions: a.transactionResults(),
		Events:       a.eventResults(),
		Findings:     groupFindings(fs.sortedFindings()),
	}
	markResolved(res)
	res.Timeline = a.timeline()
	if ev.opts.Redact {
		ev.redact(res)
	} else {
		maskDeviceSecret(res, ev.opts.DeviceSecret)
	}
	return res
}
