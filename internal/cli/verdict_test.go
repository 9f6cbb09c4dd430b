package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// Input atmq did not understand ends in exit 2 with what atmq saw, never in
// an empty healthy report.
func TestAnalyzeVerdictOnUnreadableInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	picocom := filepath.Join("..", "..", "decode", "at", "testdata", "seriallogs", "06_picocom.txt")
	pcapng := filepath.Join("..", "..", "pcaps", "ecmt-no-credentials", "capture.pcapng")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"capture without MQTT", []string{"--pcap", filepath.Join("testdata", "http_only.pcap")},
			[]string{"http_only.pcap: nothing to analyse", "24 frames read", "no MQTT packet", "--port"}},
		{"pcapng as --serial", []string{"--serial", pcapng}, []string{"a pcapng capture", "--pcap"}},
		{"empty log", []string{"--serial", write("empty.log", nil)}, []string{"empty.log: the log is empty"}},
		{"format that does not fit", []string{"--serial", picocom, "--serial-format", "sscom"},
			[]string{"format sscom (given; the content looks like raw)", "try --serial-format raw"}},
		{"boot text only", []string{"--serial", write("boot.log", []byte("U-Boot 2020.01\nStarting kernel ...\n"))},
			[]string{"no AT command", "2 lines read"}},
	} {
		code, out, errs := runAnalyzeMain(append([]string{"analyze"}, c.args...)...)
		if code != ExitUsage {
			t.Errorf("%s: exit %d, want %d; stdout %q stderr %q", c.name, code, ExitUsage, out, errs)
		}
		if strings.Contains(out, "Findings: none") || strings.Contains(errs, "no capture given") {
			t.Errorf("%s: printed a report: %q", c.name, out)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: stderr %q lacks %q", c.name, errs, w)
			}
		}
	}
}

// The same logs saved by PowerShell (UTF-16 LE with BOM) or with ANSI
// colours are analysed like the plain ones.
func TestAnalyzeDecodesTerminalNoise(t *testing.T) {
	dir := t.TempDir()
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(
		[]byte("AT+QMTOPEN=0,\"broker.example\",1883\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\nAT+QMTCONN=0,\"dev-42\"\r\nOK\r\n\r\n+QMTCONN: 0,0,5\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	ansi := []byte("AT+ECMTCONN=0,\"dev1\"\r\n\x1b[32mOK\x1b[0m\r\n\x1b[31m+ECMTCONN: 0,0,5\x1b[0m\r\n")
	for name, data := range map[string][]byte{"ps.log": utf16, "ansi.log": ansi} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runAnalyzeMain("analyze", "--serial", p)
		if code != ExitFindings || !strings.Contains(out, "connack-refused") {
			t.Errorf("%s: exit %d, want %d with connack-refused; stdout %q stderr %q", name, code, ExitFindings, out, errs)
		}
	}
}

// `atmq at` gives the same verdict: it prints what it could and exits 2.
func TestAtVerdictOnUnreadableInput(t *testing.T) {
	pcapng := filepath.Join("..", "..", "pcaps", "ecmt-no-credentials", "capture.pcapng")
	code, _, errs := runAnalyzeMain("at", pcapng)
	if code != ExitUsage || !strings.Contains(errs, "a pcapng capture, not a serial log") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	picocom := filepath.Join("..", "..", "decode", "at", "testdata", "seriallogs", "06_picocom.txt")
	if code, out, errs := runAnalyzeMain("at", picocom); code != 0 {
		t.Errorf("a readable log: exit %d\n%s%s", code, out, errs)
	}
}
