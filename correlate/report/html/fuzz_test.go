package html

import (
	"bytes"
	"strings"
	"testing"

	"github.com/atmq/atmq/correlate"
)

// FuzzSerialContext: any log, any named line: no error but a read error,
// every kept line bounded and within the context of a named one.
func FuzzSerialContext(f *testing.F) {
	f.Add([]byte("AT\r\nOK\r\n"), 1)
	f.Add([]byte(strings.Repeat("x", 70_000)+"\n\x00\xff\r"), 2)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, log []byte, line int) {
		got, err := serialContextLines(bytes.NewReader(log), map[int]bool{line: true}, func(s string) string { return s })
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range got {
			n, text := l[0].(int), l[1].(string)
			if n < line-serialContext || n > line+serialContext {
				t.Fatalf("kept line %d for named line %d", n, line)
			}
			if len(text) > 4*maxSerialLine+40 {
				t.Fatalf("line %d shown as %d bytes", n, len(text))
			}
		}
	})
}

// FuzzWrite: any row text and finding text gives a page whose data
// elements cannot be closed early and decode as JSON.
func FuzzWrite(f *testing.F) {
	f.Add("</script><script>alert(1)</script>", "<!--", "\u2028\xff")
	f.Add("AT+ECMTCONN=0,\"a\"", "", "")
	f.Fuzz(func(t *testing.T, rowText, summary, fix string) {
		res := &correlate.Result{
			Timeline:     []correlate.Row{{Lane: correlate.LaneHostToModule, Tx: 1, Line: 1, Text: rowText}},
			Transactions: []correlate.Transaction{{Line: 1, Command: rowText, Op: "connect"}},
			Findings:     []correlate.Finding{{Code: "x", Severity: correlate.SeverityError, Line: 1, Summary: summary, Fix: fix}},
		}
		var buf bytes.Buffer
		if err := Write(&buf, Input{Result: res, Serial: strings.NewReader(rowText)}); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		if n := strings.Count(strings.ToLower(page), "</script"); n != 4 {
			t.Fatalf("%d </script in the page, want 4", n)
		}
		var doc document
		var det detailDocument
		dataOf(t, page, "atmq-data", &doc)
		dataOf(t, page, "atmq-detail", &det)
		if len(doc.Cols.Text) != 1 || len(det.Txs) != 1 {
			t.Fatalf("data: %d rows, %d transactions", len(doc.Cols.Text), len(det.Txs))
		}
	})
}
