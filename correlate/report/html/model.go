package html

import (
	"encoding/binary"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// Bounds on text carried into the page: a timeline row or a raw line is a
// glance, a payload in the detail pane is shown in part, with its length.
const (
	maxRowText     = 400
	maxFieldText   = 4096
	maxSerialLine  = 400
	serialContext  = 6  // raw lines kept either side of a line the result names
	maxFramePacket = 16 // records shown per frame (one segment can carry many packets)
)

// Lanes as the page numbers them.
const (
	laneHost = iota
	laneModule
	laneToBroker
	laneFromBroker
)

// document is the JSON the page's script reads at load: what the findings,
// the lanes and the list need. The timeline travels as columns: the text
// here, the numbers in a binary block (columns.binary), cheap to read for
// 100,000 events.
type document struct {
	Title    string              `json:"title"`
	Sources  []string            `json:"sources"`
	Redacted bool                `json:"redacted"`
	Device   correlate.Device    `json:"device"`
	Clock    correlate.Clock     `json:"clock"`
	Findings []correlate.Finding `json:"findings"`
	// Input lists what the analysis had to skip (damaged or unsupported
	// parts of the files).
	Input   []correlate.Skipped `json:"input"`
	NTxs    int                 `json:"n_txs"`
	NEvents int                 `json:"n_events"`
	// Ops names the operations; column op indexes it (0: none).
	Ops []string `json:"ops"`
	// Axis is "time" (column t is milliseconds after T0) or "order" (no
	// row has a time: t is the row's position).
	Axis      string  `json:"axis"`
	T0        string  `json:"t0,omitempty"` // RFC 3339, capture clock, UTC
	HasSerial bool    `json:"has_serial"`
	Cols      columns `json:"cols"`
}

// columns hold the timeline, one entry per row in timeline order. The
// text goes in the JSON; the numbers go in one binary block (binary), which
// the page maps onto typed arrays without parsing.
type columns struct {
	T    []float64 `json:"-"`
	Lat  []float64 `json:"-"` // the latency a row ends (a command's to its first frame, a result's from the last); NaN: none
	Tx   []int32   `json:"-"` // 1-based transaction, 0 none
	Ev   []int32   `json:"-"` // 1-based event, 0 none
	Line []int32   `json:"-"`
	Frm  []int32   `json:"-"`
	Conn []int32   `json:"-"`
	Op   []int32   `json:"-"`
	Lane []uint8   `json:"-"` // 0 host→module, 1 module→host, 2 device→broker, 3 broker→device
	Sev  []uint8   `json:"-"` // 0 none, 1 warning, 2 error
	// Est is 1 when t was placed between the neighbours (a serial row
	// without a time).
	Est  []uint8  `json:"-"`
	Text []string `json:"text"`
}

// binary lays the numeric columns out little-endian, aligned for typed
// arrays: float64 t, lat; int32 tx, ev, line, frame, conn, op; uint8 lane,
// sev, est (report.js reads them in this order).
func (c *columns) binary() []byte {
	n := len(c.T)
	b := make([]byte, 0, 43*n)
	for _, col := range [][]float64{c.T, c.Lat} {
		for _, v := range col {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	for _, col := range [][]int32{c.Tx, c.Ev, c.Line, c.Frm, c.Conn, c.Op} {
		for _, v := range col {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
	}
	for _, col := range [][]uint8{c.Lane, c.Sev, c.Est} {
		b = append(b, col...)
	}
	return b
}

// detailDocument is what the detail pane reads, parsed on first use.
type detailDocument struct {
	Txs    []transaction      `json:"txs"`
	Events []correlate.Event  `json:"events"`
	Frames map[string][]frame `json:"frames"`
	// Conns names each connection's ends: "client → server".
	Conns map[string]string `json:"conns"`
	// Serial holds raw log lines as [line number, text], ascending.
	Serial [][]any `json:"serial"`
}

// transaction is correlate.Transaction without the pointer-typed time.
type transaction struct {
	correlate.Transaction
	Time string `json:"time,omitempty"`
}

// frame is one record completed by a frame: an MQTT packet or an event.
type frame struct {
	Conn       int        `json:"conn"`
	FromClient bool       `json:"from_client"`
	Midstream  bool       `json:"midstream,omitempty"`
	Skipped    int        `json:"skipped,omitempty"`
	MQTT       *mqtt.JSON `json:"mqtt,omitempty"`
	Event      *event     `json:"event,omitempty"`
}

type event struct {
	Type   string      `json:"type"`
	By     string      `json:"by,omitempty"`
	Detail string      `json:"detail,omitempty"`
	SNI    string      `json:"sni,omitempty"`
	DNS    *netcap.DNS `json:"dns,omitempty"`
}

func buildDocument(in Input) (*document, *detailDocument, error) {
	r := in.Result
	doc := &document{
		Title: in.Title, Sources: in.Sources, Redacted: in.Redacted,
		Device: r.Device, Clock: r.Clock, NTxs: len(r.Transactions), NEvents: len(r.Events),
		// A copy: the result's own findings stay as they are.
		Findings:  append([]correlate.Finding{}, r.Findings...),
		HasSerial: in.Serial != nil,
		Input:     append([]correlate.Skipped{}, r.Input...),
	}
	for i := range doc.Input {
		doc.Input[i].What = cut(doc.Input[i].What, maxFieldText)
	}
	det := &detailDocument{Frames: map[string][]frame{}, Conns: map[string]string{},
		Events: append([]correlate.Event{}, r.Events...)}
	doc.Device.Reason = cut(doc.Device.Reason, maxFieldText)
	doc.Clock.Explanation = cut(doc.Clock.Explanation, maxFieldText)
	for i := range doc.Findings {
		f := &doc.Findings[i]
		f.Summary, f.Explanation, f.Fix = cut(f.Summary, maxFieldText), cut(f.Explanation, maxFieldText), cut(f.Fix, maxFieldText)
	}
	if doc.Sources == nil {
		doc.Sources = []string{}
	}
	if doc.Device.Connections == nil {
		doc.Device.Connections = []correlate.Connection{}
	}
	det.Txs = make([]transaction, len(r.Transactions))
	for i, t := range r.Transactions {
		det.Txs[i] = transaction{Transaction: t}
		if t.Time != nil && !t.Time.IsZero() {
			det.Txs[i].Time = t.Time.UTC().Format(time.RFC3339Nano)
		}
		det.Txs[i].Transaction.Time = nil
		det.Txs[i].Command = cut(t.Command, maxRowText)
		if det.Txs[i].Frames == nil {
			det.Txs[i].Frames = []int{}
		}
	}
	for i := range det.Events {
		det.Events[i].Text = cut(det.Events[i].Text, maxRowText)
		if det.Events[i].Frames == nil {
			det.Events[i].Frames = []int{}
		}
	}
	fillColumns(r, doc)
	frames := map[int]bool{}
	lines := map[int]bool{}
	for _, row := range r.Timeline {
		if row.Frame > 0 {
			frames[row.Frame] = true
		}
		if row.Line > 0 {
			lines[row.Line] = true
		}
	}
	for _, f := range r.Findings {
		for _, n := range f.Frames {
			frames[n] = true
		}
		lines[f.Line] = true
		for _, n := range f.Lines {
			lines[n] = true
		}
	}
	for _, t := range r.Transactions {
		lines[t.Line] = true
		lines[t.ResultLine] = true
	}
	for _, e := range r.Events {
		lines[e.Line] = true
	}
	delete(lines, 0)
	for i := range in.Records {
		rec := &in.Records[i]
		if !frames[rec.Frame] {
			continue
		}
		key := strconv.Itoa(rec.Frame)
		if len(det.Frames[key]) >= maxFramePacket {
			continue
		}
		det.Frames[key] = append(det.Frames[key], frameDetail(rec, r, in.Redacted))
		if c := strconv.Itoa(rec.Conn); rec.Conn != 0 && det.Conns[c] == "" && rec.Client.IsValid() {
			det.Conns[c] = rec.Client.String() + " → " + rec.Server.String()
		}
	}
	if in.Serial != nil {
		s, err := serialContextLines(in.Serial, lines, r.RedactText)
		if err != nil {
			return nil, nil, err
		}
		det.Serial = s
	}
	if det.Serial == nil {
		det.Serial = [][]any{}
	}
	return doc, det, nil
}

// fillColumns flattens the timeline. Times are milliseconds after the
// first known time; serial rows without one are placed between their
// neighbours.
func fillColumns(r *correlate.Result, doc *document) {
	tl := r.Timeline
	sev := severities(r)
	var t0 time.Time
	for _, row := range tl {
		if !row.Time.IsZero() && (t0.IsZero() || row.Time.Before(t0)) {
			t0 = row.Time
		}
	}
	ts := make([]float64, len(tl))
	known := make([]bool, len(tl))
	doc.Axis = "order"
	if !t0.IsZero() {
		doc.Axis = "time"
		doc.T0 = t0.UTC().Format(time.RFC3339Nano)
		for i, row := range tl {
			if !row.Time.IsZero() {
				ts[i] = float64(row.Time.Sub(t0).Microseconds()) / 1000
				known[i] = true
			}
		}
		interpolate(ts, known)
	} else {
		for i := range tl {
			ts[i] = float64(i)
			known[i] = true
		}
	}
	opIndex := map[string]int{"": 0}
	doc.Ops = []string{""}
	opOf := func(op string) int {
		k, ok := opIndex[op]
		if !ok {
			k = len(doc.Ops)
			opIndex[op] = k
			doc.Ops = append(doc.Ops, op)
		}
		return k
	}
	n := len(tl)
	c := columns{T: make([]float64, n), Lat: make([]float64, n), Tx: make([]int32, n), Ev: make([]int32, n),
		Line: make([]int32, n), Frm: make([]int32, n), Conn: make([]int32, n), Op: make([]int32, n),
		Lane: make([]uint8, n), Sev: make([]uint8, n), Est: make([]uint8, n), Text: make([]string, n)}
	for i, row := range tl {
		lane := laneHost
		switch row.Lane {
		case correlate.LaneModuleToHost:
			lane = laneModule
		case correlate.LaneNetwork:
			lane = laneFromBroker
			if row.FromClient {
				lane = laneToBroker
			}
		}
		if !known[i] {
			c.Est[i] = 1
		}
		c.T[i] = math.Round(ts[i]*1000) / 1000
		c.Lane[i], c.Sev[i] = uint8(lane), uint8(sev.rowSeverity(row))
		c.Tx[i], c.Ev[i], c.Line[i], c.Frm[i], c.Conn[i] = int32(row.Tx), int32(row.Event), int32(row.Line), int32(row.Frame), int32(row.Conn)
		c.Lat[i] = math.NaN()
		c.Text[i] = cut(row.Text, maxRowText)
		if row.Tx > 0 && row.Tx <= len(r.Transactions) {
			t := &r.Transactions[row.Tx-1]
			c.Op[i] = int32(opOf(t.Op))
			if l := t.Latency; l != nil {
				switch {
				case lane == laneHost && row.Line == t.Line && l.CommandToWire != nil:
					c.Lat[i] = *l.CommandToWire
				case lane == laneModule && row.Line == t.ResultLine && t.ResultLine != 0 && l.WireToResult != nil:
					c.Lat[i] = *l.WireToResult
				}
			}
		} else if row.Event > 0 && row.Event <= len(r.Events) {
			c.Op[i] = int32(opOf(r.Events[row.Event-1].Op))
		}
	}
	doc.Cols = c
}

// interpolate fills the unknown times linearly between the known ones
// around them (the timeline is in order), or copies the nearest one.
func interpolate(ts []float64, known []bool) {
	prev := -1
	for i := 0; i <= len(ts); i++ {
		if i < len(ts) && !known[i] {
			continue
		}
		gap := i - prev - 1
		if gap > 0 {
			switch {
			case prev < 0 && i < len(ts):
				for j := 0; j < i; j++ {
					ts[j] = ts[i]
				}
			case prev >= 0 && i == len(ts):
				for j := prev + 1; j < i; j++ {
					ts[j] = ts[prev]
				}
			case prev >= 0:
				step := (ts[i] - ts[prev]) / float64(gap+1)
				for j := prev + 1; j < i; j++ {
					ts[j] = ts[prev] + step*float64(j-prev)
				}
			}
		}
		prev = i
	}
}

// severityIndex says how bad each line, frame and transaction is.
type severityIndex struct {
	line, frame, tx map[int]int
}

func severities(r *correlate.Result) severityIndex {
	ix := severityIndex{line: map[int]int{}, frame: map[int]int{}, tx: map[int]int{}}
	rank := func(s correlate.Severity) int {
		switch s {
		case correlate.SeverityError:
			return 2
		case correlate.SeverityWarning:
			return 1
		}
		return 0
	}
	raise := func(m map[int]int, k, v int) {
		if v > m[k] {
			m[k] = v
		}
	}
	for _, f := range r.Findings {
		v := rank(f.Severity)
		if v == 0 {
			continue
		}
		raise(ix.line, f.Line, v)
		for _, n := range f.Lines {
			raise(ix.line, n, v)
		}
		for _, n := range f.Frames {
			raise(ix.frame, n, v)
		}
	}
	for i, t := range r.Transactions {
		if t.Outcome == "failed" {
			raise(ix.tx, i+1, 2)
		}
	}
	return ix
}

func (ix severityIndex) rowSeverity(row correlate.Row) int {
	s := ix.tx[row.Tx]
	if row.Line > 0 && ix.line[row.Line] > s {
		s = ix.line[row.Line]
	}
	if row.Frame > 0 && ix.frame[row.Frame] > s {
		s = ix.frame[row.Frame]
	}
	return s
}

// frameDetail is the detail pane's view of one record, masked like the
// result when it was redacted.
func frameDetail(rec *netcap.Record, r *correlate.Result, redact bool) frame {
	f := frame{Conn: rec.Conn, FromClient: rec.FromClient, Midstream: rec.Midstream, Skipped: rec.Skipped}
	switch {
	case rec.Packet != nil:
		j := rec.Packet.JSON(redact)
		maskPacket(&j, r.RedactText)
		f.MQTT = &j
	case rec.Event != nil:
		f.Event = &event{Type: rec.Event.Type, By: rec.Event.By, Detail: cut(rec.Event.Detail, maxFieldText),
			SNI: rec.Event.SNI, DNS: rec.Event.DNS}
	}
	return f
}

// maskPacket masks the result's secrets in a packet's text fields and cuts
// long values: a password can travel in a payload or a property too.
func maskPacket(j *mqtt.JSON, mask func(string) string) {
	for _, p := range []**string{&j.ClientID, &j.Username, &j.Password, &j.WillTopic, &j.WillPayload,
		&j.WillPayloadHex, &j.Topic, &j.Payload, &j.PayloadHex} {
		if *p != nil {
			s := cut(mask(**p), maxFieldText)
			*p = &s
		}
	}
	for _, props := range [][]mqtt.JSONProperty{j.Properties, j.WillProperties} {
		for i := range props {
			props[i].Key = mask(props[i].Key)
			if s, ok := props[i].Value.(string); ok {
				props[i].Value = cut(mask(s), maxFieldText)
			}
		}
	}
}

// cut bounds s to max bytes at a rune boundary, saying how long it was;
// invalid UTF-8 is replaced so the JSON stays faithful to what is shown.
func cut(s string, max int) string {
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

func toValidUTF8(s string) string {
	b := make([]byte, 0, len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
	return string(b)
}

// sortedKeys returns a set's members, ascending.
func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
