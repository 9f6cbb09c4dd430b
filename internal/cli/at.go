package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

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
	Redact  bool // mask passwords, device secrets, PSKs
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
	f.BoolVar(&o.Redact, "redact", false, "mask secrets (passwords, device secrets, PSKs) in the output")
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
		f, err := openLogFile(path)
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
	var log *at.Log
	var err error
	var masker at.Masker
	read := func(each func(at.Item)) (*at.Log, error) {
		if !o.Redact {
			return at.ReadLogEach(r, opts, each)
		}
		log, err := at.ReadLogEach(r, opts, func(it at.Item) {
			if t := it.Txn; t != nil {
				masker.AddTransaction(t)
				masker.MaskTransaction(t)
			} else {
				masker.MaskEvent(it.Event)
			}
			each(it)
		})
		if err == nil {
			// Problems quote lines, which may hold a secret.
			for i, p := range log.Problems {
				log.Problems[i] = masker.Mask(p)
			}
		}
		return log, err
	}
	if o.JSON {
		js := newAtJSONStream(s.Out)
		log, err = pipeItems(read, js.item)
		if err == nil {
			err = js.finish(log)
			if err != nil {
				return withCode(ExitUsage, err)
			}
		}
	} else {
		ts := newAtTableStream(s.Out, s.Term)
		log, err = pipeItems(read, ts.item)
		if err == nil {
			if err = ts.finish(log); err != nil {
				return withCode(ExitUsage, err)
			}
		}
	}
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("%s: %w", path, err))
	}
	switch log.TimeSource {
	case "--date", "file mtime", "capture":
		fmt.Fprintf(s.Err, "atmq: %s stamps only the time of day; dates from %s (%s)\n",
			path, log.TimeSource, opts.Date.Format("2006-01-02"))
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

// Parts of the JSON document of `atmq at --json` (documented in README.md).
type atJSONTxn struct {
	Line       int               `json:"line"`
	Time       *string           `json:"time"`
	Command    string            `json:"command"`
	Dialect    string            `json:"dialect"`
	Name       string            `json:"name"`
	Op         string            `json:"op"`
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

// knownFormat says name is a serial log format (or a tool name it answers to).
func knownFormat(name string) bool { return at.KnownFormat(name) }
