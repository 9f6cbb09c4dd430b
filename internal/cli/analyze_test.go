package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/internal/scenario"
)

// analyzeDoc is the part of the --json document the tests read.
type analyzeDoc struct {
	Device struct {
		Connections []struct{ Conn int } `json:"connections"`
		Reason      string               `json:"reason"`
	} `json:"device"`
	Clock struct {
		OffsetSeconds float64 `json:"offset_seconds"`
		Method        string  `json:"method"`
	} `json:"clock"`
	Transactions []struct {
		Line    int    `json:"line"`
		Command string `json:"command"`
		Op      string `json:"op"`
		Final   string `json:"final"`
		Result  string `json:"result"`
		Frames  []int  `json:"frames"`
	} `json:"transactions"`
	Findings []struct {
		Code           string `json:"code"`
		Severity       string `json:"severity"`
		Summary        string `json:"summary"`
		ResolvedByLine int    `json:"resolved_by_line"`
	} `json:"findings"`
}

func runAnalyzeMain(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

// TestAnalyzeSamples runs the command over every recorded session in
// pcaps/ with the real readers and checks its expected.json.
func TestAnalyzeSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "pcaps", "*", "expected.json"))
	if len(files) == 0 {
		t.Skip("no recorded samples in pcaps/")
	}
	for _, file := range files {
		dir := filepath.Dir(file)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want scenario.Expected
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			code, out, stderr := runAnalyzeMain("analyze", dir, "--json")
			var doc analyzeDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("exit %d, output is not JSON: %v\n%s\n%s", code, err, out, stderr)
			}
			codes := map[string]bool{}
			errs := 0
			var all []string
			for _, f := range doc.Findings {
				codes[f.Code] = true
				all = append(all, f.Severity+" "+f.Code+": "+f.Summary)
				if f.Severity == "error" && f.ResolvedByLine == 0 {
					errs++
				}
			}
			for _, c := range want.Findings {
				if !codes[c] {
					t.Errorf("finding %s missing; got %v", c, all)
				}
			}
			for _, c := range want.Absent {
				if codes[c] {
					t.Errorf("finding %s must not be reported; got %v", c, all)
				}
			}
			if want.NoErrors && errs > 0 {
				t.Errorf("healthy session has error findings: %v", all)
			}
			wantCode := ExitOK
			if errs > 0 {
				wantCode = ExitFindings
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d (stderr: %s)", code, wantCode, stderr)
			}
			if want.ClockOffsetSeconds != nil {
				tol := math.Max(want.ClockToleranceSeconds, 0.5)
				if d := math.Abs(doc.Clock.OffsetSeconds - *want.ClockOffsetSeconds); d > tol {
					t.Errorf("clock offset %.3f s, want %.3f ± %.1f (method %s)", doc.Clock.OffsetSeconds, *want.ClockOffsetSeconds, tol, doc.Clock.Method)
				}
			}
			if len(doc.Device.Connections) == 0 && len(doc.Transactions) > 0 && !codes["not-on-wire"] {
				t.Errorf("no device connection chosen: %s", doc.Device.Reason)
			}
			// In a session without errors every MQTT command the module
			// says succeeded is paired with frames.
			if want.NoErrors {
				for _, tr := range doc.Transactions {
					switch tr.Op {
					case "open", "connect", "subscribe", "unsubscribe", "publish", "disconnect":
						if tr.Final == "OK" && len(tr.Frames) == 0 {
							t.Errorf("line %d %s: no frames paired", tr.Line, tr.Command)
						}
					}
				}
			}
			// The other renderers work on every sample.
			for _, format := range []string{"table", "mermaid"} {
				c, out, stderr := runAnalyzeMain("analyze", dir, "--format", format)
				if c != code || out == "" {
					t.Errorf("--format %s: exit %d (want %d), %d bytes; %s", format, c, code, len(out), stderr)
				}
			}
		})
	}
}

func TestAnalyzeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	two := filepath.Join(dir, "two")
	os.Mkdir(two, 0o755)
	os.WriteFile(filepath.Join(two, "a.pcap"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(two, "b.pcapng"), []byte("x"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	notCap := filepath.Join(dir, "notcap.pcap")
	os.WriteFile(notCap, []byte("this is not a capture"), 0o644)
	for _, args := range [][]string{
		{"analyze"},
		{"analyze", "--serial", filepath.Join(dir, "missing.log")},
		{"analyze", "--pcap", notCap},
		{"analyze", two},
		{"analyze", empty},
		{"analyze", "--serial", "x", "--format", "svg"},
		{"analyze", "--serial", "x", "--json", "--format", "mermaid"},
		{"analyze", "--serial", "x", "--clock-offset", "soon"},
		{"analyze", "--serial", "x", "--device", "not-an-ip"},
		{"analyze", "--serial", "x", "--dialect", "nokia"},
		{"analyze", "--serial", "x", "--port", "70000"},
		{"analyze", "a", "b"},
	} {
		if code, _, stderr := runAnalyzeMain(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, stderr)
		}
	}
}

// A serial log alone explains the module's result codes; exit 1 for the
// refusal it reports.
func TestAnalyzeSerialOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serial.atmq")
	log := "# atmq-serial v1\n" +
		`2026-11-26T05:00:00.000Z > AT+ECMTOPEN=0,"10.0.0.1",1883\r` + "\n" +
		`2026-11-26T05:00:00.010Z < \r\nOK\r\n` + "\n" +
		`2026-11-26T05:00:00.100Z < \r\n+ECMTOPEN: 0,0\r\n` + "\n" +
		`2026-11-26T05:00:01.000Z > AT+ECMTCONN=0,"dev1"\r` + "\n" +
		`2026-11-26T05:00:01.010Z < \r\nOK\r\n` + "\n" +
		`2026-11-26T05:00:01.100Z < \r\n+ECMTCONN: 0,0,5\r\n` + "\n"
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runAnalyzeMain("analyze", "--serial", path, "--json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; %s", code, stderr)
	}
	var doc analyzeDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range doc.Findings {
		got[f.Code] = true
	}
	if !got["connack-refused"] || !got["no-credentials"] {
		t.Errorf("findings %+v", doc.Findings)
	}
	if doc.Clock.Method != "none" {
		t.Errorf("clock method %q", doc.Clock.Method)
	}
}

func TestParseOffset(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"8h": 8 * time.Hour, "-3.2s": -3200 * time.Millisecond, "28800": 8 * time.Hour, "-1.5": -1500 * time.Millisecond, "1h30m": 90 * time.Minute,
	} {
		got, err := parseOffset(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "1e300", "NaN"} {
		if _, err := parseOffset(in); err == nil {
			t.Errorf("%q: want error", in)
		}
	}
}
