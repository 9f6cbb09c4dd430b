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
//	analysis        = pairedEvidence + findingSet (diagnose writes the findings)

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
	// connFailed lists the open/connect failures reported from the
	// module's words, in line order.
	connFailed []connFailure
}

// analysis is the findings phase at work: it reads the earlier phases'
// values and writes only its findings.
type analysis struct {
	pairedEvidence
	*findingSet
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
	fs := diagnose(ev, clk, dev, pr)
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
// happened), then the module's view for what the wire cannot show.
func diagnose(ev evidence, clk *clockEstimate, dev *deviceChoice, pr *pairing) *findingSet {
	fs := &findingSet{}
	for _, f := range dev.deviceFindings {
		fs.add(f)
	}
	a := &analysis{pairedEvidence{deviceEvidence{timedEvidence{ev, clk}, dev}, pr}, fs}
	a.diagnose()
	return fs
}

// buildResult renders the phases' values as the Result.
func buildResult(ev evidence, clk *clockEstimate, dev *deviceChoice, pr *pairing, fs *findingSet) *Result {
	a := &analysis{pairedEvidence{deviceEvidence{timedEvidence{ev, clk}, dev}, pr}, fs}
	res := &Result{
		Device:       a.deviceSummary(),
		Clock:        a.clock,
		Transactions: a.transactionResults(),
		Events:       a.eventResults(),
		Findings:     groupFindings(a.sortedFindings()),
	}
	res.Timeline = a.timeline()
	if ev.opts.Redact {
		a.redact(res)
	} else {
		maskDeviceSecret(res, ev.opts.DeviceSecret)
	}
	return res
}
