package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
)

// The hand-written encoder writes what encoding/json writes, for every
// transaction and event of the bundled logs and some awkward strings.
func TestAtJSONEncoderMatches(t *testing.T) {
	var paths []string
	for _, g := range []string{"../../decode/at/testdata/atlogs/*.txt", "../../decode/at/testdata/seriallogs/*.txt", "../../pcaps/*/serial.*"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	odd := "q\"b\\s\n\r\t\b\f\x01\x1f\x7f\xff\u2028\u2029<&>é"
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = at.ReadLogEach(f, at.Options{}, func(it at.Item) {
			if it.Txn != nil {
				tx := *it.Txn
				tx.Responses = append(tx.Responses, odd)
				tx.Meaning += odd
				for _, v := range []*at.Transaction{it.Txn, &tx} {
					j := atTxnJSON(v)
					compareJSON(t, p, appendTxnJSON(nil, &j), j)
				}
				return
			}
			ev := *it.Event
			ev.Text += odd
			for _, v := range []*at.Event{it.Event, &ev} {
				j := atEventJSON(v)
				compareJSON(t, p, appendEventJSON(nil, &j), j)
			}
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func compareJSON(t *testing.T, name string, got []byte, v any) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if w := bytes.TrimRight(want.Bytes(), "\n"); !bytes.Equal(got, w) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, w)
	}
}

// FuzzAtJSONEncoder: for any strings (binary, invalid UTF-8, very long),
// the hand-written encoder writes what encoding/json writes.
func FuzzAtJSONEncoder(f *testing.F) {
	f.Add("AT+ECMTCONN=0,\"a\"", "pass\x00word", "\xff\xfe\u2028", 3)
	f.Add(string(bytes.Repeat([]byte{'A'}, 70000)), "", "\x1b[0m", 0)
	f.Fuzz(func(t *testing.T, cmd, arg, text string, line int) {
		tx := at.Transaction{Line: line, Command: cmd, Args: map[string]string{arg: text, "k": arg}, Responses: []string{text},
			Payload: []byte(arg), Result: text, ResultArgs: map[string]string{text: cmd},
			Warnings: []at.Warning{{Code: arg, Message: text, Fix: cmd}}}
		j := atTxnJSON(&tx)
		compareJSON(t, "fuzz", appendTxnJSON(nil, &j), j)
		ev := at.Event{Line: line, Text: text, Name: arg, Args: map[string]string{cmd: text}}
		je := atEventJSON(&ev)
		compareJSON(t, "fuzz", appendEventJSON(nil, &je), je)
	})
}

// Events past the in-memory spool go through a temporary file: the
// document is still whole and in order.
func TestAtJSONSpoolsEvents(t *testing.T) {
	var b strings.Builder
	b.WriteString("AT+ECMTCONN=0,\"dev\"\r\nOK\r\n")
	const n = 40000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "+ECMTRECV: 0,0,\"dev/cmd\",\"%d %s\"\r\n", i, strings.Repeat("p", 40))
	}
	b.WriteString("AT+ECMTDISC=0\r\nOK\r\n")
	p := filepath.Join(t.TempDir(), "events.log")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runMain("at", "--json", p)
	var doc struct {
		Transactions []struct{ Line int } `json:"transactions"`
		Events       []struct {
			Line int    `json:"line"`
			Text string `json:"text"`
		} `json:"events"`
		Format string `json:"format"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK {
		t.Fatalf("exit %d, %v\n%s", code, err, errs)
	}
	if len(out) < spoolInMemory || len(doc.Transactions) != 2 || len(doc.Events) != n || doc.Format != "raw" {
		t.Fatalf("%d bytes, %d transactions, %d events, format %q", len(out), len(doc.Transactions), len(doc.Events), doc.Format)
	}
	for i, e := range doc.Events {
		if e.Line != i+3 || !strings.Contains(e.Text, fmt.Sprintf("\"%d ", i)) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
}
