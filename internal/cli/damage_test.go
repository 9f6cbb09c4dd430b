package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skippedDoc is the "input" section of `analyze --json`.
type skippedDoc struct {
	Input []struct {
		File   string `json:"file"`
		Kind   string `json:"kind"`
		Frame  int    `json:"frame"`
		Line   int    `json:"line"`
		Offset *int64 `json:"offset"`
		What   string `json:"what"`
	} `json:"input"`
}

// Damage is part of the result: analyze lists what it skipped under
// "input" and exits 3; clean input gives an empty list.
func TestAnalyzeReportsSkippedInput(t *testing.T) {
	const sample = "../../pcaps/ecmt-wrong-password/"
	dir := t.TempDir()
	capture, err := os.ReadFile(sample + "capture.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	serial, err := os.ReadFile(sample + "serial.atmq")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcapng")
	os.WriteFile(cut, capture[:len(capture)-30], 0o644)
	// A record of the recording loses a byte of its stamp.
	lines := strings.SplitAfter(string(serial), "\n")
	lines[3] = lines[3][1:]
	badSerial := filepath.Join(dir, "serial.atmq")
	os.WriteFile(badSerial, []byte(strings.Join(lines, "")), 0o644)

	code, out, errs := runMain("analyze", "--json", sample)
	var doc skippedDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code == ExitDamaged || doc.Input == nil || len(doc.Input) != 0 {
		t.Errorf("clean: exit %d, input %+v (%v)\n%s", code, doc.Input, err, errs)
	}

	code, out, errs = runMain("analyze", "--json", "--serial", sample+"serial.atmq", "--pcap", cut)
	doc = skippedDoc{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitDamaged || len(doc.Input) != 1 || doc.Input[0].File != cut || doc.Input[0].Kind != "damaged" ||
		doc.Input[0].Frame == 0 || doc.Input[0].Offset == nil || *doc.Input[0].Offset <= 0 || !strings.Contains(doc.Input[0].What, "truncated") {
		t.Errorf("cut capture: exit %d, input %+v\n%s", code, doc.Input, errs)
	}

	code, out, errs = runMain("analyze", "--json", "--serial", badSerial, "--pcap", sample+"capture.pcapng")
	doc = skippedDoc{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitDamaged || len(doc.Input) != 1 || doc.Input[0].File != badSerial || doc.Input[0].Line != 4 ||
		doc.Input[0].Offset == nil || *doc.Input[0].Offset != int64(len(lines[0])+len(lines[1])+len(lines[2])) {
		t.Errorf("damaged log: exit %d, input %+v\n%s", code, doc.Input, errs)
	}
	// The table says it too (on stderr) and exits the same.
	if code, _, errs = runMain("analyze", "--serial", badSerial, "--pcap", sample+"capture.pcapng"); code != ExitDamaged || !strings.Contains(errs, "damaged") {
		t.Errorf("table: exit %d\n%s", code, errs)
	}
}

// at exits 3 when text was lost: a line cut at 64 KiB, a line of text
// with a NUL byte.
func TestAtExitsDamagedOnLostText(t *testing.T) {
	dir := t.TempDir()
	for name, log := range map[string]string{
		"cut":  "AT+ECMTPUB=0,1,1,0,\"t\",\"" + strings.Repeat("A", 70000) + "\"\r\nOK\r\n",
		"nul":  "AT\r\nOK\r\nAT+ECMTCONN=0,\"de\x00v\"\r\nOK\r\n",
		"json": "AT\r\nOK\r\nAT+ECMTCONN=0,\"de\x00v\"\r\nOK\r\n",
	} {
		p := filepath.Join(dir, name+".log")
		os.WriteFile(p, []byte(log), 0o644)
		args := []string{"at", p}
		if name == "json" {
			args = []string{"at", "--json", p}
		}
		code, out, errs := runMain(args...)
		if code != ExitDamaged || !strings.Contains(out, "AT") || !strings.Contains(errs, "line") {
			t.Errorf("%s: exit %d\n%.300s\n%s", name, code, out, errs)
		}
	}
}

// Files that never end are refused, also behind a link in a session
// folder; they never hang.
func TestEndlessFilesRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "serial.atmq")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"at", "/dev/zero"}, {"at", "--json", filepath.Join(dir, "serial.atmq")}, {"analyze", dir}, {"analyze", "--serial", "/dev/zero"}} {
		code, _, errs := runMain(args...)
		if code != ExitUsage || !strings.Contains(errs, "character device") {
			t.Errorf("%v: exit %d\n%s", args, code, errs)
		}
	}
}
