package at

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/atmq/atmq/decode/record"
)

// Bounds on what the engine keeps while it waits, so hostile or endless
// input cannot grow memory without end.
const (
	maxAwaiting  = 64  // commands waiting for their result URC
	maxResponses = 256 // information responses kept per command
	maxFields    = 64  // fields parsed per command or URC
)

// txnState is a transaction with what the engine needs while it is open.
type txnState struct {
	t         *Transaction
	d         *Dialect
	spec      *CommandSpec
	fields    []Field
	query     bool // read or test form: AT+X? AT+X=?
	data      int  // DataNone, DataCtrlZ, DataLength
	length    int  // declared length for DataLength
	prompted  bool // the module printed '>'
	resulted  bool
	cancelled bool // the payload was cancelled with ESC
	okFirst   bool // OK came before the prompt (ESP-AT MQTTPUBRAW)
}

// engine turns lines into transactions and events, incrementally: every
// line is handled when it arrives, so live capture and files share it.
type engine struct {
	forced   *Dialect
	split    *Splitter
	hostSeen bool
	pending  *txnState
	echoSeen bool
	awaiting []*txnState
	txns     []*Transaction
	events   []*Event
	cont     *Event // receive event whose unquoted payload may go on
	contBase int    // its payload's length on the URC's own line
	block    *Event // SIMCom +CMQTTRXSTART … +CMQTTRXEND
	follow   *followData
	stash    map[string]string // dialect/conn/key → value
	config   map[int]*ConnConfig
	counts   map[string]int // commands per dialect, for detection
	wrap     unwrapper      // pasted and wrapped lines
	problems []string
	sock     sockState // socket dialects (sockengine.go)

	onTransaction func(*Transaction)
	onEvent       func(*Event)
}

func newEngine(forced *Dialect, split *Splitter) *engine {
	return &engine{forced: forced, split: split, stash: map[string]string{},
		config: map[int]*ConnConfig{}, counts: map[string]int{}, sock: sockState{mux: -1}}
}

func (e *engine) problem(format string, a ...any) {
	if len(e.problems) < 1000 {
		e.problems = append(e.problems, fmt.Sprintf(format, a...))
	} else if len(e.problems) == 1000 {
		e.problems = append(e.problems, "more problems not listed")
	}
}

// majority is the dialect most commands belonged to.
func (e *engine) majority() *Dialect {
	if e.forced != nil {
		return e.forced
	}
	best, n := "", 0
	for _, name := range dialectNames {
		if c := e.counts[name]; c > n {
			best, n = name, c
		}
	}
	return dialects[best]
}

// Line handles one line.
func (e *engine) Line(l Line) {
	if l.Dir == record.DirHostToModule {
		e.hostSeen = true
	}
	switch l.Kind {
	case KindNoise:
		e.noise(l)
		return
	case KindPayload:
		if l.Dir == record.DirModuleToHost {
			e.sockData(l)
			return
		}
		e.payload(l)
		return
	case KindBlank:
		e.blank()
		return
	}
	raw := string(l.Text)
	if n := garbagePrefix(raw); n > 0 {
		e.problem("line %d: %d bytes of binary noise before %q dropped", l.Line, n, clip(raw[n:], 40))
		raw = raw[n:]
	}
	text, mark := e.wrap.clean(raw, l.Dir == record.DirHostToModule)
	if rest := e.wrap.echoRest; rest != "" {
		e.wrap.echoRest = ""
		if text == rest {
			return // the second half of a cut echo
		}
	}
	if l.Dir == record.DirUnknown && isCommand(text) {
		dir, echo := e.wrappedCommandSide(text, mark, l.Line, l.Time)
		if echo {
			e.echoSeen = true
			return
		}
		l.Dir = dir
		e.wrap.cmdFences = e.wrap.fences
	}
	if e.unwrapped(text, l) {
		return
	}
	if text == "" {
		e.blank()
		return
	}
	if l.Dir == record.DirHostToModule {
		e.hostLine(text, l)
		return
	}
	e.moduleLine(text, l)
}

// noise salvages a command, final or URC after leading garbage (a boot
// ROM at another baud rate often runs into the first real line).
func (e *engine) noise(l Line) {
	s := string(l.Text)
	for _, marker := range []string{"AT+", "+", "OK", "ERROR"} {
		if i := strings.LastIndex(s, marker); i > 0 && !isNoise([]byte(s[i:])) {
			e.problem("line %d: %d bytes of binary noise before %q dropped", l.Line, i, clip(s[i:], 40))
			l.Text = []byte(s[i:])
			l.Kind = KindText
			e.Line(l)
			return
		}
	}
	e.problem("line %d: binary noise (%d bytes) ignored", l.Line, len(l.Text))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (e *engine) blank() {
	e.endCont()
}

// payload takes the host's data-mode bytes.
func (e *engine) payload(l Line) {
	p := e.pending
	if p == nil || p.data == DataNone {
		e.problem("line %d: data-mode bytes with no command waiting for them", l.Line)
		return
	}
	if l.End == EndESC {
		// ESC cancels: the module answers OK and sends nothing
		// (EC616-SRC mqttPUBInputData).
		p.cancelled = true
		p.t.Payload = nil
		return
	}
	if len(p.t.Payload)+len(l.Text) <= MaxLine {
		p.t.Payload = append(p.t.Payload, l.Text...)
	}
	// Some commands end with the payload (declared length): give it to
	// the args now, so a live reader sees it before the final result.
	e.fillPayload(p)
}

func (e *engine) fillPayload(p *txnState) {
	key := ArgPayload
	if p.spec != nil && p.spec.PayloadArg != "" {
		key = p.spec.PayloadArg
	}
	if p.t.Args == nil {
		p.t.Args = map[string]string{}
	}
	p.t.Args[key] = string(p.t.Payload)
	if p.spec != nil && p.spec.Stash != "" {
		if len(e.stash) >= 64 {
			clear(e.stash) // only a handful of indexes are real
		}
		e.stash[stashKey(p.d, p.t.Args[ArgConn], p.spec.Stash)] = string(p.t.Payload)
	}
}

func stashKey(d *Dialect, conn, key string) string {
	name := ""
	if d != nil {
		name = d.Name
	}
	return name + "/" + conn + "/" + key
}

func (e *engine) hostLine(text string, l Line) {
	if isCommand(text) {
		e.command(text, l)
		return
	}
	// Bytes the host sent without a line end (a payload whose prompt is
	// not in the log) run into the next command: split them off.
	if i := indexATPlus(text); i > 0 {
		e.hostLine(strings.TrimSpace(text[:i]), l)
		e.command(text[i:], l)
		return
	}
	// Text typed after the prompt without Ctrl-Z reaching the log.
	if p := e.pending; p != nil && p.prompted {
		if len(p.t.Payload)+len(text) <= MaxLine {
			p.t.Payload = append(p.t.Payload, text...)
		}
		return
	}
	e.problem("line %d: host sent %q, which is no AT command", l.Line, clip(text, 40))
}

func (e *engine) moduleLine(text string, l Line) {
	if head, tail, ok := splitGlued(text); ok {
		e.moduleLine(head, l)
		e.moduleLine(tail, l)
		return
	}
	if f := e.follow; f != nil {
		if len(f.buf) > 0 {
			f.buf = append(f.buf, '\r', '\n')
		}
		f.buf = append(f.buf, text...)
		f.remaining -= len(text) + 2 // the line's CR LF
		if f.remaining <= 0 || len(f.buf) >= MaxLine {
			e.endFollow()
		}
		return
	}
	if e.sockLine(text, l) {
		return
	}
	_, isFinal := parseFinal(text)
	_, _, isURC := parseURC(text)
	if c := e.cont; c != nil {
		if len(c.Payload)+len(text) > MaxLine {
			e.problem("line %d: received payload longer than %d bytes; the rest is taken as other lines", l.Line, MaxLine)
		} else if !isFinal && !isURC && !isCommand(text) && !e.isPlainURC(text) {
			c.Payload = append(append(c.Payload, '\n'), text...)
			return
		}
		e.endCont()
	}
	p := e.pending
	// Module-only logs: what follows the prompt is the echoed payload, up
	// to its declared length, and never a line that is clearly the next
	// command (a payload shorter than announced must not swallow it).
	if p != nil && p.prompted && !isFinal && !e.hostSeen && !(p.okFirst && isURC) &&
		!p.payloadComplete() && !clearlyCommand(text) && !e.knownURC(text) {
		if len(p.t.Payload) > 0 {
			p.t.Payload = append(p.t.Payload, '\n')
		}
		if len(p.t.Payload)+len(text) <= MaxLine {
			p.t.Payload = append(p.t.Payload, text...)
		}
		return
	}
	if p != nil && !p.prompted && p.data != DataNone && strings.HasPrefix(text, ">") {
		p.prompted = true
		if e.hostSeen {
			if p.data == DataLength && p.length > 0 {
				e.split.SetDataMode(p.length)
			} else if p.data == DataCtrlZ {
				e.split.SetDataMode(DataModeCtrlZ)
			}
		}
		if rest := strings.TrimSpace(text[1:]); rest != "" && !e.hostSeen {
			p.t.Payload = append(p.t.Payload, rest...)
		}
		return
	}
	if isCommand(text) {
		if p != nil && !e.echoSeen && p.t.Final == "" && (sameCommand(text, p.t.Command) || l.Dir == record.DirModuleToHost) {
			// The module never sends commands: in a log that shows both
			// directions an AT line from the module is the echo, even
			// when a bit was garbled on the way.
			if !sameCommand(text, p.t.Command) {
				e.problem("line %d: echo %q differs from the command sent on line %d", l.Line, clip(text, 40), p.t.Line)
			}
			e.echoSeen = true
			return
		}
		e.command(text, l)
		return
	}
	if final, ok := parseFinal(text); ok {
		e.final(final, l)
		return
	}
	if name, args, ok := parseURC(text); ok {
		e.urc(name, args, text, l)
		return
	}
	if e.isPlainURC(text) {
		e.urc(strings.ToUpper(text), "", text, l)
		return
	}
	if p != nil {
		e.response(p, text)
		return
	}
	// Anything else outside a command (boot banners, a reader's notes,
	// "# …" comments in saved logs) answers nothing we track.
}

func (e *engine) response(p *txnState, text string) {
	if len(p.t.Responses) < maxResponses {
		p.t.Responses = append(p.t.Responses, text)
	}
}

// isPlainURC says text is a URC without '+' of a dialect in use (Luat
// "CONNECT OK", "CONNACK OK", "CLOSED").
func (e *engine) isPlainURC(text string) bool {
	if len(text) > 32 {
		return false
	}
	key := strings.ToUpper(text)
	if d := e.forced; d != nil {
		u := d.URCs[key]
		return u != nil && u.Plain
	}
	for _, n := range dialectNames {
		if u := dialects[n].URCs[key]; u != nil && u.Plain {
			return true
		}
	}
	return false
}

// sameCommand compares a command with its echo.
func sameCommand(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// command starts a transaction.
func (e *engine) command(text string, l Line) {
	if p := e.pending; p != nil {
		e.close(p)
	}
	e.echoSeen = l.Dir != record.DirHostToModule // a module-side line is its own echo
	e.endCont()
	e.endFollow()
	e.split.SetDataMode(0)
	name, form, argText := parseCommand(text)
	t := &Transaction{Line: l.Line, Time: l.Time, Command: text, Name: name}
	p := &txnState{t: t, query: form == formRead || form == formTest}
	d, spec := commandDialect(name, e.forced)
	syn := ArgSyntax{}
	if d != nil {
		syn = d.Syntax
		t.Dialect = d.Name
		e.counts[d.Name]++
	}
	var fields []Field
	if form == formSet || (form == formAction && argText != "") {
		fields = ParseArgs(argText, syn, maxFields)
	}
	p.fields = fields
	if spec != nil && !p.query {
		p.d, p.spec = d, spec
		t.Op = spec.Op
		specs := argSpecs(spec, fields)
		p.data = spec.Data
		if spec.DataWhen != nil {
			p.data = spec.DataWhen(fields)
		}
		if p.data == DataLength && spec.LengthArg != "" {
			// The argument holds the payload's declared length.
			if i := indexOf(specs, spec.LengthArg); i >= 0 {
				specs = append([]ArgSpec(nil), specs...)
				specs[i] = ArgSpec{Key: "length", Int: true, Min: 1, Max: MaxLine}
				if i < len(fields) {
					p.length, _ = atoi(fields[i].Value)
				}
			}
		}
		t.Args = named(keysOf(specs), fields)
		for from, to := range spec.Unstash {
			// SIMCom clears the topic and payload buffers once they are used.
			k := stashKey(d, t.Args[ArgConn], from)
			if v, ok := e.stash[k]; ok {
				if _, given := t.Args[to]; !given {
					t.Args[to] = v
				}
				delete(e.stash, k)
			}
		}
		if spec.Derive != nil {
			spec.Derive(t.Args)
		}
		t.Warnings = checkCommand(d, spec, t, fields, specs)
		if t.Op == OpConnect {
			t.Config = e.connConfig(t)
		}
	} else if spec != nil {
		p.d = d
	} else {
		t.Warnings = checkQuotes(t, fields, syn)
	}
	e.pending = p
	e.txns = append(e.txns, t)
	e.sockCommand(p)
}

// argSpecs gives the positional argument specs of a call (configure
// commands: option, index, then the option's own arguments).
func argSpecs(spec *CommandSpec, fields []Field) []ArgSpec {
	if spec.Options == nil || len(fields) == 0 {
		return spec.Args
	}
	opt := strings.ToLower(fields[0].Value)
	if more, ok := spec.Options[opt]; ok {
		out := append([]ArgSpec(nil), spec.Args...)
		return append(out, more...)
	}
	return spec.Args
}

func keysOf(specs []ArgSpec) []string {
	keys := make([]string, len(specs))
	for i, s := range specs {
		keys[i] = s.Key
	}
	return keys
}

// close ends the pending command without a final result: the next command
// started (or the log ended) before one was seen.
func (e *engine) close(p *txnState) {
	e.pending = nil
	if len(p.t.Payload) > 0 {
		e.fillPayload(p)
	}
	e.split.SetDataMode(0)
	if p.expectsResult() && !p.resulted && !isErrorFinal(p.t.Final) {
		e.await(p)
	}
	e.settle(p)
	e.notify(p.t)
}

func (e *engine) await(p *txnState) {
	if len(e.awaiting) >= maxAwaiting {
		e.awaiting = e.awaiting[1:]
	}
	e.awaiting = append(e.awaiting, p)
}

func (e *engine) notify(t *Transaction) {
	if e.onTransaction != nil {
		e.onTransaction(t)
	}
}

func (e *engine) final(final string, l Line) {
	p := e.pending
	if p == nil {
		// A final with no command: the command was not echoed (ATE0 in
		// a module-only log) or lies before the start of the log.
		return
	}
	t := p.t
	t.Final, t.FinalLine, t.FinalTime = final, l.Line, l.Time
	if len(t.Payload) > 0 {
		e.fillPayload(p)
	}
	if final == "OK" && p.data != DataNone && !p.prompted && !p.cancelled {
		// ESP-AT AT+MQTTPUBRAW answers OK first, then '>' (ESPAT-MQTT):
		// the command stays open for its prompt and payload.
		p.okFirst = true
		return
	}
	e.pending = nil
	e.split.SetDataMode(0)
	if final == "OK" && p.spec != nil {
		if p.spec.Op == OpConfigure {
			e.applyConfig(t)
		}
		if p.expectsResult() && !p.resulted {
			e.await(p)
		}
	}
	e.settle(p)
	e.notify(t)
}

// urc handles "+NAME: args" and plain URCs.
func (e *engine) urc(name, argText, text string, l Line) {
	p := e.pending
	var prefer *Dialect
	if p != nil && p.d != nil {
		prefer = p.d
	} else {
		prefer = e.majority()
	}
	d, u := urcDialect(name, e.forced, prefer)
	// The answer to a read or test command carries the command's name.
	if p != nil && p.query && p.t.Name == name {
		e.response(p, text)
		return
	}
	if cu := commonURC(name); cu != nil {
		// A network event (+CGEV) answers no command, even one waiting.
		args := named(cu.Fields, ParseArgs(argText, ArgSyntax{}, maxFields))
		e.event(&Event{Line: l.Line, Time: l.Time, Text: text, Name: name, Op: cu.Op, Args: args, Meaning: cu.Meaning(args)})
		return
	}
	if u == nil {
		if p != nil {
			e.response(p, text)
			return
		}
		e.event(&Event{Line: l.Line, Time: l.Time, Text: text, Name: name, Args: namedURC(nil, argText)})
		return
	}
	e.counts[d.Name]++
	args := e.urcArgs(u, d, argText)
	if !u.Event {
		if p != nil && !p.resulted && p.spec != nil && has(p.spec.Results, name) && matches(p, args) {
			e.result(p, text, args, l, u)
			return
		}
		for i, a := range e.awaiting {
			if !a.resulted && has(a.spec.Results, name) && matches(a, args) {
				e.awaiting = append(e.awaiting[:i], e.awaiting[i+1:]...)
				e.result(a, text, args, l, u)
				return
			}
		}
	}
	ev := &Event{Line: l.Line, Time: l.Time, Text: text, Dialect: d.Name, Name: name, Op: u.Op, Args: args}
	if u.PayloadFrom >= 0 {
		if v, ok := args[ArgPayload]; ok {
			ev.Payload = []byte(v)
		}
	}
	if u.Meaning != nil {
		ev.Meaning = u.Meaning(args)
	}
	if !u.Event {
		ev.Meaning = "unsolicited: " + ev.Meaning
	}
	switch {
	case u.BlockStart:
		e.block = ev
		ev.Op = OpReceive
		e.event(ev)
		return
	case u.FollowLen != "" && e.block != nil:
		if n, ok := atoi(args[u.FollowLen]); ok && n > 0 {
			e.endFollow()
			e.follow = &followData{ev: e.block, key: u.FollowKey, remaining: n}
		}
		e.blockLine(text)
		return
	case u.BlockEnd && e.block != nil:
		e.blockLine(text)
		if t := e.block.Args[ArgTopic]; t != "" && u.Meaning != nil {
			e.block.Meaning = "message received on " + t
		}
		e.block = nil
		return
	}
	if u.FollowLen != "" {
		if n, ok := atoi(args[u.FollowLen]); ok && n > 0 {
			e.endFollow()
			e.follow = &followData{ev: ev, key: u.FollowKey, remaining: n}
		}
	}
	if u.Continues {
		e.endCont()
		e.cont, e.contBase = ev, len(ev.Payload)
		if ev.Args == nil {
			ev.Args = map[string]string{}
		}
	}
	e.event(ev)
}

// blockLine adds a URC line to the open +CMQTTRXSTART block's text, up to
// MaxLine bytes: a block whose end never comes (hostile or cut input)
// must not grow without bound.
func (e *engine) blockLine(text string) {
	if len(e.block.Text)+1+len(text) <= MaxLine {
		e.block.Text += "\n" + text
	}
}

func (e *engine) event(ev *Event) {
	e.events = append(e.events, ev)
	if e.onEvent != nil {
		e.onEvent(ev)
	}
}

func namedURC(keys []string, argText string) map[string]string {
	if argText == "" {
		return nil
	}
	return named(keys, ParseArgs(argText, ArgSyntax{}, maxFields))
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// matches says a result URC answers the command: the keys the command
// shares with it (connection index, msg id) are equal where both give them.
func matches(p *txnState, urc map[string]string) bool {
	for _, k := range p.spec.Match {
		a, b := p.t.Args[k], urc[k]
		if a == "" || b == "" {
			continue
		}
		if x, ok := atoi(a); ok {
			if y, ok := atoi(b); ok && x == y {
				continue
			}
			return false
		}
		if a != b {
			return false
		}
	}
	return true
}

func (e *engine) result(p *txnState, text string, args map[string]string, l Line, u *URCSpec) {
	t := p.t
	p.resulted = true
	t.Result, t.ResultLine, t.ResultTime, t.ResultArgs = text, l.Line, l.Time, args
	e.settle(p)
	if t.Outcome == OutcomePending && u.Outcome != nil {
		// An interim report (QMT "retransmitted"): the URC that decides
		// is still to come and replaces this one.
		p.resulted = false
		if e.pending != p {
			e.await(p)
		}
	}
	e.notify(t)
}

// finish closes what is still open at the end of input.
func (e *engine) finish() {
	e.endCont()
	e.endFollow()
	if p := e.pending; p != nil {
		e.close(p)
	}
	for _, a := range e.awaiting {
		e.settle(a)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// garbagePrefix is the length of control bytes and invalid UTF-8 at the
// start of s (line noise before the first real character).
func garbagePrefix(s string) int {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && n <= 1) && !(r < 0x20 && r != '\t') && r != 0x7f {
			break
		}
		i += n
	}
	return i
}

// indexATPlus finds the first "AT+" in s, in either case (ASCII only, so
// the index is one into s itself).
func indexATPlus(s string) int {
	for i := 0; i+2 < len(s); i++ {
		if (s[i] == 'A' || s[i] == 'a') && (s[i+1] == 'T' || s[i+1] == 't') && s[i+2] == '+' {
			return i
		}
	}
	return -1
}
