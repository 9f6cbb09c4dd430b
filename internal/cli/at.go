package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/atmq/atmq/decode/at"
)

func init() { commands = append(commands, newAtCmd) }

// atOptions are the flags of `atmq at`.
type atOptions struct {
	Format  string
	Dialect string
	Date    string // YYYY-MM-DD for time-only logs
	JSON    bool
}

func newAtCmd(s Streams) *cobra.Command {
	var o atOptions
	cmd := &cobra.Command{
		Use:   "at FILE",
		Short: "Decode a serial log's AT stream: commands, results, URCs, mistakes",
		Long: `Decode the UART AT stream of a module's MQTT command set from a serial log:
each command with its echo, responses, final result and later result URC,
the URCs that answer nothing as events, and checks on how each command was
written (typographic quotes, argument count, ranges, lengths, escaping).
Each command's outcome is the module's verdict as its dialect defines it:
ok, failed (ERROR, a failing result URC such as +MQTTPUB:FAIL, a SUBACK
granting 128, a non-zero SIMCom error, Luat's CONNECT FAIL) or pending
(no deciding answer in the log yet).

Formats: ` + strings.Join(at.Formats(), ", ") + ` (detected unless --format).
Dialects: ` + strings.Join(at.Dialects(), ", ") + ` (detected unless --dialect).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAt(args[0], o, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "", "log format: "+strings.Join(at.Formats(), ", ")+" (or a tool name: tio, teraterm, picocom, minicom, screen)")
	f.StringVar(&o.Dialect, "dialect", "", "AT dialect: "+strings.Join(at.Dialects(), ", "))
	f.StringVar(&o.Date, "date", "", "date (YYYY-MM-DD) for logs that stamp only the time of day; default: the file's modification time")
	f.BoolVar(&o.JSON, "json", false, "print one JSON document instead of a table")
	return cmd
}

// runAt reads the log at path and prints it.
func runAt(path string, o atOptions, s Streams) error {
	opts := at.Options{Format: o.Format, Dialect: o.Dialect}
	if o.Format != "" && !at.KnownFormat(o.Format) {
		return withCode(ExitUsage, fmt.Errorf("--format %q: known formats are %s", o.Format, strings.Join(at.Formats(), ", ")))
	}
	if o.Dialect != "" && at.LookupDialect(o.Dialect) == nil {
		return withCode(ExitUsage, fmt.Errorf("--dialect %q: known dialects are %s", o.Dialect, strings.Join(at.Dialects(), ", ")))
	}
	if o.Date != "" {
		d, err := time.ParseInLocation("2006-01-02", o.Date, time.Local)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("--date %q: want YYYY-MM-DD", o.Date))
		}
		opts.Date, opts.DateSource = d, "--date"
	}
	var r io.Reader
	if path == "-" {
		r = s.In
	} else {
		f, err := os.Open(path)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		defer f.Close()
		if opts.Date.IsZero() {
			if st, err := f.Stat(); err == nil {
				opts.Date, opts.DateSource = st.ModTime(), "file mtime"
			}
		}
		r = f
	}
	log, err := at.ReadLog(r, opts)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("%s: %w", path, err))
	}
	switch log.TimeSource {
	case "--date", "file mtime", "capture":
		fmt.Fprintf(s.Err, "atmq: %s stamps only the time of day; dates from %s (%s)\n",
			path, log.TimeSource, opts.Date.Format("2006-01-02"))
	}
	if o.JSON {
		err = writeAtJSON(s.Out, log)
	} else {
		err = writeAtTable(s.Out, log)
	}
	if err != nil {
		return withCode(ExitUsage, err)
	}
	for i, p := range log.Problems {
		if i == 20 {
			fmt.Fprintf(s.Err, "atmq: %s: … %d more problems (see --json)\n", path, len(log.Problems)-20)
			break
		}
		fmt.Fprintf(s.Err, "atmq: %s: %s\n", path, p)
	}
	if log.Damaged > 0 {
		return withCode(ExitDamaged, fmt.Errorf("%s: %d part(s) of the file could not be read; the rest was decoded", path, log.Damaged))
	}
	return nil
}

// formatTime writes a stamp: dated logs in full, time-only logs without a
// date as the time of day.
func formatTime(t time.Time, source string) string {
	if t.IsZero() {
		return ""
	}
	if source == "none" && t.Year() <= 1 {
		return t.Format("15:04:05.000")
	}
	return t.Format("2006-01-02 15:04:05.000")
}

func jsonTime(t time.Time, source string) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.RFC3339Nano)
	if source == "none" && t.Year() <= 1 {
		s = t.Format("15:04:05.000000000")
	}
	return &s
}

func writeAtTable(w io.Writer, log *at.Log) error {
	fmt.Fprintf(w, "format %s, dialect %s, times from %s: %d commands, %d events\n",
		orDash(log.Format), orDash(log.Dialect), log.TimeSource, len(log.Transactions), len(log.Events))
	type row struct {
		line  int
		cells []string
	}
	var rows []row
	for _, t := range log.Transactions {
		var ws []string
		for _, x := range t.Warnings {
			ws = append(ws, x.Code+": "+x.Fix)
		}
		final := t.Final
		if t.FinalLine > 0 && t.FinalLine != t.Line {
			final += fmt.Sprintf(" (%d)", t.FinalLine)
		}
		result := t.Result
		if t.ResultLine > 0 {
			result += fmt.Sprintf(" (%d)", t.ResultLine)
		}
		rows = append(rows, row{t.Line, []string{fmt.Sprint(t.Line), formatTime(t.Time, log.TimeSource),
			clipText(t.Command, 70), final, result, outcomeCell(t.Outcome), t.Meaning, strings.Join(ws, "\n")}})
	}
	for _, e := range log.Events {
		rows = append(rows, row{e.Line, []string{fmt.Sprint(e.Line), formatTime(e.Time, log.TimeSource),
			"", "", "(event) " + clipText(e.Text, 60), "", e.Meaning, ""}})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].line < rows[j].line })
	tbl := tablewriter.NewTable(w)
	tbl.Header("Line", "Time", "Command", "Final", "Result", "Outcome", "Meaning", "Warnings")
	for _, r := range rows {
		if err := tbl.Append(r.cells); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	return writeSocketTables(w, log)
}

// outcomeCell shows a transaction's outcome; "pending" when the module's
// answer is missing or decides nothing yet.
func outcomeCell(o at.Outcome) string { return o.String() }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clipText(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", "⏎"))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// JSON document of `atmq at --json` (documented in README.md).
type atJSON struct {
	Format       string            `json:"format"`
	Dialect      string            `json:"dialect"`
	TimeSource   string            `json:"time_source"`
	Transactions []atJSONTxn       `json:"transactions"`
	Events       []atJSONEvent     `json:"events"`
	Config       map[string]atConf `json:"config,omitempty"`
	Problems     []string          `json:"problems"`
	// Sockets are the socket dialects' rebuilt streams with their MQTT packets.
	Sockets []atJSONSocket `json:"sockets,omitempty"`
}

type atJSONTxn struct {
	Line       int               `json:"line"`
	Time       *string           `json:"time"`
	Command    string            `json:"command"`
	Dialect    string            `json:"dialect"`
	Name       string            `json:"name"`
	Op         string            `json:"op"`
	SocketOp   string            `json:"socket_op,omitempty"`
	Args       map[string]string `json:"args"`
	Payload    *string           `json:"payload,omitempty"`
	Responses  []string          `json:"responses,omitempty"`
	Final      string            `json:"final"`
	FinalLine  int               `json:"final_line"`
	FinalTime  *string           `json:"final_time,omitempty"`
	Result     string            `json:"result"`
	ResultLine int               `json:"result_line"`
	ResultTime *string           `json:"result_time,omitempty"`
	ResultArgs map[string]string `json:"result_args,omitempty"`
	Meaning    string            `json:"meaning"`
	// Outcome is "ok", "failed" or "" (pending: no answer, or one that
	// decides nothing).
	Outcome  string          `json:"outcome"`
	Warnings []atJSONWarning `json:"warnings"`
	Config   *atConf         `json:"config,omitempty"`
}

type atJSONWarning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

type atJSONEvent struct {
	Line    int               `json:"line"`
	Time    *string           `json:"time"`
	Text    string            `json:"text"`
	Dialect string            `json:"dialect"`
	Name    string            `json:"name"`
	Op      string            `json:"op"`
	Args    map[string]string `json:"args"`
	Meaning string            `json:"meaning"`
}

type atConf struct {
	Version      *int    `json:"version,omitempty"`
	KeepAlive    *int    `json:"keepalive,omitempty"`
	CleanSession *bool   `json:"clean_session,omitempty"`
	WillTopic    *string `json:"will_topic,omitempty"`
	WillPayload  *string `json:"will_payload,omitempty"`
	WillQoS      *int    `json:"will_qos,omitempty"`
	WillRetain   *bool   `json:"will_retain,omitempty"`
}

func confJSON(c at.ConnConfig) atConf {
	return atConf{c.Version, c.KeepAlive, c.CleanSession, c.WillTopic, c.WillPayload, c.WillQoS, c.WillRetain}
}

func writeAtJSON(w io.Writer, log *at.Log) error {
	doc := atJSON{Format: log.Format, Dialect: log.Dialect, TimeSource: log.TimeSource,
		Transactions: []atJSONTxn{}, Events: []atJSONEvent{}, Problems: log.Problems}
	if doc.Problems == nil {
		doc.Problems = []string{}
	}
	src := log.TimeSource
	for _, t := range log.Transactions {
		j := atJSONTxn{Line: t.Line, Time: jsonTime(t.Time, src), Command: t.Command, Dialect: t.Dialect, Name: t.Name,
			Op: string(t.Op), Args: t.Args, Responses: t.Responses, Final: t.Final, FinalLine: t.FinalLine,
			FinalTime: jsonTime(t.FinalTime, src), Result: t.Result, ResultLine: t.ResultLine,
			ResultTime: jsonTime(t.ResultTime, src), ResultArgs: t.ResultArgs, Meaning: t.Meaning, Outcome: string(t.Outcome), Warnings: []atJSONWarning{}}
		if j.Args == nil {
			j.Args = map[string]string{}
		}
		j.SocketOp = at.SocketOp(&t)
		if t.Payload != nil {
			p := string(t.Payload)
			j.Payload = &p
		}
		for _, x := range t.Warnings {
			j.Warnings = append(j.Warnings, atJSONWarning(x))
		}
		if t.Config != nil {
			c := confJSON(*t.Config)
			j.Config = &c
		}
		doc.Transactions = append(doc.Transactions, j)
	}
	for _, e := range log.Events {
		args := e.Args
		if args == nil {
			args = map[string]string{}
		}
		doc.Events = append(doc.Events, atJSONEvent{Line: e.Line, Time: jsonTime(e.Time, src), Text: e.Text,
			Dialect: e.Dialect, Name: e.Name, Op: string(e.Op), Args: args, Meaning: e.Meaning})
	}
	doc.Sockets = socketsJSON(log)
	if len(log.Config) > 0 {
		doc.Config = map[string]atConf{}
		for k, v := range log.Config {
			doc.Config[fmt.Sprint(k)] = confJSON(v)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return errors.New("writing JSON: " + err.Error())
	}
	return nil
}

// knownFormat says name is a serial log format (or a tool name it answers to).
func knownFormat(name string) bool { return at.KnownFormat(name) }
