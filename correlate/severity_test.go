package correlate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Severity is a named type; its JSON and its text are the words scripts
// and expected.json files match on, and findings sort by it.
func TestSeverityTextAndJSON(t *testing.T) {
	for sev, word := range map[Severity]string{SeverityError: "error", SeverityWarning: "warning", SeverityInfo: "info"} {
		if sev.String() != word || fmt.Sprint(sev) != word {
			t.Errorf("%q.String() = %q", word, sev.String())
		}
		b, err := json.Marshal(Finding{Code: CodeTCPRefused, Severity: sev})
		if err != nil || !strings.Contains(string(b), `"severity":"`+word+`"`) {
			t.Errorf("JSON %s, %v", b, err)
		}
		var back Finding
		if err := json.Unmarshal(b, &back); err != nil || back.Severity != sev {
			t.Errorf("round trip of %s: %q, %v", b, back.Severity, err)
		}
	}
	fs := &findingSet{findings: []Finding{{Severity: SeverityInfo, Line: 1}, {Severity: SeverityWarning, Line: 1}, {Severity: SeverityError, Line: 9}}}
	var order []string
	for _, f := range fs.sortedFindings() {
		order = append(order, f.Severity.String())
	}
	if strings.Join(order, " ") != "error warning info" {
		t.Errorf("sorted %v", order)
	}
}
