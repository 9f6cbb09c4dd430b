package correlate

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
)

// DefaultSessionItems bounds how many transactions, events and network
// records a Session analyses at once when SessionOptions.MaxItems is 0.
const DefaultSessionItems = 5000

// DefaultLiveWindow is how far back a live view analyses: a command and
// the packets it caused lie within seconds of each other, and a minute
// of a busy module is a few thousand items.
const DefaultLiveWindow = time.Minute

// SessionOptions steer a Session.
type SessionOptions struct {
	Options
	// Serial decodes the chunks given to AddSerial (dialect; the format is
	// atmq's own, chunks carry their direction and time).
	Serial at.Options
	// Window, when set, settles what lies more than Window behind the
	// newest data of its side (serial or network): a live view keeps only
	// the last minutes in the analysis. 0: no time window.
	Window time.Duration
	// MaxItems bounds the transactions, events and records analysed at
	// once; past it the oldest are settled. 0: DefaultSessionItems.
	MaxItems int
	// KeepSettled keeps what is settled (its result values, not the
	// decoded input) so Close returns the result of the whole session, as
	// `atmq analyze` prints it; live leaves it off and writes the settled
	// part to SettledTo.
	KeepSettled bool
	// LeaveOutOthers leaves out the packets of connections whose CONNECT
	// names a client id the device does not use (their CONNECT, CONNACK
	// and DISCONNECT stay), as Collector does past its limit: a live
	// broker-side capture then costs what the device sends. Analyze's
	// callers give the capture through a Collector instead.
	LeaveOutOthers bool
	// OnSettled, when set, is called with each settled transaction,
	// event, timeline row and finding (see Spill).
	OnSettled func(SettledLine)
	// SettledTo, when set, receives each settled transaction, event,
	// timeline row and finding as one JSON line (see SettledLine).
	SettledTo io.Writer
}

// SettledLine is one line SettledTo receives: exactly one of the values is
// set. N is the transaction's or event's number in the session (T<n>,
// E<n>).
type SettledLine struct {
	N           int          `json:"n,omitempty"`
	Transaction *Transaction `json:"transaction,omitempty"`
	Event       *Event       `json:"event,omitempty"`
	Row         *Row         `json:"row,omitempty"`
	Finding     *Finding     `json:"finding,omitempty"`
}

// Session correlates a serial stream and network records incrementally:
// add serial bytes (AddSerial, ReadSerial) and network records (AddRecord)
// as they come and ask for the current result (Result) at any time. It
// analyses a window of the newest items: once a transaction, event or
// record lies behind the window (SessionOptions.Window, MaxItems) its rows
// and findings are final, so they are settled — handed to SettledTo (or
// kept compactly with KeepSettled) and dropped from memory — and each
// update costs what the window holds, not what the session saw. The
// commands and packets that open a connection (open, connect, CONNECT,
// CONNACK) stay in the window as context after they are settled, so the
// device and its configuration stay known for hours.
//
// A Session is safe for use by several goroutines.
type Session struct {
	mu   sync.Mutex
	opts SessionOptions

	parser *at.Parser // AddSerial's stream; nil until the first chunk

	txs  []*sessionTx
	evs  []*sessionEv
	recs []sessionRec
	nTx  int // transactions numbered so far
	nEv  int

	serialSeen bool
	format     string
	timeSource string
	dialects   map[string]int
	problems   []string
	damaged    int

	newestSerial  time.Time
	newestCapture time.Time

	findings  findingsAcc
	conns     map[int]Connection // the device's connections in settled windows
	goodClock *Clock             // the last clock estimated from content

	// Other clients' packets are left out once their CONNECT shows a
	// client id that is not the device's, as Collector leaves them out.
	ports     []uint16 // broker ports the open and connect commands named
	ids       map[string]bool
	otherConn map[int]bool
	leftOut   int

	kept      *Result // settled part, with KeepSettled
	settleErr error
	changed   bool
	last      *Result
}

type sessionTx struct {
	t *at.Transaction
	n int // 1-based number in the session
	// context: already settled, kept only so later windows know the
	// connection it opened.
	context bool
}

type sessionEv struct {
	e       *at.Event
	n       int
	context bool
}

type sessionRec struct {
	r       netcap.Record
	context bool
}

// NewSession starts an empty session.
func NewSession(opts SessionOptions) (*Session, error) {
	if opts.Serial.Dialect != "" && at.LookupDialect(opts.Serial.Dialect) == nil {
		_, err := at.NewParser(opts.Serial) // names the known dialects
		return nil, err
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = DefaultSessionItems
	}
	s := &Session{opts: opts, dialects: map[string]int{}, conns: map[int]Connection{},
		ids: map[string]bool{}, otherConn: map[int]bool{}}
	if opts.ClientID != "" {
		s.ids[opts.ClientID] = true
	}
	return s, nil
}

// AddSerial feeds one chunk of a live serial stream (atmq's own chunks:
// direction, time, line in serial.atmq).
func (s *Session) AddSerial(c record.SerialChunk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parser == nil {
		opts := s.opts.Serial
		opts.Format = "atmq"
		p, err := at.NewParser(opts)
		if err != nil {
			return // NewSession checked the dialect
		}
		s.parser = p
		s.format = "atmq"
	}
	s.serialSeen = true
	if !c.Time.IsZero() {
		s.timeSource = "log"
		if c.Time.After(s.newestSerial) {
			s.newestSerial = c.Time
		}
	}
	s.parser.Chunk(c)
	s.takeFrom(s.parser)
}

// ReadSerial decodes a whole serial log (format detected unless opts
// names it) into the session, settling as it goes so a log of millions of
// lines is not held whole. The Log returned carries the log's format,
// dialect, time source, problems and damage, but no transactions.
func (s *Session) ReadSerial(r io.Reader, opts at.Options) (*at.Log, error) {
	if opts.Dialect == "" {
		opts.Dialect = s.opts.Serial.Dialect
	}
	log, err := at.StreamLog(r, opts, func(p *at.Parser) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.takeFrom(p)
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serialSeen = true
	s.format, s.timeSource = log.Format, log.TimeSource
	s.problems = append(s.problems, log.Problems...)
	s.damaged += log.Damaged
	// What the parser closed at the end of the log.
	for i := range log.Transactions {
		s.addTx(&log.Transactions[i])
	}
	for i := range log.Events {
		s.addEv(&log.Events[i])
	}
	s.bound()
	return log, nil
}

// takeFrom moves what p decoded into the window.
func (s *Session) takeFrom(p *at.Parser) {
	txns, events := p.Take()
	if len(txns) == 0 && len(events) == 0 {
		return
	}
	for _, t := range txns {
		s.addTx(t)
	}
	for _, e := range events {
		s.addEv(e)
	}
	s.bound()
}

func (s *Session) addTx(t *at.Transaction) {
	s.nTx++
	s.txs = append(s.txs, &sessionTx{t: t, n: s.nTx})
	if t.Op == at.OpOpen || t.Op == at.OpConnect {
		if p, err := strconv.Atoi(strings.TrimSpace(t.Args[at.ArgPort])); err == nil && p > 0 && p <= 65535 &&
			!slices.Contains(s.ports, uint16(p)) && len(s.ports) < maxContextConns {
			s.ports = append(s.ports, uint16(p))
		}
	}
	if t.Op == at.OpConnect && s.opts.ClientID == "" {
		if cid, ok := t.Args[at.ArgClientID]; ok && len(s.ids) < maxContextConns {
			s.ids[cid] = true
		}
	}
	if t.Dialect != "" {
		s.dialects[t.Dialect]++
	}
	if t.Time.After(s.newestSerial) {
		s.newestSerial = t.Time
	}
	s.changed = true
}

func (s *Session) addEv(e *at.Event) {
	s.nEv++
	s.evs = append(s.evs, &sessionEv{e: e, n: s.nEv})
	if e.Time.After(s.newestSerial) {
		s.newestSerial = e.Time
	}
	s.changed = true
}

// AddRecord feeds one decoded network record, in capture order.
func (s *Session) AddRecord(r netcap.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.otherClient(r) {
		s.leftOut++
		return
	}
	s.recs = append(s.recs, sessionRec{r: r})
	if r.Time.After(s.newestCapture) {
		s.newestCapture = r.Time
	}
	s.changed = true
	s.bound()
}

// otherClient says r is a packet of another client's connection that
// the analysis does not read: a CONNECT named a client id the device
// does not use (its CONNECT, CONNACK and DISCONNECT are kept, to compare
// the device with the clients the broker accepted and see takeovers).
func (s *Session) otherClient(r netcap.Record) bool {
	if !s.opts.LeaveOutOthers || r.Kind != netcap.KindPacket || r.Packet == nil || r.Conn == 0 || len(s.ids) == 0 {
		return false
	}
	switch r.Packet.Type {
	case mqtt.CONNECT:
		if s.ids[r.Packet.ClientID] {
			delete(s.otherConn, r.Conn)
		} else if len(s.otherConn) < 1<<16 {
			s.otherConn[r.Conn] = true
		}
		return false
	case mqtt.CONNACK, mqtt.DISCONNECT:
		return false
	}
	return s.otherConn[r.Conn]
}

// Ports are the TCP ports the module's open and connect commands named
// so far, in order: where its broker listens.
func (s *Session) Ports() []uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint16(nil), s.ports...)
}

// Log is the serial side of the window as a decoded log (for a Collector
// choosing which capture records to keep).
func (s *Session) Log() *at.Log {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := &at.Log{Format: s.format, Dialect: s.majorityDialect(), TimeSource: s.timeSource}
	for _, x := range s.txs {
		log.Transactions = append(log.Transactions, *x.t)
	}
	for _, x := range s.evs {
		log.Events = append(log.Events, *x.e)
	}
	return log
}

// LeftOut is how many packets of other clients' connections were left
// out of the analysis.
func (s *Session) LeftOut() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leftOut
}

// Changed reports whether anything arrived since the last Result.
func (s *Session) Changed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Result analyses the window and settles what has fallen behind it. The
// result holds the window's transactions, events and timeline rows (their
// T<n>/E<n> numbered in the whole session), every finding so far, and the
// device's connections so far.
func (s *Session) Result() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.changed && s.last != nil {
		return s.last
	}
	s.changed = false
	w := s.analyzeWindow()
	s.settle(w, false)
	s.last = s.view(w)
	return s.last
}

// Close ends the serial stream (a command still waiting is closed) and
// returns the final result: with KeepSettled the whole session's, else
// the window's, as Result.
func (s *Session) Close() *Result {
	s.mu.Lock()
	if s.parser != nil {
		log := s.parser.Close()
		s.problems = append(s.problems, log.Problems...)
		if log.TimeSource != "" && s.timeSource == "" {
			s.timeSource = log.TimeSource
		}
		for i := range log.Transactions {
			s.addTx(&log.Transactions[i])
		}
		for i := range log.Events {
			s.addEv(&log.Events[i])
		}
		s.parser = nil
	}
	s.changed = true
	s.mu.Unlock()
	res := s.Result()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.opts.KeepSettled || s.kept == nil {
		return res
	}
	whole := *res
	whole.Transactions = append(s.kept.Transactions, res.Transactions...)
	whole.Events = append(s.kept.Events, res.Events...)
	whole.Timeline = append(s.kept.Timeline, res.Timeline...)
	return &whole
}

// Problems are the serial decoder's notes on the input so far (garbled
// lines, binary noise), each naming the line, for streams fed through
// AddSerial; ReadSerial returns its log's.
func (s *Session) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// SettleError is the first error writing to SettledTo (the session goes on
// without writing more).
func (s *Session) SettleError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settleErr
}

// writeSettled writes one settled value to SettledTo.
func (s *Session) writeSettled(l SettledLine) {
	if s.opts.OnSettled != nil {
		s.opts.OnSettled(l)
	}
	if s.opts.SettledTo == nil || s.settleErr != nil {
		return
	}
	b, err := json.Marshal(l)
	if err == nil {
		b = append(b, '\n')
		_, err = s.opts.SettledTo.Write(b)
	}
	if err != nil {
		s.settleErr = err
	}
}
