package correlate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
)

// The logs below are excerpts of the real logs in
// decode/at/testdata/atlogs (sources in their "# source:" lines), run
// through the real decoder.

// findingsOn returns the findings about a serial line.
func findingsOn(res *Result, line int) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Line == line {
			out = append(out, f)
		}
	}
	return out
}

// oneFinding requires exactly one finding about line, with code and
// severity, and returns it.
func oneFinding(t *testing.T, res *Result, line int, code string, severity Severity) Finding {
	t.Helper()
	fs := findingsOn(res, line)
	if len(fs) != 1 || fs[0].Code != code || fs[0].Severity != severity {
		t.Fatalf("want one %s %s on line %d; got %v", severity, code, line, describeFindings(res))
	}
	return fs[0]
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q: %s", what, sub, s)
		}
	}
}

// atlogs/02: ESP-AT answers a refused connect with +MQTTDISCONNECTED and
// ERROR; the broker is Tencent's and the credentials are plain strings.
func TestESPATConnectFailedTencent(t *testing.T) {
	l := decodeLog(t, "espat", "AT+MQTTUSERCFG=0,1,\"23SI6PNSS9esp32\",\"23SI6PNSS9esp32\",\"hmacsha256\",0,0,\"\"\r\n\r\nOK\r\n"+
		"AT+MQTTCONN=0,\"23SI6PNSS9.iotcloud.tencentdevices.com\",1883,1\r\n+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n")
	res := Analyze(l, nil, Options{})
	f := oneFinding(t, res, 4, CodeConnectFailed, SeverityError)
	mustContain(t, "explanation", f.Explanation, "CONNACK", "no capture", "Tencent", `"23SI6PNSS9esp32" has not`, "hmacsha256")
	mustContain(t, "fix", f.Fix, "AT+MQTTUSERCFG=0,1,\"23SI6PNSS9esp32\",\"<signed username>\"")
	if findFinding(res, CodeCommandError) != nil {
		t.Errorf("the connect's ERROR reported twice: %v", describeFindings(res))
	}

	// Credentials in Tencent's signed form: no claim that they are wrong.
	l = decodeLog(t, "espat", "AT+MQTTUSERCFG=0,1,\"P1P1P1P1P1dev\",\"P1P1P1P1P1dev;12010126;ABCDE;1700000000\",\"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9;hmacsha256\",0,0,\"\"\r\nOK\r\n"+
		"AT+MQTTCONN=0,\"P1P1P1P1P1.iotcloud.tencentdevices.com\",1883,1\r\n+MQTTDISCONNECTED:0\r\nERROR\r\n")
	res = Analyze(l, nil, Options{})
	f = oneFinding(t, res, 3, CodeConnectFailed, SeverityError)
	if strings.Contains(f.Explanation, "Tencent") {
		t.Errorf("signed credentials called wrong: %s", f.Explanation)
	}
	mustContain(t, "fix", f.Fix, "capture the network side")
}

// atlogs/06: an LTE module cannot reach a broker on a private LAN
// address; both attempts fail the same way and give one finding.
func TestCMQTTSockConnectFailPrivateAddress(t *testing.T) {
	l := decodeLog(t, "cmqtt", "AT+CMQTTSTART\r\n\r\nOK\r\n\r\n+CMQTTSTART: 0\r\n"+
		"AT+CMQTTACCQ=0,\"a1accq\",0\r\n\r\nOK\r\n"+
		"AT+CMQTTCONNECT=0,\"tcp://192.168.43.128:1883\",20,1\r\n\r\n+CMQTTCONNECT: 0,3\r\n\r\nERROR\r\n"+
		"AT+CMQTTCONNECT=0,\"tcp://192.168.43.128\",20,1\r\n\r\n+CMQTTCONNECT: 0,3\r\n\r\nERROR\r\n")
	res := Analyze(l, nil, Options{})
	if len(res.Findings) != 1 {
		t.Fatalf("want one grouped finding; got %v", describeFindings(res))
	}
	f := res.Findings[0]
	first, second := l.Transactions[2].Line, l.Transactions[3].Line
	if f.Code != CodeOpenFailed || f.Severity != SeverityError || f.Line != first || !equalInts(f.Lines, []int{first, second}) {
		t.Fatalf("got %+v", f)
	}
	mustContain(t, "summary", f.Summary, "192.168.43.128", "sock connect fail", "also on line")
	mustContain(t, "explanation", f.Explanation, "private", "cellular")
	mustContain(t, "fix", f.Fix, "public address")

	// A public address gets the generic reachability fix, no LAN claim.
	l = decodeLog(t, "cmqtt", "AT+CMQTTCONNECT=0,\"tcp://203.0.113.7:1883\",20,1\r\nOK\r\n+CMQTTCONNECT: 0,3\r\n")
	res = Analyze(l, nil, Options{})
	f = oneFinding(t, res, 1, CodeOpenFailed, SeverityError)
	if strings.Contains(f.Explanation, "private") {
		t.Errorf("public address called private: %s", f.Explanation)
	}
}

// atlogs/07: the connect commands are not in the log, only
// +CMQTTCONNECT: 0,32 after the SSL context dump.
func TestCMQTTHandshakeFailEvent(t *testing.T) {
	l := decodeLog(t, "cmqtt", "+CSSLCFG: 0,4,0,1,300,\"emqxsl-ca.pem\",\"\",\"\",1,\"\",0xFFFF\r\nOK\r\n"+
		"+CMQTTSTART: 0\r\n\r\nOK\r\n\r\nOK\r\n\r\n+CMQTTCONNECT: 0,32\r\n")
	res := Analyze(l, nil, Options{})
	f := oneFinding(t, res, 9, CodeTLSFailure, SeverityError)
	mustContain(t, "summary", f.Summary, "+CMQTTCONNECT: 0,32", "handshake fail")
	mustContain(t, "explanation", f.Explanation, "no command in the log", "+CSSLCFG printed on lines 1-1")
	mustContain(t, "fix", f.Fix, `AT+CSSLCFG="cacert",0`, `"enableSNI"`, `"sslversion"`)
}

// atlogs/05 part 2 as the issue title gives it: the TLS setup commands
// are named in the finding, and the SSL context the connection is bound
// to is used in the fix.
func TestCMQTTHandshakeFailCommand(t *testing.T) {
	log := "AT+CSSLCFG=\"sslversion\",1,4\r\nOK\r\nAT+CSSLCFG=\"cacert\",1,\"my_cert.pem\"\r\nOK\r\n" +
		"AT+CSSLCFG=\"enableSNI\", 1, 1\r\nOK\r\nAT+CMQTTSTART\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n" +
		"AT+CMQTTSSLCFG=0,1\r\nOK\r\nAT+CMQTTACCQ=0,\"device_002\",1\r\nOK\r\n" +
		"AT+CMQTTCONNECT=0,\"tcp://hub.azure-devices.net:8883\",60,1\r\nOK\r\n\r\n+CMQTTCONNECT: 0,32\r\n"
	l := decodeLog(t, "cmqtt", log)
	res := Analyze(l, nil, Options{})
	f := oneFinding(t, res, 15, CodeTLSFailure, SeverityError)
	mustContain(t, "explanation", f.Explanation, "3× AT+CSSLCFG (lines 1, 3, 5)", "AT+CMQTTSSLCFG=0,1 (line 11)", `AT+CMQTTACCQ=0,"device_002",1 (line 13)`)
	mustContain(t, "fix", f.Fix, "AT+CMQTTSSLCFG=0,1", `AT+CSSLCFG="cacert",1`)
}

// atlogs/05 as stored: the result URC is cut after "0,". That is no
// success; the log cannot say more, so a warning.
func TestCMQTTConnectResultCut(t *testing.T) {
	l := decodeLog(t, "cmqtt", "AT+CMQTTSSLCFG=0,0\r\nOK\r\nAT+CMQTTACCQ=0,\"device_002\",1\r\nOK\r\n"+
		"AT+CMQTTCONNECT=0,\"tcp://hub.azure-devices.net:8883\",60,1\r\nOK\r\n\r\n+CMQTTCONNECT: 0,")
	res := Analyze(l, nil, Options{})
	f := oneFinding(t, res, 5, CodeConnectUnconfirmed, SeverityWarning)
	mustContain(t, "explanation", f.Explanation, "cut", "TLS", "32 (handshake fail)")
}

// atlogs/08: +ECMTCONN: 0,2,2 (the CONNECT could not be sent), then a
// contradicting +ECMTCONN: 0,0,0; the log holds the session twice.
func TestECMTConnectSendFailed(t *testing.T) {
	session := "AT+ECMTCFG=\"ssl\",2,\"ca_cert.pem\",\"client.crt2.pem\",\"ck.pem\"\r\nOK\r\n" +
		"AT+ECMTOPEN=0,\"219.144.245.178\",13013\r\nOK\r\n+ECMTOPEN: 0,0\r\n" +
		"AT+ECMTCONN=0,\"ci_mqtt_001\",\"neoway\",\"neoway\"\r\nOK\r\n+ECMTCONN: 0,2,2\r\n+ECMTCONN: 0,0,0\r\n"
	l := decodeLog(t, "ecmt", session+session)
	res := Analyze(l, nil, Options{})
	if len(res.Findings) != 1 {
		t.Fatalf("want one finding for both views; got %v", describeFindings(res))
	}
	f := res.Findings[0]
	if f.Code != CodeConnectFailed || f.Severity != SeverityError || f.Line != 6 || !equalInts(f.Lines, []int{6, 15}) {
		t.Fatalf("got %+v", f)
	}
	mustContain(t, "summary", f.Summary, "219.144.245.178", "+ECMTCONN: 0,2,2", "also on line 15")
	mustContain(t, "explanation", f.Explanation, "could not send the CONNECT", `AT+ECMTCFG="ssl"`, "+ECMTCONN: 0,0,0 (accepted) on line 9", "TLS context")
}

// atlogs/10: the connect commands are not in the log; the URCs carry
// CONNACK return codes 2 and 5, each followed by +QMTSTAT: 0,4.
func TestQMTConnackRefusalEvents(t *testing.T) {
	l := decodeLog(t, "qmt", "+QMTCONN: 0,0,2\r\n+QMTSTAT: 0,4\r\n+QMTCONN: 0,0,5\r\n+QMTSTAT: 0,4\r\n")
	res := Analyze(l, nil, Options{})
	if len(res.Findings) != 2 {
		t.Fatalf("want two refusals and no separate close; got %v", describeFindings(res))
	}
	id := oneFinding(t, res, 1, CodeConnackRefused, SeverityError)
	auth := oneFinding(t, res, 3, CodeConnackRefused, SeverityError)
	if id.ConnackCode == nil || *id.ConnackCode != 2 || auth.ConnackCode == nil || *auth.ConnackCode != 5 {
		t.Fatalf("connack codes %v %v", id.ConnackCode, auth.ConnackCode)
	}
	mustContain(t, "rc 2 explanation", id.Explanation, "identifier rejected", "[MQTT-3.1.3-5]")
	mustContain(t, "rc 2 fix", id.Fix, "client id", "AT+QMTCONN=0,")
	mustContain(t, "rc 5 explanation", auth.Explanation, "not authorized", "credentials")
	mustContain(t, "rc 5 fix", auth.Fix, "access token as the MQTT username", "AT+QMTCONN=0,")

	// A state answer (two fields) is no connect result.
	l = decodeLog(t, "qmt", "AT+QMTCONN?\r\n+QMTCONN: 0,3\r\n\r\nOK\r\n")
	if res := Analyze(l, nil, Options{}); len(res.Findings) != 0 {
		t.Errorf("state query gave findings: %v", describeFindings(res))
	}
}

// EC616 auto-reconnect: after a close the module reconnects by itself and
// reports the CONNACK in an unsolicited +ECMTCONN; a refusal there is the
// session's failure, with the credentials of the connect command.
func TestECMTAutoReconnectRefused(t *testing.T) {
	l := decodeLog(t, "ecmt", "AT+ECMTOPEN=0,\"broker.example.com\",1883\r\nOK\r\n+ECMTOPEN: 0,0\r\n"+
		"AT+ECMTCONN=0,\"dev1\"\r\nOK\r\n+ECMTCONN: 0,0,0\r\n"+
		"+ECMTSTAT: 0,1\r\n+ECMTCONN: 0,0,5\r\n+ECMTCONN: 0,0,0\r\n")
	res := Analyze(l, nil, Options{})
	// The one refusal diagnosis: the URC's CONNACK 5 and the connect
	// command's missing credentials give the same cause the wire would.
	fs := findingsOn(res, 8)
	if len(fs) != 2 || fs[0].Code != CodeConnackRefused || fs[1].Code != CodeNoCredentials {
		t.Fatalf("want connack-refused and no-credentials on line 8; got %v", describeFindings(res))
	}
	f := fs[0]
	if f.ConnackCode == nil || *f.ConnackCode != 5 || fs[1].ConnackCode == nil || *fs[1].ConnackCode != 5 {
		t.Fatalf("connack code %v", f.ConnackCode)
	}
	mustContain(t, "explanation", f.Explanation, "no command in the log answers", "no username")
	mustContain(t, "fix", f.Fix, `AT+ECMTCONN=0,"dev1",`)
	if len(findingsOn(res, 9)) != 0 {
		t.Errorf("accepted reconnect reported: %v", describeFindings(res))
	}
}

// A bare ERROR to a connect after the open already failed is a
// consequence: a warning, the open's error stays the one cause.
func TestConnectErrorAfterFailedOpen(t *testing.T) {
	l := decodeLog(t, "ecmt", "AT+ECMTOPEN=0,\"broker.example.com\",1883\r\nOK\r\n+ECMTOPEN: 0,-1\r\n"+
		"AT+ECMTCONN=0,\"dev1\"\r\nERROR\r\n")
	res := Analyze(l, nil, Options{})
	oneFinding(t, res, 1, CodeOpenFailed, SeverityError)
	oneFinding(t, res, 4, CodeCommandError, SeverityWarning)

	// Alone, the same ERROR is the session's failure.
	l = decodeLog(t, "ecmt", "AT+ECMTCONN=0,\"dev1\"\r\nERROR\r\n")
	oneFinding(t, Analyze(l, nil, Options{}), 1, CodeConnectFailed, SeverityError)
}

// atlogs/09: the forum's copy shows typographic quotes on commands the
// module answered OK: one warning for all of them that says the module
// took them.
func TestTypographicQuotesAccepted(t *testing.T) {
	l := decodeLog(t, "qmt", "AT+QMTCFG=“SSL”,0,1,2\r\nOK\r\n"+
		"AT+QSSLCFG=“cacert”,2,“RAM:cacert.pem”\r\nOK\r\n"+
		"AT+QSSLCFG=“seclevel”,2,2\r\nOK\r\n")
	res := Analyze(l, nil, Options{})
	if len(res.Findings) != 1 {
		t.Fatalf("want one grouped warning; got %v", describeFindings(res))
	}
	f := res.Findings[0]
	if f.Code != CodeATSyntax || f.Severity != SeverityWarning || !equalInts(f.Lines, []int{1, 3, 5}) {
		t.Fatalf("got %+v", f)
	}
	mustContain(t, "summary", f.Summary, "answered OK", "typographic quotes", "also on lines 3, 5")
	mustContain(t, "explanation", f.Explanation, "rendered copy")
	mustContain(t, "fix", f.Fix, `AT+QMTCFG="SSL",0,1,2`, "lines 3, 5")
	for _, bad := range []string{"is refused", "module refused", "answered ERROR"} {
		if strings.Contains(f.Summary+f.Explanation, bad) {
			t.Errorf("claims a refusal (%q): %s / %s", bad, f.Summary, f.Explanation)
		}
	}
}

func TestGroupFindings(t *testing.T) {
	in := []Finding{
		{Code: CodeOpenFailed, Severity: SeverityError, Line: 2, Frames: []int{5}, Summary: "s", Fix: "f"},
		{Code: CodeOpenFailed, Severity: SeverityError, Line: 7, Frames: []int{9, 5}, Summary: "s", Fix: "f"},
		{Code: CodeOpenFailed, Severity: SeverityError, Line: 8, Summary: "other cause"},
		{Code: CodeServerClosed, Severity: SeverityError, Summary: "x"},
		{Code: CodeServerClosed, Severity: SeverityError, Summary: "x"},
	}
	out := groupFindings(in)
	if len(out) != 4 {
		t.Fatalf("got %d findings: %+v", len(out), out)
	}
	g := out[0]
	if g.Line != 2 || !equalInts(g.Lines, []int{2, 7}) || !equalInts(g.Frames, []int{5, 9}) || g.Fix != "f" ||
		g.Summary != "s (2 times: also on line 7)" {
		t.Errorf("merged %+v", g)
	}
	if out[1].Summary != "other cause" || out[1].Lines != nil {
		t.Errorf("different cause merged: %+v", out[1])
	}
}

// The real logs: each gives the failure its note names, as an error
// (atlogs/05 is cut before its result code: a warning is all it shows).
func TestRealLogDiagnoses(t *testing.T) {
	cases := []struct {
		file     string
		code     string
		severity Severity
		line     int
	}{
		{"01_bg96_qmtopen_-1_aws_tls.txt", CodeOpenFailed, SeverityError, 114},
		{"02_esp_at_tencent_mqttdisconnected.txt", CodeConnectFailed, SeverityError, 19},
		{"05_sim7600_cmqttconnect_ok_then_azure_0_32.txt", CodeConnectUnconfirmed, SeverityWarning, 67},
		{"06_a7670e_cmqttconnect_0_3_private_ip.txt", CodeOpenFailed, SeverityError, 29},
		{"07_sim7600_mqtts_cmqttconnect_0_32_timestamped.txt", CodeTLSFailure, SeverityError, 29},
		{"08_ec626_ecmtconn_0_2_2_then_0_0_0_ssl.txt", CodeConnectFailed, SeverityError, 10},
		{"09_ec25_qmtopen_-1_aws_forum.txt", CodeOpenFailed, SeverityError, 80},
		{"10_quectel_thingsboard_qmtconn_0_0_2_and_0_0_5.txt", CodeConnackRefused, SeverityError, 3},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			fh, err := os.Open(filepath.Join("..", "decode", "at", "testdata", "atlogs", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			l, err := at.ReadLog(fh, at.Options{Date: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), DateSource: "--date"})
			if err != nil {
				t.Fatal(err)
			}
			res := Analyze(l, nil, Options{})
			found := false
			seen := map[string]bool{}
			for _, f := range res.Findings {
				if f.Code == c.code && f.Severity == c.severity && f.Line == c.line {
					found = true
				}
				if f.Code == CodeCommandError && isAttemptLine(l, f.Line) {
					t.Errorf("open/connect failure only a command-error: %s", f.Summary)
				}
				key := f.Code + "|" + f.Summary
				if seen[key] {
					t.Errorf("duplicate finding %s", key)
				}
				seen[key] = true
			}
			if !found {
				t.Errorf("want %s %s on line %d; got %v", c.severity, c.code, c.line, describeFindings(res))
			}
		})
	}
}

func isAttemptLine(l *at.Log, line int) bool {
	for _, t := range l.Transactions {
		if t.Line == line {
			return t.Op.IsAttempt()
		}
	}
	return false
}

// FuzzAnalyzeSerialLog runs arbitrary serial text through the real AT
// decoder and Analyze (serial only): no panic, every finding complete,
// a grouped finding's Line its first line.
func FuzzAnalyzeSerialLog(f *testing.F) {
	for _, s := range []string{
		"AT+MQTTCONN=0,\"h.tencentdevices.com\",1883,1\r\n+MQTTDISCONNECTED:0\r\nERROR\r\n",
		"AT+CMQTTCONNECT=0,\"tcp://10.1.2.3:1883\",20,1\r\n+CMQTTCONNECT: 0,3\r\nERROR\r\n",
		"+CSSLCFG: 0,4,0,1,300,\"ca.pem\",\"\",\"\",1,\"\",0xFFFF\r\n+CMQTTCONNECT: 0,32\r\n",
		"AT+CMQTTCONNECT=0,\"tcp://h:8883\",60,1\r\nOK\r\n+CMQTTCONNECT: 0,",
		"AT+ECMTCONN=0,\"c\",\"u\",\"p\"\r\nOK\r\n+ECMTCONN: 0,2,2\r\n+ECMTCONN: 0,0,0\r\n+ECMTCONN: 0,0,9\r\n",
		"+QMTCONN: 0,0,2\r\n+QMTSTAT: 0,4\r\n+QMTCONN: 0,0,5\r\n+QMTSTAT: 0,4\r\n",
		"AT+QMTOPEN=0,“a.amazonaws.com”,8883\r\nOK\r\n+QMTOPEN: 0,-1\r\n",
	} {
		for _, d := range []string{"", "cmqtt", "qmt", "ecmt", "espat"} {
			f.Add(s, d)
		}
	}
	f.Fuzz(func(t *testing.T, text, dialect string) {
		if len(text) > 4096 {
			return
		}
		l, err := at.ReadLog(strings.NewReader(text), at.Options{Format: "raw", Dialect: dialect})
		if err != nil {
			return
		}
		res := Analyze(l, nil, Options{})
		checkResult(t, res, nil)
		for _, f := range res.Findings {
			if len(f.Lines) > 0 && (len(f.Lines) < 2 || f.Lines[0] != f.Line) {
				t.Fatalf("grouped finding lines %v, line %d", f.Lines, f.Line)
			}
		}
	})
}

// "+QMTCONN: 0,1" says the CONNECT was retransmitted: no verdict yet, so
// no connect failure.
func TestQMTConnectRetransmittedIsNoFailure(t *testing.T) {
	l := decodeLog(t, "qmt", "AT+QMTCONN=0,\"c\"\r\nOK\r\n+QMTCONN: 0,1\r\n")
	res := Analyze(l, nil, Options{})
	for _, f := range res.Findings {
		if f.Severity == SeverityError {
			t.Errorf("retransmission taken for a failure: %v", describeFindings(res))
		}
	}
}
