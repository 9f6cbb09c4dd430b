package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/internal/browsertest"
	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// pageState is what the report page shows, read in the browser.
type pageState struct {
	Findings int      `json:"findings"`
	Codes    []string `json:"codes"`
	Evidence int      `json:"evidence"`
	Lanes    int      `json:"lanes"`
	Marks    int      `json:"marks"`
	Pairs    int      `json:"pairs"`
	Rows     int      `json:"rows"`
}

const readPageState = `(function () {
  var q = function (s) { return document.querySelectorAll(s); };
  return {
    findings: q('#findings .finding[data-finding]').length,
    codes: Array.prototype.map.call(q('#findings .finding .code'), function (e) { return e.textContent; }),
    evidence: q('#findings a.ev').length,
    lanes: q('#lanes g.lane').length,
    marks: q('#lanes rect.mark').length,
    pairs: q('#lanes path.pair').length,
    rows: q('#list .row').length
  };
})()`

// selectionState says where the selected row is after a click.
type selectionState struct {
	Ref          string `json:"ref"`
	InWindow     bool   `json:"in_window"`
	InList       bool   `json:"in_list"`
	ScrollY      int    `json:"scroll_y"`
	Detail       string `json:"detail"`
	DetailFields int    `json:"detail_fields"`
}

const readSelection = `(function () {
  var r = document.querySelector('#list .row.sel');
  if (!r) return null;
  var b = r.getBoundingClientRect(), l = document.getElementById('list').getBoundingClientRect();
  return {
    ref: r.children[2].textContent,
    in_window: b.top >= 0 && b.bottom <= window.innerHeight,
    in_list: b.top >= l.top && b.bottom <= l.bottom,
    scroll_y: Math.round(window.scrollY),
    detail: document.getElementById('detail').textContent,
    detail_fields: document.querySelectorAll('#detail .kv tr').length
  };
})()`

// TestReportSamplesInBrowser writes the report of every pcaps/ sample and
// opens it in a real headless Chromium: the findings, the four lanes, one
// mark per timeline event and one pairing path per transaction or event
// with two or more rows are drawn; clicking a finding's evidence scrolls the
// cited row into view and shows it in the detail pane; clicking a packet in
// the lanes shows its MQTT fields; the console stays free of errors; and no
// password of the sample is in the page.
func TestReportSamplesInBrowser(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "pcaps", "*", "expected.json"))
	if len(files) == 0 {
		t.Skip("no recorded samples in pcaps/")
	}
	tab := browsertest.Start(t, 5*time.Minute)
	shots := os.Getenv("ATMQ_REPORT_SCREENSHOTS") // a folder: keep a screenshot of each page
	for _, file := range files {
		dir := filepath.Dir(file)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			var expected struct {
				Findings []string `json:"findings"`
				NoErrors bool     `json:"no_errors"`
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &expected); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), name+".html")
			code, _, stderr := runAnalyzeMain("report", dir, "-o", out)
			if want := map[bool]int{true: ExitOK, false: ExitFindings}[expected.NoErrors]; code != want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, want, stderr)
			}
			page, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			checkSelfContained(t, page)
			for _, secret := range samplePasswords(t, dir) {
				if bytes.Contains(page, []byte(secret)) {
					t.Errorf("the redacted report holds the password %q", secret)
				}
			}

			// What the page must draw, from the same analysis.
			in, err := loadReportInput(analyzeOptions{Dir: dir, Redact: true}, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			in.serialFile.Close()
			res := in.Result
			paths := 0
			rowsOf := map[[2]int]int{}
			for _, row := range res.Timeline {
				if row.Tx > 0 {
					rowsOf[[2]int{0, row.Tx}]++
				}
				if row.Event > 0 {
					rowsOf[[2]int{1, row.Event}]++
				}
			}
			for _, n := range rowsOf {
				if n >= 2 {
					paths++
				}
			}

			errorsBefore := len(tab.Errors())
			if err := chromedp.Do(tab.Ctx, chromedp.Navigate("file://"+out)); err != nil {
				t.Fatal(err)
			}
			// The poll may start in the previous page's execution context
			// while the navigation replaces it ("Cannot find context with
			// specified id"): poll again in the new one.
			for try := 0; try < 5; try++ {
				err = chromedp.Do(tab.Ctx, chromedp.Poll[chromedp.Void](`document.body && document.body.getAttribute('data-ready') === '1'`, chromedp.WithPollingTimeout(30*time.Second)))
				if err == nil || !strings.Contains(err.Error(), "Cannot find context") {
					break
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			st, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[pageState](readPageState))
			if err != nil {
				t.Fatal(err)
			}
			if st.Findings != len(res.Findings) {
				t.Errorf("%d finding cards, want %d", st.Findings, len(res.Findings))
			}
			for _, c := range expected.Findings {
				if !strings.Contains(strings.Join(st.Codes, " "), c) {
					t.Errorf("finding %s not shown (cards: %v)", c, st.Codes)
				}
			}
			if st.Lanes != 4 {
				t.Errorf("%d lanes drawn, want 4", st.Lanes)
			}
			if st.Marks != len(res.Timeline) {
				t.Errorf("%d marks in the lanes, want one per timeline event (%d)", st.Marks, len(res.Timeline))
			}
			if paths == 0 || st.Pairs != paths {
				t.Errorf("%d pairing paths drawn, want %d (one per transaction or event with two or more rows)", st.Pairs, paths)
			}
			if st.Rows == 0 {
				t.Errorf("the event list shows no rows")
			}

			if st.Evidence > 0 {
				// The first evidence link of the first finding.
				ref, err := chromedp.Run(tab.Ctx, chromedp.TextContent(chromedp.CSS(`#findings a.ev`)))
				if err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`#findings a.ev`))); err != nil {
					t.Fatal(err)
				}
				sel := waitSelection(t, tab, "true")
				if sel.Ref != ref {
					t.Errorf("clicking evidence %s selected the row %s", ref, sel.Ref)
				}
				if !sel.InWindow || !sel.InList || sel.ScrollY == 0 {
					t.Errorf("evidence %s not scrolled into view: %+v", ref, sel)
				}
				if sel.DetailFields == 0 {
					t.Errorf("the detail pane shows nothing for %s: %q", ref, sel.Detail)
				}
			}

			// A packet in the lanes: its MQTT fields in the detail pane.
			if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`#lanes rect.mark.l2`))); err == nil {
				sel := waitSelection(t, tab, "s.detail.indexOf('Frame #') >= 0")
				if !strings.Contains(sel.Detail, "Frame #") || !strings.Contains(sel.Detail, "type") {
					t.Errorf("clicking a device→broker mark shows no frame detail: %q", sel.Detail)
				}
			} else {
				t.Errorf("no device→broker mark to click: %v", err)
			}

			// The finding filter keeps the rows a finding cites (and the
			// rest of their transactions).
			if len(res.Findings) > 0 {
				count, err := chromedp.Run(tab.Ctx, chromedp.Poll[string](`(function () {
				  var f = document.getElementById('f-finding');
				  if (f.value !== '0') { f.value = '0'; f.dispatchEvent(new Event('change')); }
				  var c = document.getElementById('count').textContent;
				  return c.indexOf(' of ') >= 0 || document.querySelectorAll('#list .row').length > 0 ? c : null;
				})()`, chromedp.WithPollingTimeout(10*time.Second)))
				if err != nil {
					t.Fatal(err)
				}
				rows, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[int](`document.querySelectorAll('#list .row').length`))
				if err != nil || rows == 0 || rows > len(res.Timeline) {
					t.Errorf("finding filter: %q, %d rows (%v)", count, rows, err)
				}
			}

			if shots != "" {
				png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100))
				if err == nil {
					err = os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
				}
				if err != nil {
					t.Errorf("screenshot: %v", err)
				}
			}
			if errs := tab.Errors()[errorsBefore:]; len(errs) > 0 {
				t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// waitSelection waits for a selected row for which the JavaScript
// condition on s holds (a click is handled asynchronously by the page) and
// returns where it is.
func waitSelection(t *testing.T, tab *browsertest.Tab, cond string) selectionState {
	t.Helper()
	expr := `(function () { var s = ` + readSelection + `; return s && (` + cond + `) ? s : null; })()`
	sel, err := chromedp.Run(tab.Ctx, chromedp.Poll[selectionState](expr, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		last, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[*selectionState](readSelection))
		t.Fatalf("no row selected with %s: %v (selection: %+v)", cond, err, last)
	}
	return sel
}

// checkSelfContained fails when the page would fetch anything: no
// external script, style, image or font reference.
func checkSelfContained(t *testing.T, page []byte) {
	t.Helper()
	for _, bad := range []string{"<script src", "<link", "http://", "https://", "@import", "url("} {
		if i := bytes.Index(page, []byte(bad)); i >= 0 && !(bad == "http://" && bytes.HasPrefix(page[i:], []byte("http://www.w3.org/2000/svg"))) {
			t.Errorf("the page references %q: it must need no network", bad)
		}
	}
	if len(page) > 200_000 {
		t.Errorf("a small sample's page is %d bytes: the report should stay small", len(page))
	}
}

// samplePasswords returns the passwords of a sample as typed in its log and
// as sent in its CONNECT packets (those long enough to be masked).
func samplePasswords(t *testing.T, dir string) []string {
	t.Helper()
	in, err := loadReportInput(analyzeOptions{Dir: dir}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.serialFile.Close()
	seen := map[string]bool{}
	for _, r := range in.Records {
		if p := r.Packet; p != nil && p.Type == mqtt.CONNECT && p.PasswordFlag && len(p.Password) >= 4 {
			seen[string(p.Password)] = true
		}
	}
	if in.serialFile != nil {
		log, err := at.ReadLog(in.serialFile, at.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range log.Transactions {
			if p := tx.Args[at.ArgPassword]; len(p) >= 4 {
				seen[p] = true
			}
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	return out
}

// TestReportNoRedactKeepsPasswords: --no-redact is the way to keep them.
func TestReportNoRedactKeepsPasswords(t *testing.T) {
	dir := filepath.Join("..", "..", "pcaps", "ecmt-wrong-password")
	secrets := samplePasswords(t, dir)
	if len(secrets) == 0 {
		t.Fatal("the sample has no password to look for")
	}
	out := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := runAnalyzeMain("report", dir, "--no-redact", "-o", out); code != ExitFindings {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("--no-redact: password %q missing", s)
		}
	}
	if !bytes.Contains(page, []byte(`"redacted":false`)) {
		t.Errorf("--no-redact page does not say it is not redacted")
	}
}

// TestReportUsage: no -o, no input, a missing file.
func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{
		{"report", filepath.Join("..", "..", "pcaps", "ecmt-wrong-password")},
		{"report", "-o", filepath.Join(t.TempDir(), "r.html")},
		{"report", "--serial", filepath.Join(t.TempDir(), "missing.log"), "-o", filepath.Join(t.TempDir(), "r.html")},
	} {
		code, stdout, stderr := runAnalyzeMain(args...)
		if code != ExitUsage || stderr == "" || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and a message", args, code, stdout, stderr)
		}
	}
}

// TestLiveReportWritesThePage: `atmq live --report FILE` writes the
// session's report when it ends, with the finding and without the
// password the script typed.
func TestLiveReportWritesThePage(t *testing.T) {
	needCapture(t)
	broker := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"dev": "secret"}})
	modem := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, LocalAddr: "127.0.0.5"})
	tmp := t.TempDir()
	script := filepath.Join(tmp, "connect.at")
	os.WriteFile(script, []byte(fmt.Sprintf("AT+ECMTOPEN=0,\"%s\",%d\nAT+ECMTCONN=0,\"live-dev\",\"dev\",\"wrong-pass\"\n", broker.Host, broker.Port)), 0o644)
	page := filepath.Join(tmp, "session.html")
	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, Script: script, Iface: "lo", PortFlag: []uint{uint(broker.Port)},
		Out: filepath.Join(tmp, "session"), Settle: time.Second, Tick: 100 * time.Millisecond,
		Line: capture.SerialConfig{Baud: 115200}, Report: page}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := runLive(ctx, o, &out, &errb); !isExit(err, ExitFindings) {
		t.Fatalf("live: want exit %d, got %v\nstderr:\n%s", ExitFindings, err, errb.String())
	}
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("no report: %v\nstderr:\n%s", err, errb.String())
	}
	if !bytes.Contains(raw, []byte("connack-refused")) {
		t.Errorf("the report lacks the connack-refused finding")
	}
	if bytes.Contains(raw, []byte("wrong-pass")) {
		t.Errorf("the report holds the password")
	}
	if !strings.Contains(errb.String(), "wrote "+page) {
		t.Errorf("stderr does not say the report was written:\n%s", errb.String())
	}
}

// TestReportDamagedInput: a capture cut mid-record gives the report of
// what could be read, its header listing the damage, and exit 3.
func TestReportDamagedInput(t *testing.T) {
	src := filepath.Join("..", "..", "pcaps", "ecmt-wrong-password")
	dir := t.TempDir()
	for _, name := range []string{"serial.atmq", "capture.pcapng"} {
		raw, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "capture.pcapng" {
			raw = raw[:len(raw)-7] // inside the last block
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "r.html")
	code, _, stderr := runAnalyzeMain("report", dir, "-o", out)
	if code != ExitDamaged {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitDamaged, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Input []struct {
			File string `json:"file"`
			Kind string `json:"kind"`
		} `json:"input"`
	}
	const open = `<script type="application/json" id="atmq-data">`
	i := bytes.Index(page, []byte(open))
	j := bytes.Index(page[i:], []byte("</script>"))
	if err := json.Unmarshal(page[i+len(open):i+j], &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Input) == 0 || doc.Input[0].File != "capture.pcapng" || doc.Input[0].Kind != "damaged" {
		t.Errorf("the page's input section: %+v", doc.Input)
	}
}

// TestReportRedactsEverySecret: the report of every sample and of the
// cloud-credential log carries none of their secrets by default (in the
// timeline, packet fields, raw lines or stderr); --no-redact keeps them,
// so the test sees what it looks for.
func TestReportRedactsEverySecret(t *testing.T) {
	caps, _ := filepath.Glob("../../pcaps/*/capture.pcapng")
	var inputs [][]string
	for _, c := range caps {
		inputs = append(inputs, []string{filepath.Dir(c)})
	}
	inputs = append(inputs, []string{"--serial", cloudSample})
	leaked := map[string]bool{}
	for _, in := range inputs {
		args := append([]string{"report", "-o", "-"}, in...)
		code, out, errs := runMain(args...)
		if code == ExitUsage || out == "" {
			t.Fatalf("%v: exit %d\n%s", args, code, errs)
		}
		for _, s := range secretsInSamples {
			if strings.Contains(out+errs, s) {
				t.Errorf("%v prints %q", args, s)
			}
		}
		_, out, errs = runMain(append(args, "--no-redact")...)
		for _, s := range secretsInSamples {
			if strings.Contains(out+errs, s) {
				leaked[s] = true
			}
		}
	}
	for _, s := range secretsInSamples {
		if !leaked[s] {
			t.Errorf("%q is in no report even with --no-redact: the test does not see it", s)
		}
	}
}
