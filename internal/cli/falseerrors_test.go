package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No false errors: what the user or TLS explains is not reported as a
// broker closing the connection.

// A TLS session captured without its keys ends with the broker's FIN
// after the (encrypted) DISCONNECT: closed, content not visible.
func TestTLSWithoutKeysIsNotServerClosed(t *testing.T) {
	pcap := filepath.Join("..", "..", "decode", "netcap", "testdata", "local_mqtt_tls8883_nokeys.pcap")
	// The fleet report of the capture alone, and the device's own analysis.
	code, out, errs := runAnalyzeMain("analyze", "--pcap", pcap)
	if code != ExitOK || strings.Contains(out, "server-closed") {
		t.Errorf("fleet report: exit %d, want 0 without server-closed; %s %s", code, out, errs)
	}
	code, out, errs = runAnalyzeMain("analyze", "--pcap", pcap, "--device", "127.0.0.1")
	if code != ExitOK {
		t.Errorf("exit %d, want 0; %s %s", code, out, errs)
	}
	if strings.Contains(out, "server-closed") || !strings.Contains(out, "closed (TLS, content not visible)") {
		t.Errorf("findings:\n%s", out)
	}
}

// The status URC after the user's own reset or power command is what the
// user asked for; after any other command it is still reported.
func TestResetCommandExplainsStatusURC(t *testing.T) {
	dir := t.TempDir()
	sim := "AT+CMQTTSTART\r\nOK\r\n\r\n+CMQTTSTART: 0\r\nAT+CMQTTACCQ=0,\"dev1\"\r\nOK\r\n" +
		"AT+CMQTTCONNECT=0,\"tcp://broker.hivemq.com:1883\",60,1\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n%s\r\nOK\r\n\r\n+CMQTTCONNLOST: 0,3\r\n"
	qmt := "AT+QMTOPEN=0,\"broker.emqx.io\",1883\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\nAT+QMTCONN=0,\"dev-42\"\r\nOK\r\n\r\n+QMTCONN: 0,0,0\r\n%s\r\nOK\r\n\r\n+QMTSTAT: 0,1\r\n"
	for _, c := range []struct {
		log, cmd  string
		explained bool
	}{
		{sim, "AT+CRESET", true},
		{qmt, "AT+CFUN=1,1", true},
		{qmt, "AT+QPOWD=1", true},
		{qmt, "AT+CFUN=4", true},
		{sim, "AT+CSQ", false},
		{qmt, "AT+CFUN?", false},
	} {
		p := filepath.Join(dir, "s.log")
		if err := os.WriteFile(p, []byte(strings.Replace(c.log, "%s", c.cmd, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, _ := runAnalyzeMain("analyze", "--serial", p)
		if c.explained && (code != ExitOK || strings.Contains(out, "server-closed")) {
			t.Errorf("%s: exit %d, want 0 without server-closed:\n%s", c.cmd, code, out)
		}
		if !c.explained && code != ExitFindings {
			t.Errorf("%s: exit %d, want %d (a connection lost without a reason):\n%s", c.cmd, code, ExitFindings, out)
		}
	}
}

// Wording fitted to the inputs: with a capture alone there is no command
// to blame or correct.
func TestCaptureOnlyWording(t *testing.T) {
	for _, c := range []struct {
		sample, want string
		not          []string
	}{
		{"ecmt-invalid-topic-filter", `put '#' only at the end and '+' only as a whole level, e.g. \"devices/+/cmd\"`, []string{"publish to a topic"}},
		{"ecmt-no-credentials", "the CONNECT had neither the username nor the password flag", []string{"connect command gave no credentials"}},
	} {
		pcap := filepath.Join("..", "..", "pcaps", c.sample, "capture.pcapng")
		// The device's analysis inside the capture-only (fleet) report.
		_, out, errs := runAnalyzeMain("analyze", "--pcap", pcap, "--device", "127.0.0.5", "--json")
		if !strings.Contains(out, c.want) {
			t.Errorf("%s: output lacks %q:\n%s%s", c.sample, c.want, out, errs)
		}
		for _, n := range c.not {
			if strings.Contains(out, n) {
				t.Errorf("%s: capture-only output says %q", c.sample, n)
			}
		}
	}
	// With the serial log the command is named.
	_, out, _ := runAnalyzeMain("analyze", filepath.Join("..", "..", "pcaps", "ecmt-no-credentials"), "--json")
	if !strings.Contains(out, "connect command gave no credentials") {
		t.Errorf("with the log: %s", out)
	}
}

// A --clock-offset with the wrong sign of the time zone: the content
// matches point to the right one, and atmq says so.
func TestClockOffsetContradictedByContent(t *testing.T) {
	dir := filepath.Join("..", "..", "pcaps", "ecmt-sscom-clock-8h-noise")
	_, out, _ := runAnalyzeMain("analyze", dir, "--clock-offset=-8h")
	if !strings.Contains(out, "clock-offset") || !strings.Contains(out, "--clock-offset +28800s") {
		t.Errorf("wrong sign: no hint naming +28800s:\n%s", out)
	}
	_, out, _ = runAnalyzeMain("analyze", dir, "--clock-offset=8h")
	if strings.Contains(out, "contradicts the content") {
		t.Errorf("right offset: hint given anyway:\n%s", out)
	}
}

// A live session recorded with a tap on the module's line only and echo
// off: the log holds result URCs and no command, and is still analysed as
// a serial log with its own times (one host clock for both sides).
func TestTapModuleSideOnlyIsASerialLog(t *testing.T) {
	sample := filepath.Join("..", "..", "pcaps", "ecmt-no-credentials")
	rec, err := os.ReadFile(filepath.Join(sample, "serial.atmq"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(rec), "\n") {
		if strings.HasPrefix(l, "#") || (strings.Contains(l, " < ") && !strings.Contains(l, " < AT")) {
			kept = append(kept, l)
		}
	}
	dir := t.TempDir()
	capture, err := os.ReadFile(filepath.Join(sample, "capture.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "capture.pcapng"), capture, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "serial.atmq"), []byte(strings.Join(kept, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runAnalyzeMain("analyze", dir, "--json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s %s", code, ExitFindings, out, errs)
	}
	var doc analyzeDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Clock.Method != "recording" || strings.Contains(doc.Device.Reason, "no serial log") {
		t.Errorf("clock %q, device reason %q", doc.Clock.Method, doc.Device.Reason)
	}
	_, out, _ = runAnalyzeMain("analyze", dir)
	for _, row := range strings.Split(out, "\n") {
		if strings.Contains(row, "+ECMTCONN: 0,0,5") && !strings.Contains(row, "05:13:49.489") {
			t.Errorf("serial time lost: %s", row)
		}
	}
}
