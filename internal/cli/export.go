package cli

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/spf13/cobra"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/term"
)

func init() { commands = append(commands, newExportCmd) }

// exportOptions are the flags of `atmq export`: analyze's inputs and
// analysis flags, the output file and whether to redact.
type exportOptions struct {
	analyzeOptions
	PcapNG   string // output file
	NoRedact bool
}

func newExportCmd(s Streams) *cobra.Command {
	var o exportOptions
	var ports []uint
	cmd := &cobra.Command{
		Use:   "export [DIR] [--serial LOG] [--pcap CAPTURE] --pcapng OUT",
		Short: "Write the capture and the serial AT stream into one pcapng for Wireshark",
		Long: `export writes one pcapng file holding the capture's frames and, on a second
interface, every AT command, answer and URC of the serial log as a packet
of Wireshark's upper-PDU link type (252) for its AT dissector, on the
capture's clock (the offset analyze estimates, or --clock-offset). atmq's
reading of each line and frame, and each finding, are packet comments on
the lines and frames they concern: open the file in Wireshark and see
AT+ECMTCONN…, CONNECT, CONNACK 5 and +ECMTCONN: 0,0,5 in one list.

The file is meant to be shared, so passwords are masked by default (in the
AT lines, the comments and the CONNECT packets' bytes); --no-redact keeps
them.

Exit codes: 0 written, 2 bad usage or unreadable input, 3 the capture or
log was damaged (what could be read was written).`,
		Example: `  atmq export pcaps/ecmt-password-truncated --pcapng session.pcapng
  atmq export --serial dev.log --pcap cap.pcap --pcapng both.pcapng && wireshark both.pcapng`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Dir = args[0]
			}
			p, err := tcpPorts(ports)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			o.Ports = p
			return runExport(o, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.PcapNG, "pcapng", "", "output file (required)")
	f.BoolVar(&o.NoRedact, "no-redact", false, "keep passwords in the file (it is redacted by default)")
	f.StringVar(&o.Serial, "serial", "", "serial log file")
	f.StringVar(&o.Pcap, "pcap", "", "capture file (pcap or pcapng)")
	f.StringVar(&o.ClientID, "client-id", "", "the device's MQTT client id (overrides the connect command's)")
	f.StringVar(&o.Device, "device", "", "the device's address as the capture shows it: IP or IP:port")
	f.StringVar(&o.ClockOffset, "clock-offset", "", "serial clock minus capture clock (e.g. 8h, -3.2s, 28800): skips the estimate")
	f.StringVar(&o.Dialect, "dialect", "", "AT dialect: "+strings.Join(at.Dialects(), ", ")+" (detected unless given)")
	f.StringVar(&o.SerialFormat, "serial-format", "", "serial log format: "+strings.Join(at.Formats(), ", ")+" (detected unless given)")
	f.StringVar(&o.Date, "date", "", "date (YYYY-MM-DD) for serial logs that stamp only the time of day")
	f.UintSliceVar(&ports, "port", nil, "TCP port carrying MQTT (repeatable; default 1883)")
	addReorderLimitFlag(cmd, &o.ReorderLimit)
	addTLSKeylogFlag(cmd, &o.TLSKeylog)
	return cmd
}

// runExport analyses the inputs as analyze does and writes the pcapng.
func runExport(o exportOptions, s Streams) error {
	if o.PcapNG == "" {
		return withCode(ExitUsage, errors.New("--pcapng OUT is required"))
	}
	o.Redact = !o.NoRedact
	copts, err := inputOptions(o.analyzeOptions)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	serial, pcap, err := inputFiles(o.analyzeOptions, "export")
	if err != nil {
		return withCode(ExitUsage, err)
	}
	var captures []string
	if pcap != "" {
		captures = []string{pcap} // the frames are copied from this one file
	}
	in, err := decodeInputs(o.analyzeOptions, copts, serial, captures, s.Err)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	log, recs, firstFrame := in.log, in.recs, in.firstFrame
	res := correlate.Analyze(log, recs, copts)
	var secrets []at.Secret
	if o.Redact {
		secrets = correlate.Secrets(log, recs)
	}
	x := newExporter(res, log, secrets)
	if pcap == "" && log != nil {
		// No capture: no other clock to put the lines on than their own.
		x.ownTimes(log)
	}

	out, err := os.Create(o.PcapNG)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	damaged, werr := x.write(out, pcap, firstFrame)
	if cerr := out.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(o.PcapNG)
		return withCode(ExitUsage, fmt.Errorf("%s: %w", o.PcapNG, werr))
	}
	fmt.Fprintf(s.Err, "atmq: wrote %s: %d frames, %d AT lines, %d findings as comments%s\n",
		o.PcapNG, x.frames, x.lines, len(res.Findings), map[bool]string{true: "; secrets masked (--no-redact keeps them)", false: ""}[o.Redact])
	if damaged != nil {
		return withCode(ExitDamaged, damaged)
	}
	if log != nil && log.Damaged > 0 {
		return withCode(ExitDamaged, fmt.Errorf("%s: %d part(s) could not be read; the rest was exported", serial, log.Damaged))
	}
	return nil
}

// Exported-PDU tags (Wireshark's wiretap/exported_pdu_tlvs.h).
const (
	linkTypeUpperPDU   = 252
	expPDUEndOfOpt     = 0
	expPDUDissector    = 12 // name of the dissector to call: "at"
	expPDUP2PDirection = 35 // 0 sent (host → module), 1 received
	commentCut         = 4000
)

// serialPacket is one AT line of the serial interface.
type serialPacket struct {
	row      correlate.Row
	before   int // the frame this line is listed before in the timeline; 0 = after the last
	comments []string
}

// exporter holds what the file is written from: the serial lines in
// timeline order, and the comments each frame gets.
type exporter struct {
	serial   []serialPacket
	comments map[int][]string // by frame number
	mask     *strings.Replacer
	secrets  [][]byte

	serialIntf int       // pcapng interface of the serial lines
	last       time.Time // time of the last packet written
	frames     int
	lines      int
}

func newExporter(res *correlate.Result, log *at.Log, secrets []at.Secret) *exporter {
	x := &exporter{comments: map[int][]string{}}
	if len(secrets) > 0 {
		var pairs []string
		for _, s := range secrets {
			x.secrets = append(x.secrets, []byte(s.Value))
			pairs = append(pairs, s.Value, fmt.Sprintf("<%s: %d bytes>", s.What, len(s.Value)))
		}
		x.mask = strings.NewReplacer(pairs...)
	}
	meaning := map[int]string{}
	if log != nil {
		for _, t := range log.Transactions {
			meaning[t.Line] = t.Meaning
		}
		for _, e := range log.Events {
			meaning[e.Line] = e.Meaning
		}
	}
	// Findings by the serial lines and frames they cite.
	byLine := map[int][]string{}
	for _, f := range res.Findings {
		c := fmt.Sprintf("atmq finding %s %s: %s", strings.ToUpper(f.Severity.String()), f.Code, f.Summary)
		if f.Explanation != "" {
			c += " — " + f.Explanation
		}
		if f.Fix != "" {
			c += ". Fix: " + f.Fix
		}
		lines := f.Lines
		if len(lines) == 0 && f.Line > 0 {
			lines = []int{f.Line}
		}
		for _, l := range lines {
			byLine[l] = append(byLine[l], c)
		}
		for _, fr := range f.Frames {
			x.comments[fr] = append(x.comments[fr], c)
		}
	}
	// Each line's reading: its transaction or event, what it caused.
	for i, row := range res.Timeline {
		if row.Lane == correlate.LaneNetwork {
			c := fmt.Sprintf("atmq: capture frame %d: %s", row.Frame, row.Text)
			if t := txOf(res, row.Tx); t != nil {
				c += fmt.Sprintf(" — T%d, caused by line %d %s", row.Tx, t.Line, t.Command)
			} else if e := eventOf(res, row.Event); e != nil {
				c += fmt.Sprintf(" — E%d, reported by line %d %s", row.Event, e.Line, e.Text)
			}
			x.comments[row.Frame] = append([]string{c}, x.comments[row.Frame]...)
			continue
		}
		p := serialPacket{row: row}
		for j := i + 1; j < len(res.Timeline); j++ {
			if res.Timeline[j].Lane == correlate.LaneNetwork {
				p.before = res.Timeline[j].Frame
				break
			}
		}
		p.comments = append(p.comments, readingOf(res, row, meaning))
		if row.Lane == correlate.LaneHostToModule || row.Tx == 0 {
			// A finding cites the command's (or URC's) line: it goes on
			// that line's packet, not on its answers.
			p.comments = append(p.comments, byLine[row.Line]...)
		}
		if lt := logTx(log, res, row.Tx); lt != nil && row.Lane == correlate.LaneModuleToHost && len(lt.Responses) > 0 &&
			row.Text == strings.Join(lt.Responses, " ")+" "+lt.Final {
			// The timeline joins a command's information responses and
			// its final result; on the UART each is a line of its own.
			for _, r := range lt.Responses {
				rp := p
				rp.row.Text = r
				rp.comments = []string{fmt.Sprintf("atmq: T%d, response to line %d", row.Tx, lt.Line)}
				x.serial = append(x.serial, rp)
			}
			p.row.Text = lt.Final
		}
		x.serial = append(x.serial, p)
	}
	return x
}

// ownTimes gives serial lines without a capture-clock time the log's own
// time of that line.
func (x *exporter) ownTimes(log *at.Log) {
	at := map[int]time.Time{}
	for _, t := range log.Transactions {
		at[t.Line], at[t.FinalLine], at[t.ResultLine] = t.Time, t.FinalTime, t.ResultTime
	}
	for _, e := range log.Events {
		at[e.Line] = e.Time
	}
	for i := range x.serial {
		if r := &x.serial[i].row; r.Time.IsZero() {
			r.Time = at[r.Line]
		}
	}
}

// logTx is the log's transaction behind the result's T<n>, if the two
// line up.
func logTx(log *at.Log, res *correlate.Result, n int) *at.Transaction {
	t := txOf(res, n)
	if log == nil || t == nil || n > len(log.Transactions) || log.Transactions[n-1].Line != t.Line {
		return nil
	}
	return &log.Transactions[n-1]
}

func txOf(res *correlate.Result, n int) *correlate.Transaction {
	if n < 1 || n > len(res.Transactions) {
		return nil
	}
	return &res.Transactions[n-1]
}

func eventOf(res *correlate.Result, n int) *correlate.Event {
	if n < 1 || n > len(res.Events) {
		return nil
	}
	return &res.Events[n-1]
}

// readingOf says what atmq made of a serial line: its transaction (op,
// outcome, answers, frames, latency) or its event, and the meaning.
func readingOf(res *correlate.Result, row correlate.Row, meaning map[int]string) string {
	var b strings.Builder
	b.WriteString("atmq: ")
	if t := txOf(res, row.Tx); t != nil {
		fmt.Fprintf(&b, "T%d", row.Tx)
		if t.Op != "" {
			b.WriteString(" " + t.Op)
		}
		if row.Line != t.Line {
			fmt.Fprintf(&b, ", answer to line %d", t.Line)
		}
		b.WriteString(": ")
		b.WriteString(orDash(t.Final))
		if t.Result != "" {
			fmt.Fprintf(&b, ", %s (line %d)", t.Result, t.ResultLine)
		}
		if t.Outcome != "" {
			b.WriteString(", " + t.Outcome)
		} else {
			b.WriteString(", pending")
		}
		if m := meaning[t.Line]; m != "" {
			b.WriteString(" — " + m)
		}
		if len(t.Frames) > 0 {
			b.WriteString("; capture frames " + joinInts(t.Frames))
		}
		if l := t.Latency; l != nil {
			if l.CommandToWire != nil {
				fmt.Fprintf(&b, "; command→wire %.1f ms", *l.CommandToWire)
			}
			if l.WireToResult != nil {
				fmt.Fprintf(&b, "; wire→result %.1f ms", *l.WireToResult)
			}
		}
		return b.String()
	}
	if e := eventOf(res, row.Event); e != nil {
		fmt.Fprintf(&b, "E%d", row.Event)
		if e.Op != "" {
			b.WriteString(" " + e.Op)
		}
		if m := meaning[e.Line]; m != "" {
			b.WriteString(": " + m)
		}
		if len(e.Frames) > 0 {
			b.WriteString("; capture frames " + joinInts(e.Frames))
		}
		return b.String()
	}
	b.WriteString(row.Lane)
	return b.String()
}

func joinInts(ns []int) string {
	ss := make([]string, len(ns))
	for i, n := range ns {
		ss[i] = strconv.Itoa(n)
	}
	return strings.Join(ss, ",")
}

// write streams the capture's frames into w with the serial lines merged
// in: a line goes before the frame that follows it in the timeline, or
// before the first frame later than it. Returns the capture's damage, if
// any, apart from write errors.
func (x *exporter) write(w io.Writer, pcap string, start time.Time) (damaged, err error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	var fr *netcap.FileReader
	var first record.Frame
	haveFirst := false
	if pcap != "" {
		if fr, err = netcap.OpenFile(pcap); err != nil {
			return nil, err
		}
		defer fr.Close()
		first, err = fr.Next()
		switch {
		case err == nil:
			haveFirst = true
		case err == io.EOF:
		default:
			damaged = err
		}
		err = nil
	}
	// Interface 0 is the capture's (its first frame's link type), the
	// serial stream the next; frames of other link types get theirs.
	ifaces := map[[2]int]int{}
	serialIntf := pcapgo.NgInterface{Name: "serial", Description: "AT commands and URCs on the module's UART (atmq)",
		LinkType: linkTypeUpperPDU, TimestampResolution: 9}
	var ng *pcapgo.NgWriter
	if haveFirst {
		ng, err = pcapgo.NewNgWriterInterface(bw, captureIntf(first), pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "atmq export"}})
		if err != nil {
			return nil, err
		}
		ifaces[[2]int{first.Interface, first.LinkType}] = 0
		if x.serialIntf, err = ng.AddInterface(serialIntf); err != nil {
			return nil, err
		}
	} else {
		if ng, err = pcapgo.NewNgWriterInterface(bw, serialIntf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "atmq export"}}); err != nil {
			return nil, err
		}
	}
	x.last = start
	if haveFirst && x.last.IsZero() {
		x.last = first.Time
	}
	next := 0 // next serial line to write
	f, ok := first, haveFirst
	for ok {
		for next < len(x.serial) && x.due(x.serial[next], f) {
			if err := x.writeLine(ng, x.serial[next], f.Time); err != nil {
				return damaged, err
			}
			next++
		}
		key := [2]int{f.Interface, f.LinkType}
		id, known := ifaces[key]
		if !known {
			if id, err = ng.AddInterface(captureIntf(f)); err != nil {
				return damaged, err
			}
			ifaces[key] = id
		}
		data := x.maskFrame(f.Data)
		ci := gopacket.CaptureInfo{Timestamp: f.Time, CaptureLength: len(data), Length: max(f.OrigLen, len(data)), InterfaceIndex: id}
		if err := ng.WritePacketWithOptions(ci, data, pcapgo.NgPacketOptions{Comments: x.cut(x.comments[f.Number])}); err != nil {
			return damaged, err
		}
		x.frames++
		if f.Time.After(x.last) {
			x.last = f.Time
		}
		f, err = fr.Next()
		switch {
		case err == nil:
		case err == io.EOF:
			ok = false
		default:
			damaged, ok = err, false
		}
		err = nil
	}
	for ; next < len(x.serial); next++ {
		if err := x.writeLine(ng, x.serial[next], time.Time{}); err != nil {
			return damaged, err
		}
	}
	if err := ng.Flush(); err != nil {
		return damaged, err
	}
	return damaged, bw.Flush()
}

// captureIntf describes a capture interface by its frames' link type.
func captureIntf(f record.Frame) pcapgo.NgInterface {
	return pcapgo.NgInterface{Name: fmt.Sprintf("capture (interface %d)", f.Interface), LinkType: layers.LinkType(f.LinkType), TimestampResolution: 9}
}

// due says line p is listed before frame f.
func (x *exporter) due(p serialPacket, f record.Frame) bool {
	if p.before != 0 && f.Number >= p.before {
		return true
	}
	return !p.row.Time.IsZero() && p.row.Time.Before(f.Time)
}

// writeLine writes one AT line as an exported PDU for the "at"
// dissector, with the direction, on the capture's clock: its own time,
// kept between the packet before and limit (the frame it precedes) so
// the file stays in time order; a line without a time takes the
// previous packet's.
func (x *exporter) writeLine(ng *pcapgo.NgWriter, p serialPacket, limit time.Time) error {
	ts := p.row.Time
	if ts.IsZero() || ts.Before(x.last) {
		ts = x.last
	}
	if !limit.IsZero() && ts.After(limit) {
		ts = limit
	}
	if ts.IsZero() {
		ts = time.Unix(0, 0) // neither a clock nor a capture: order only
	}
	x.last = ts
	text := p.row.Text
	if x.mask != nil {
		text = x.mask.Replace(text)
	}
	dir := uint32(1)
	end := "\r\n"
	if p.row.Lane == correlate.LaneHostToModule {
		dir, end = 0, "\r"
	}
	b := make([]byte, 0, 24+len(text)+2)
	b = appendTLV(b, expPDUDissector, []byte("at"))
	b = appendTLV(b, expPDUP2PDirection, binary.BigEndian.AppendUint32(nil, dir))
	b = appendTLV(b, expPDUEndOfOpt, nil)
	b = append(b, text...)
	b = append(b, end...)
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b), InterfaceIndex: x.serialIntf}
	x.lines++
	return ng.WritePacketWithOptions(ci, b, pcapgo.NgPacketOptions{Comments: x.cut(p.comments)})
}

func appendTLV(b []byte, tag uint16, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, tag)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// cut bounds each comment (a pcapng option holds at most 64 KiB) and
// masks the passwords in it.
func (x *exporter) cut(cs []string) []string {
	if len(cs) == 0 {
		return nil
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		if x.mask != nil {
			c = x.mask.Replace(c)
		}
		out[i] = term.Cut(c, commentCut)
	}
	return out
}

// maskFrame overwrites each password where an MQTT CONNECT carries it
// (a two-byte length, then the bytes) with asterisks of the same length,
// so every length and offset in the frame stays valid.
func (x *exporter) maskFrame(data []byte) []byte {
	var copied []byte
	for _, s := range x.secrets {
		if len(s) > 0xffff {
			continue
		}
		field := binary.BigEndian.AppendUint16(nil, uint16(len(s)))
		field = append(field, s...)
		src := data
		if copied != nil {
			src = copied
		}
		at := 0
		for {
			i := indexFrom(src, field, at)
			if i < 0 {
				break
			}
			if copied == nil {
				copied = append([]byte(nil), data...)
				src = copied
			}
			for k := i + 2; k < i+len(field); k++ {
				copied[k] = '*'
			}
			at = i + len(field)
		}
	}
	if copied != nil {
		return copied
	}
	return data
}

func indexFrom(b, sep []byte, from int) int {
	if from >= len(b) {
		return -1
	}
	i := strings.Index(string(b[from:]), string(sep))
	if i < 0 {
		return -1
	}
	return from + i
}
