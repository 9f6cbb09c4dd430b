package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runMain(args ...string) (int, string, string) {
	var out, errw bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

const ec626Log = "../../decode/at/testdata/atlogs/08_ec626_ecmtconn_0_2_2_then_0_0_0_ssl.txt"

func TestAtJSON(t *testing.T) {
	code, out, errs := runMain("at", "--json", ec626Log)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var doc struct {
		Format       string `json:"format"`
		Dialect      string `json:"dialect"`
		TimeSource   string `json:"time_source"`
		Transactions []struct {
			Line       int               `json:"line"`
			Time       *string           `json:"time"`
			Command    string            `json:"command"`
			Dialect    string            `json:"dialect"`
			Op         string            `json:"op"`
			Args       map[string]string `json:"args"`
			Final      string            `json:"final"`
			FinalLine  int               `json:"final_line"`
			Result     string            `json:"result"`
			ResultLine int               `json:"result_line"`
			Meaning    string            `json:"meaning"`
			Outcome    string            `json:"outcome"`
			Warnings   []struct {
				Code, Message, Fix string
			} `json:"warnings"`
		} `json:"transactions"`
		Events []struct {
			Line int               `json:"line"`
			Time *string           `json:"time"`
			Text string            `json:"text"`
			Op   string            `json:"op"`
			Args map[string]string `json:"args"`
		} `json:"events"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Format != "stamped" || doc.Dialect != "ecmt" || doc.TimeSource != "log" || doc.Problems == nil {
		t.Errorf("header: %+v", doc)
	}
	var conn, sub int
	for i, x := range doc.Transactions {
		switch {
		case x.Line == 10:
			conn = i
		case x.Line == 14:
			sub = i
		}
	}
	c := doc.Transactions[conn]
	if c.Command != `AT+ECMTCONN=0,"ci_mqtt_001","neoway","neoway"` || c.Op != "connect" || c.Dialect != "ecmt" ||
		c.Args["client_id"] != "ci_mqtt_001" || c.Final != "OK" || c.FinalLine != 11 || c.Result != "+ECMTCONN: 0,2,2" ||
		c.ResultLine != 12 || c.Meaning != "send failed: the CONNECT could not be sent" || c.Outcome != "failed" || c.Time != nil {
		t.Errorf("ECMTCONN: %+v", c)
	}
	s := doc.Transactions[sub]
	if s.Final != "ERROR" || s.Outcome != "failed" || len(s.Warnings) != 1 || s.Warnings[0].Code != "unquoted-string" || s.Warnings[0].Fix != `AT+ECMTSUB=0,1,"test",2` {
		t.Errorf("ECMTSUB: %+v", s)
	}
	if len(doc.Events) != 2 || doc.Events[0].Line != 13 || doc.Events[0].Op != "connect" || doc.Events[0].Args["return_code"] != "0" ||
		doc.Events[1].Time == nil || *doc.Events[1].Time != "2026-03-11T11:34:18.32"+zoneSuffix(t, time.Date(2026, 3, 11, 11, 34, 18, 0, time.Local)) {
		t.Errorf("events: %+v", doc.Events)
	}
}

func zoneSuffix(t *testing.T, d time.Time) string {
	s := d.Format(time.RFC3339)
	return s[len("2006-01-02T15:04:05"):]
}

func TestAtTable(t *testing.T) {
	code, out, _ := runMain("at", "--dialect", "ecmt", ec626Log)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"format stamped, dialect ecmt", "+ECMTCONN: 0,2,2 (12)", "send failed", "OUTCOME", "│ failed  │ send failed", "(event) +ECMTCONN: 0,0,0", "unquoted-string"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestAtDateSource(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tio.log")
	if err := os.WriteFile(p, []byte("[10:00:00.000] AT\r\n[10:00:00.010] OK\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2025, 5, 4, 12, 0, 0, 0, time.Local)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runMain("at", "--json", p)
	if code != ExitOK || !strings.Contains(errs, "dates from the file's modification time (2025-05-04)") || !strings.Contains(out, `"time_source": "file mtime"`) ||
		!strings.Contains(out, `"time": "2025-05-04T10:00:00`) {
		t.Errorf("mtime: exit %d\n%s\n%s", code, errs, out)
	}
	code, out, errs = runMain("at", "--json", "--date", "2026-01-02", p)
	if code != ExitOK || !strings.Contains(errs, "dates from --date (2026-01-02)") || !strings.Contains(out, `"time": "2026-01-02T10:00:00`) {
		t.Errorf("--date: exit %d\n%s\n%s", code, errs, out)
	}
}

func TestAtExitCodes(t *testing.T) {
	if code, _, _ := runMain("at", "/nonexistent/file"); code != ExitUsage {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := runMain("at", "--format", "nope", ec626Log); code != ExitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	if code, _, _ := runMain("at", "--dialect", "nope", ec626Log); code != ExitUsage {
		t.Errorf("bad dialect: exit %d", code)
	}
	if code, _, _ := runMain("at", "--date", "26.11.2026", ec626Log); code != ExitUsage {
		t.Errorf("bad date: exit %d", code)
	}
	dir := t.TempDir()
	// A garbled line is normal on a UART: reported, exit 0.
	noisy := filepath.Join(dir, "noisy.log")
	os.WriteFile(noisy, []byte("\x00\xff\xfe\x01\x02\r\nAT\r\r\nOK\r\n"), 0o644)
	code, _, errs := runMain("at", noisy)
	if code != ExitOK || !strings.Contains(errs, "line 1: binary noise") {
		t.Errorf("noisy: exit %d %s", code, errs)
	}
	// A damaged record of a recording: exit 3, the rest printed.
	damaged := filepath.Join(dir, "rec.atmq")
	os.WriteFile(damaged, []byte("# atmq-serial v1\n- > AT\\r\nnot a record\n- < AT\\r\\r\\nOK\\r\\n\n"), 0o644)
	code, out, errs := runMain("at", damaged)
	if code != ExitDamaged || !strings.Contains(out, "AT") || !strings.Contains(errs, "line 3") {
		t.Errorf("damaged: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestAtStdin(t *testing.T) {
	var out, errw bytes.Buffer
	in := strings.NewReader("AT+QMTOPEN=0,\"h\",1883\r\r\nOK\r\n\r\n+QMTOPEN: 0,4\r\n")
	code := Main([]string{"at", "--json", "-"}, in, &out, &errw)
	if code != ExitOK || !strings.Contains(out.String(), `"meaning": "failed to parse domain name"`) || !strings.Contains(out.String(), `"format": "raw"`) {
		t.Errorf("exit %d\n%s\n%s", code, out.String(), errw.String())
	}
}
