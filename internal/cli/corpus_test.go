package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
)

// The real-log corpus (decode/at/testdata/atlogs): public AT logs as users
// posted them, each with its source in its header and its expected reading
// in NAME.expect.json. Every command must be found on its line with its op,
// final and result, the expected findings must be present (and the absent
// ones absent), and a successful session must have no error finding.

type corpusExpect struct {
	Log          string          `json:"log"`
	Dialect      string          `json:"dialect"`
	Style        string          `json:"style"`
	Session      string          `json:"session"`
	AnalyzeExit  *int            `json:"analyze_exit"`
	Times        json.RawMessage `json:"times"` // a note; present = the log has stamps
	Transactions []struct {
		Line       int    `json:"line"`
		Command    string `json:"command"`
		Op         string `json:"op"`
		Final      string `json:"final"`
		FinalLine  *int   `json:"final_line"`
		Result     string `json:"result"`
		ResultLine *int   `json:"result_line"`
		Outcome    string `json:"outcome"`
	} `json:"transactions"`
	Events []struct {
		Line int    `json:"line"`
		Text string `json:"text"`
		Op   string `json:"op"`
	} `json:"events"`
	Findings struct {
		Present []struct {
			Code           string `json:"code"`
			Severity       string `json:"severity"`
			Line           int    `json:"line"`
			ResolvedByLine int    `json:"resolved_by_line"`
		} `json:"present"`
		Absent         []string `json:"absent"`
		NoErrorFinding bool     `json:"no_error_finding"`
	} `json:"findings"`
}

// dialectGaps are expectations that need AT-command knowledge decode/at's
// dialects do not have yet, keyed "<log>:<line>" (a transaction) or
// "<log>:event<line>" (an event). They are logged, not failed, and fail
// once the reading meets them, so the list shrinks; it is empty now.
var dialectGaps = map[string]string{}

func TestRealLogCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "decode", "at", "testdata", "atlogs", "expect", "*.expect.json"))
	if len(files) < 30 {
		t.Fatalf("%d corpus expectations in decode/at/testdata/atlogs/expect, want at least 30", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".expect.json"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var exp corpusExpect
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			logPath := filepath.Join(filepath.Dir(filepath.Dir(file)), exp.Log)
			f, err := os.Open(logPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			log, err := at.ReadLog(f, at.Options{})
			if err != nil {
				t.Fatal(err)
			}
			code, out, errs := runAnalyzeMain("analyze", "--serial", logPath, "--json")
			if exp.AnalyzeExit != nil && code != *exp.AnalyzeExit {
				t.Errorf("analyze exit %d, want %d (stderr %q)", code, *exp.AnalyzeExit, errs)
			}
			if exp.Style == "no-at" {
				if log.Verdict("--format") == "" || code != ExitUsage {
					t.Errorf("not an AT log, yet understood (exit %d)", code)
				}
				return
			}
			if v := log.Verdict("--format"); v != "" {
				t.Fatalf("not understood: %s", v)
			}
			if exp.Dialect != "" && log.Dialect != exp.Dialect {
				t.Errorf("dialect %q, want %q", log.Dialect, exp.Dialect)
			}
			checkCorpusTransactions(t, log, exp)
			res := correlate.Analyze(log, nil, correlate.Options{})
			checkCorpusFindings(t, res, exp)
			if len(exp.Times) > 0 && string(exp.Times) != "false" && string(exp.Times) != "null" {
				checkCorpusTimes(t, log, out)
			}
		})
	}
}

func checkCorpusTransactions(t *testing.T, log *at.Log, exp corpusExpect) {
	t.Helper()
	byLine := map[int][]*at.Transaction{}
	for i := range log.Transactions {
		tr := &log.Transactions[i]
		byLine[tr.Line] = append(byLine[tr.Line], tr)
	}
	for _, w := range exp.Transactions {
		var got *at.Transaction
		for _, tr := range byLine[w.Line] {
			if tr.Command == w.Command {
				got = tr
			}
		}
		if got == nil {
			t.Errorf("line %d: no transaction %q (on that line: %s)", w.Line, w.Command, commandsOn(byLine[w.Line]))
			continue
		}
		var diffs []string
		cmp := func(what, g, e string) {
			if g != e {
				diffs = append(diffs, fmt.Sprintf("%s %q, want %q", what, g, e))
			}
		}
		cmp("op", string(got.Op), w.Op)
		cmp("final", got.Final, w.Final)
		cmp("result", got.Result, w.Result)
		cmp("outcome", string(got.Outcome), w.Outcome)
		if w.FinalLine != nil && got.FinalLine != *w.FinalLine {
			diffs = append(diffs, fmt.Sprintf("final_line %d, want %d", got.FinalLine, *w.FinalLine))
		}
		if w.ResultLine != nil && got.ResultLine != *w.ResultLine {
			diffs = append(diffs, fmt.Sprintf("result_line %d, want %d", got.ResultLine, *w.ResultLine))
		}
		gap, known := dialectGaps[fmt.Sprintf("%s:%d", strings.TrimSuffix(exp.Log, ".txt"), w.Line)]
		switch {
		case len(diffs) > 0 && known:
			t.Logf("line %d %s: %s (known gap: %s)", w.Line, w.Command, strings.Join(diffs, "; "), gap)
		case len(diffs) > 0:
			t.Errorf("line %d %s: %s", w.Line, w.Command, strings.Join(diffs, "; "))
		case known:
			t.Errorf("line %d %s: read as expected now: remove it from dialectGaps", w.Line, w.Command)
		}
	}
	for _, w := range exp.Events {
		found := false
		for _, e := range log.Events {
			// the expected text may stop before the payload the URC carries
			text := e.Text == w.Text || strings.HasPrefix(e.Text, w.Text+",")
			if e.Line == w.Line && text && (w.Op == "" || string(e.Op) == w.Op) {
				found = true
			}
		}
		gap, known := dialectGaps[fmt.Sprintf("%s:event%d", strings.TrimSuffix(exp.Log, ".txt"), w.Line)]
		switch {
		case !found && known:
			t.Logf("no event %q on line %d (known gap: %s)", w.Text, w.Line, gap)
		case !found:
			t.Errorf("no event %q (op %q) on line %d", w.Text, w.Op, w.Line)
		case known:
			t.Errorf("event on line %d read as expected now: remove it from dialectGaps", w.Line)
		}
	}
}

func commandsOn(ts []*at.Transaction) string {
	var s []string
	for _, t := range ts {
		s = append(s, fmt.Sprintf("%q", t.Command))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func checkCorpusFindings(t *testing.T, res *correlate.Result, exp corpusExpect) {
	t.Helper()
	var have []string
	for _, f := range res.Findings {
		have = append(have, fmt.Sprintf("%s/%s@%d", f.Code, f.Severity, f.Line))
	}
	for _, w := range exp.Findings.Present {
		found := false
		for _, f := range res.Findings {
			if f.Code == w.Code && (w.Severity == "" || string(f.Severity) == w.Severity) && (w.Line == 0 || f.Line == w.Line || containsInt(f.Lines, w.Line)) &&
				(w.ResolvedByLine == 0 || f.ResolvedByLine == w.ResolvedByLine) {
				found = true
			}
		}
		if !found {
			t.Errorf("finding %s/%s@%d (resolved by %d) missing (have %v)", w.Code, w.Severity, w.Line, w.ResolvedByLine, have)
		}
	}
	for _, code := range exp.Findings.Absent {
		for _, f := range res.Findings {
			if f.Code == code {
				t.Errorf("finding %s present, expected absent: %s", code, f.Summary)
			}
		}
	}
	if exp.Findings.NoErrorFinding || exp.Session == "success" {
		for _, f := range res.Findings {
			if f.Severity == "error" && !resolvedFinding(f) {
				t.Errorf("error finding %s on a successful session: %s", f.Code, f.Summary)
			}
		}
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func resolvedFinding(f correlate.Finding) bool { return f.ResolvedByLine > 0 }

// checkCorpusTimes: a log with its own stamps keeps them on every command,
// in the decoded log and in analyze's JSON.
func checkCorpusTimes(t *testing.T, log *at.Log, analyzeJSON string) {
	t.Helper()
	for _, tr := range log.Transactions {
		if tr.Time.IsZero() {
			t.Errorf("line %d %s: no time", tr.Line, tr.Command)
		}
	}
	var doc struct {
		Transactions []struct {
			Line int              `json:"line"`
			Time *json.RawMessage `json:"time"`
		} `json:"transactions"`
	}
	if err := json.Unmarshal([]byte(analyzeJSON), &doc); err != nil {
		t.Fatalf("analyze --json: %v", err)
	}
	for _, tr := range doc.Transactions {
		if tr.Time == nil || string(*tr.Time) == "null" {
			t.Errorf("analyze: line %d has no time", tr.Line)
		}
	}
}
