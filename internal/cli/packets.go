package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/internal/term"
)

func init() { commands = append(commands, newPacketsCmd) }

// packetsOptions are the flags of `atmq packets`.
type packetsOptions struct {
	File        string
	Ports       []uint16
	MQTTVersion string // "", "3.1", "3.1.1" or "5"
	Redact      bool
	JSON        bool
	Events      bool
	Term        term.Output // the table is fitted to a terminal
	// ReorderLimit: segments held out of order per connection direction.
	ReorderLimit int
	TLSKeylog    string // NSS key log decrypting TLS sessions
}

func newPacketsCmd(s Streams) *cobra.Command {
	var o packetsOptions
	var ports []uint
	cmd := &cobra.Command{
		Use:   "packets FILE",
		Short: "Decode the MQTT packets (and TCP/TLS/DNS events) of a pcap or pcapng capture",
		Long: `Decode every MQTT packet in a pcap or pcapng capture, in capture order.

MQTT is decoded on port 1883 (or the --port list) and on any port where a
connection starts with a CONNECT. Connections on 8883 are shown as TLS
(hellos, certificate request, alerts, handshake time), and decrypted when
--tls-keylog or the pcapng's Decryption Secrets Block has their keys. The table is for people; --json prints
one JSON object per line.

Exit codes: 0 ok, 2 unreadable file or bad usage, 3 damaged file (what
could be read was printed; the error names the frame and byte offset).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			p, err := tcpPorts(ports)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			o.Ports = p
			o.Term = s.Term
			return runPackets(o, s.Out, s.Err)
		},
	}
	f := cmd.Flags()
	f.UintSliceVar(&ports, "port", nil, "TCP port carrying MQTT (repeatable; default 1883)")
	f.StringVar(&o.MQTTVersion, "mqtt-version", "", "decode connections without a CONNECT as this version: 3.1, 3.1.1 or 5")
	f.BoolVar(&o.Redact, "redact", false, "mask passwords")
	f.BoolVar(&o.JSON, "json", false, "print JSON Lines, one object per packet")
	f.BoolVar(&o.Events, "events", false, "also print TCP, TLS and DNS events")
	addReorderLimitFlag(cmd, &o.ReorderLimit)
	addTLSKeylogFlag(cmd, &o.TLSKeylog)
	return cmd
}

// parseMQTTVersion maps the --mqtt-version spelling to a protocol level.
func parseMQTTVersion(s string) (byte, error) {
	switch s {
	case "":
		return mqtt.VersionUnknown, nil
	case "3.1", "3":
		return mqtt.Version31, nil
	case "3.1.1", "4":
		return mqtt.Version311, nil
	case "5", "5.0":
		return mqtt.Version5, nil
	}
	return 0, fmt.Errorf("--mqtt-version %q: want 3.1, 3.1.1 or 5", s)
}

// runPackets decodes o.File and streams what it finds to stdout.
func runPackets(o packetsOptions, stdout, stderr io.Writer) error {
	version, err := parseMQTTVersion(o.MQTTVersion)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if err := checkReorderLimit(o.ReorderLimit); err != nil {
		return withCode(ExitUsage, err)
	}
	keys, err := loadTLSKeylog(o.TLSKeylog)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	fr, err := netcap.OpenFile(o.File)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	defer fr.Close()

	out := bufio.NewWriterSize(stdout, 64<<10)
	var p packetPrinter
	if o.JSON {
		p = newJSONPrinter(out, o)
	} else {
		p = newTablePrinter(out, o)
	}
	opts := netcap.Options{Ports: o.Ports, ForceVersion: version, ReorderLimit: o.ReorderLimit, TLSKeys: keys}
	// Decoding and formatting run on two goroutines joined by a bounded
	// queue of record batches: output stays streamed, memory bounded.
	pipe := newRecordPipe(p)
	packets := 0
	stats, decErr := netcap.Decode(fr, opts, func(r netcap.Record) {
		if r.Kind == netcap.KindPacket {
			packets++
		} else if !o.Events {
			return
		}
		pipe.add(r)
	})
	werr := pipe.close()
	if err := p.finish(); werr == nil {
		werr = err
	}
	if err := out.Flush(); werr == nil {
		werr = err
	}
	if werr != nil {
		return withCode(ExitUsage, fmt.Errorf("writing output: %w", werr))
	}
	warnSkipped(stderr, o.File, stats)
	if packets == 0 && decErr == nil {
		hint := "MQTT on another port? try --port"
		if stats.TLSConns > 0 {
			hint = fmt.Sprintf("%d TLS connection(s): MQTT over TLS is encrypted; --events shows their server names and alerts", stats.TLSConns)
		}
		fmt.Fprintf(stderr, "atmq: %s: no MQTT packets found in %d frames (%s)\n", o.File, stats.Frames, hint)
	}
	var damaged *netcap.DamagedError
	if errors.As(decErr, &damaged) {
		return withCode(ExitDamaged, decErr)
	}
	if decErr != nil {
		return withCode(ExitUsage, decErr)
	}
	return nil
}

// warnSkipped tells about frames of link types atmq cannot read.
func warnSkipped(stderr io.Writer, file string, st netcap.Stats) {
	types := make([]int, 0, len(st.UnsupportedLink))
	for lt := range st.UnsupportedLink {
		types = append(types, lt)
	}
	sort.Ints(types)
	for _, lt := range types {
		fmt.Fprintf(stderr, "atmq: %s: skipped %d frames of unsupported link type %d\n", file, st.UnsupportedLink[lt], lt)
	}
}

// recordPipe hands records in batches to a goroutine that prints them.
type recordPipe struct {
	batches chan []netcap.Record
	free    chan []netcap.Record
	cur     []netcap.Record
	done    chan error
}

const (
	pipeBatch    = 256 // records per batch
	pipeInFlight = 4   // batches queued or being printed
)

func newRecordPipe(p packetPrinter) *recordPipe {
	rp := &recordPipe{
		batches: make(chan []netcap.Record, pipeInFlight),
		free:    make(chan []netcap.Record, pipeInFlight+1),
		done:    make(chan error, 1),
	}
	for range pipeInFlight {
		rp.free <- make([]netcap.Record, 0, pipeBatch)
	}
	rp.cur = make([]netcap.Record, 0, pipeBatch)
	go func() {
		var err error
		for batch := range rp.batches {
			for _, r := range batch {
				if err == nil {
					err = p.record(r)
				}
			}
			clear(batch)
			rp.free <- batch[:0]
		}
		rp.done <- err
	}()
	return rp
}

func (rp *recordPipe) add(r netcap.Record) {
	rp.cur = append(rp.cur, r)
	if len(rp.cur) == pipeBatch {
		rp.batches <- rp.cur
		rp.cur = <-rp.free
	}
}

// close prints what is left and returns the first write error.
func (rp *recordPipe) close() error {
	if len(rp.cur) > 0 {
		rp.batches <- rp.cur
	}
	close(rp.batches)
	return <-rp.done
}

// packetPrinter writes records as they arrive.
type packetPrinter interface {
	record(r netcap.Record) error
	finish() error
}

// jsonPacket is one --json line for an MQTT packet: where and when, then
// the packet's own fields.
type jsonPacket struct {
	Frame int    `json:"frame"`
	Time  string `json:"time"`
	Conn  int    `json:"conn"`
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	mqtt.JSON
	Midstream bool `json:"midstream,omitempty"`
	Skipped   int  `json:"skipped_bytes,omitempty"`
}

// jsonEvent is one --json --events line for a TCP, TLS or DNS event.
type jsonEvent struct {
	Frame  int      `json:"frame"`
	Time   string   `json:"time"`
	Type   string   `json:"type"`
	Conn   int      `json:"conn,omitempty"`
	Src    string   `json:"src"`
	Dst    string   `json:"dst"`
	By     string   `json:"by,omitempty"`
	Detail string   `json:"detail,omitempty"`
	SNI    string   `json:"sni,omitempty"`
	DNS    *jsonDNS `json:"dns,omitempty"`
}

type jsonDNS struct {
	ID       uint16   `json:"id"`
	Response bool     `json:"response"`
	Name     string   `json:"name"`
	QType    string   `json:"qtype,omitempty"`
	Rcode    *int     `json:"rcode,omitempty"`
	Answers  []string `json:"answers,omitempty"`
}

type jsonPrinter struct {
	w      io.Writer
	enc    *json.Encoder
	redact bool
	fast   bool   // use the hand-written encoder (packetjson.go)
	buf    []byte // one line, reused
}

func newJSONPrinter(w io.Writer, o packetsOptions) *jsonPrinter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonPrinter{w: w, enc: enc, redact: o.Redact, fast: fastJSON}
}

// packetLine appends r's --json line as jsonPacket would encode it.
func (j *jsonPrinter) packetLine(b []byte, r netcap.Record) []byte {
	src, dst := srcDst(r)
	b = append(b, `{"frame":`...)
	b = strconv.AppendInt(b, int64(r.Frame), 10)
	b = append(b, `,"time":"`...)
	b = appendRFC3339(b, r.Time)
	b = append(b, `","conn":`...)
	b = strconv.AppendInt(b, int64(r.Conn), 10)
	// Addresses come from packet headers (no IPv6 zone), so their text
	// needs no JSON escaping.
	b = append(b, `,"src":"`...)
	b = src.AppendTo(b)
	b = append(b, `","dst":"`...)
	b = dst.AppendTo(b)
	b = append(b, '"')
	mj := r.Packet.JSON(j.redact)
	b = appendMQTTJSON(b, &mj, false)
	if r.Midstream {
		b = append(b, `,"midstream":true`...)
	}
	if r.Skipped != 0 {
		b = append(b, `,"skipped_bytes":`...)
		b = strconv.AppendInt(b, int64(r.Skipped), 10)
	}
	return append(b, '}', '\n')
}

// rfc3339 formats capture times in UTC with a fixed-width fraction:
// microseconds, or nanoseconds when the capture has them. (Hand-rolled:
// time.Format was a tenth of the --json run time.)
func rfc3339(t time.Time) string { return string(appendRFC3339(nil, t)) }

func appendRFC3339(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	ns := t.Nanosecond()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	var b [len("2006-01-02T15:04:05.000000000Z")]byte
	put := func(at, v, width int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = 'T'
	put(11, hour, 2)
	b[13] = ':'
	put(14, minute, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	n := 20
	if ns%1000 == 0 {
		put(n, ns/1000, 6)
		n += 6
	} else {
		put(n, ns, 9)
		n += 9
	}
	b[n] = 'Z'
	return append(dst, b[:n+1]...)
}

// srcDst orders a record's endpoints by direction of travel.
func srcDst(r netcap.Record) (src, dst netip.AddrPort) {
	if r.FromClient {
		return r.Client, r.Server
	}
	return r.Server, r.Client
}

func (j *jsonPrinter) record(r netcap.Record) error {
	if r.Kind == netcap.KindPacket && j.fast {
		j.buf = j.packetLine(j.buf[:0], r)
		_, err := j.w.Write(j.buf)
		return err
	}
	src, dst := srcDst(r)
	if r.Kind == netcap.KindPacket {
		return j.enc.Encode(jsonPacket{
			Frame: r.Frame, Time: rfc3339(r.Time), Conn: r.Conn,
			Src: src.String(), Dst: dst.String(),
			JSON:      r.Packet.JSON(j.redact),
			Midstream: r.Midstream, Skipped: r.Skipped,
		})
	}
	e := r.Event
	je := jsonEvent{Frame: r.Frame, Time: rfc3339(r.Time), Type: e.Type, Conn: r.Conn,
		Src: src.String(), Dst: dst.String(), By: e.By, Detail: e.Detail, SNI: e.SNI}
	if d := e.DNS; d != nil {
		jd := &jsonDNS{ID: d.ID, Response: d.Response, Name: d.Name, QType: d.QType}
		if d.Response {
			jd.Rcode = &d.Rcode
		}
		for _, a := range d.Answers {
			jd.Answers = append(jd.Answers, a.String())
		}
		je.DNS = jd
	}
	return j.enc.Encode(je)
}

func (j *jsonPrinter) finish() error { return nil }

// Cell bounds of the packets table: values are cut (with their length)
// before layout, so a 100,000-character payload costs a short one's time.
const (
	packetDetailsCut = 400
	packetNotesCut   = 400
)

// tablePrinter streams a table: column widths are fixed up front (and
// fitted to the terminal), so rows are printed as they are decoded with
// nothing kept but the current row.
type tablePrinter struct {
	t       *term.Table
	started bool
	// notesInDetails: on a narrow terminal the notes follow the details
	// in one column instead of a column of their own.
	notesInDetails bool
	line           []byte // scratch for the flow and time cells
}

// packetsNarrow is the terminal width under which the notes share the
// details column.
const packetsNarrow = 120

func newTablePrinter(w io.Writer, o packetsOptions) *tablePrinter {
	cols := []term.Column{
		{Header: "FRAME", Min: 5}, {Header: "TIME", Min: 15}, {Header: "CONN", Min: 4},
		// 17 columns keep an IPv4 flow's wrap at its arrow.
		{Header: "CLIENT → SERVER", Min: 17}, {Header: "TYPE", Min: 7},
		{Header: "DETAILS", Min: 14, Weight: 3}, {Header: "NOTES", Min: 5},
	}
	// The widest values the columns usually hold; longer ones wrap.
	natural := []int{7, 15, 4, 45, 18, 56, 40}
	p := &tablePrinter{}
	if o.Term.Width > 0 && o.Term.Width < packetsNarrow {
		p.notesInDetails = true
		cols, natural = cols[:6], natural[:6]
		cols[5].Header = "DETAILS, NOTES"
	}
	p.t = term.NewTable(w, cols, natural, term.Plain, o.Term)
	p.t.Paint = func(col int, c string) string {
		if col == 6 {
			return term.SeverityStyle("warning")
		}
		return ""
	}
	return p
}

func (p *tablePrinter) record(r netcap.Record) error {
	if !p.started {
		p.started = true
		if err := p.t.Header(); err != nil {
			return err
		}
	}
	arrow := " → "
	if !r.FromClient {
		arrow = " ← "
	}
	b := r.Client.AppendTo(p.line[:0])
	b = append(b, arrow...)
	b = r.Server.AppendTo(b)
	flow := string(b)
	conn := ""
	if r.Conn > 0 {
		conn = strconv.Itoa(r.Conn)
	}
	var typ, details string
	var notes []string
	if r.Kind == netcap.KindPacket {
		typ, details = r.Packet.Type.String(), r.Packet.Summary()
		if r.Midstream {
			notes = append(notes, "midstream: resynchronised here")
		}
		if r.Skipped > 0 {
			notes = append(notes, fmt.Sprintf("%d bytes skipped before", r.Skipped))
		}
		for _, v := range r.Packet.Violations {
			notes = append(notes, v.String())
		}
	} else {
		typ, details = r.Event.Type, r.Event.Detail
		if r.Event.By != "" && r.Event.Type != netcap.EventDNS {
			details = "by " + r.Event.By + "; " + details
			details = strings.TrimSuffix(details, "; ")
		}
	}
	b = appendClock(b[:0], r.Time)
	clock := string(b)
	p.line = b
	details = term.Cut(details, packetDetailsCut)
	note := term.Cut(strings.Join(notes, "; "), packetNotesCut)
	if p.notesInDetails {
		if note != "" {
			details += " ⚠ " + note
		}
		return p.t.Row(strconv.Itoa(r.Frame), clock, conn, flow, typ, details)
	}
	return p.t.Row(strconv.Itoa(r.Frame), clock, conn, flow, typ, details, note)
}

// appendClock appends t as UTC 15:04:05.000000 (time.Format is a tenth
// of a streamed table's cost).
func appendClock(b []byte, t time.Time) []byte {
	t = t.UTC()
	h, m, s := t.Clock()
	us := t.Nanosecond() / 1000
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = two(b, h)
	b = append(b, ':')
	b = two(b, m)
	b = append(b, ':')
	b = two(b, s)
	b = append(b, '.')
	for d := 100000; d > 0; d /= 10 {
		b = append(b, byte('0'+us/d%10))
	}
	return b
}

func (p *tablePrinter) finish() error {
	if !p.started {
		return nil
	}
	return p.t.Close()
}
