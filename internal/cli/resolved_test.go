package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The user retyped the command that had typographic quotes and the retry
// was accepted (CONNACK 0): the first attempt's at-syntax error is shown,
// marked resolved by the retry's line, and the run succeeds.
func TestResolvedFindingDoesNotFail(t *testing.T) {
	log := "AT+QMTOPEN=0,\"broker.emqx.io\",1883\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n" +
		"AT+QMTCONN=0,“dev-42”,“user”,“secret”\r\nERROR\r\n" +
		"AT+QMTCONN=0,\"dev-42\",\"user\",\"secret\"\r\nOK\r\n\r\n+QMTCONN: 0,0,0\r\n"
	p := filepath.Join(t.TempDir(), "retyped.log")
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runAnalyzeMain("analyze", "--serial", p, "--json")
	if code != 0 {
		t.Fatalf("exit %d, want 0; %s %s", code, out, errs)
	}
	var doc struct {
		Findings []struct {
			Code           string `json:"code"`
			Severity       string `json:"severity"`
			Line           int    `json:"line"`
			ResolvedByLine int    `json:"resolved_by_line"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range doc.Findings {
		if f.Code == "at-syntax" && f.Severity == "error" && f.Line == 5 {
			found = true
			if f.ResolvedByLine != 7 {
				t.Errorf("at-syntax resolved_by_line %d, want 7", f.ResolvedByLine)
			}
		}
	}
	if !found {
		t.Fatalf("no at-syntax error on line 5: %s", out)
	}
	code, out, _ = runAnalyzeMain("analyze", "--serial", p)
	if code != 0 || !strings.Contains(out, "(resolved by line 7)") {
		t.Errorf("table: exit %d, want 0 with the resolution shown:\n%s", code, out)
	}
	// Without the retry the same error fails the run.
	if err := os.WriteFile(p, []byte(log[:strings.Index(log, "AT+QMTCONN=0,\"dev-42\"")]), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runAnalyzeMain("analyze", "--serial", p); code != ExitFindings {
		t.Errorf("unresolved: exit %d, want %d\n%s", code, ExitFindings, out)
	}
}
