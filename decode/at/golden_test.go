package at

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Expectations on the real logs in testdata/atlogs and testdata/seriallogs
// (imperfect, as real logs are: annotations, wrappers, truncation).

func atlog(t *testing.T, name string, opts Options) *Log {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join("testdata", "atlogs", name+"*.txt"))
	if len(m) != 1 {
		t.Fatalf("testdata/atlogs/%s*: %v", name, m)
	}
	return readFile(t, m[0], opts)
}

func TestRealEC626ConnSendFailedThenLateConnack(t *testing.T) {
	l := atlog(t, "08_", Options{})
	if l.Dialect != "ecmt" || l.Format != "stamped" || l.TimeSource != "log" {
		t.Errorf("format %s dialect %s time %s", l.Format, l.Dialect, l.TimeSource)
	}
	open := txn(t, l, "ECMTOPEN", 0)
	if open.Line != 5 || open.Final != "OK" || open.Result != "+ECMTOPEN: 0,0" || open.ResultLine != 7 {
		t.Errorf("ECMTOPEN %+v", open)
	}
	conn := txn(t, l, "ECMTCONN", 0)
	if conn.Line != 10 || conn.Op != OpConnect || conn.Result != "+ECMTCONN: 0,2,2" || conn.ResultLine != 12 ||
		conn.Meaning != "send failed: the CONNECT could not be sent" {
		t.Errorf("ECMTCONN %+v", conn)
	}
	if conn.Args[ArgClientID] != "ci_mqtt_001" || conn.Args[ArgUsername] != "neoway" || conn.Args[ArgPassword] != "neoway" {
		t.Errorf("ECMTCONN args %v", conn.Args)
	}
	ev := events(l, "ECMTCONN")
	if len(ev) != 2 || ev[0].Line != 13 || ev[0].Text != "+ECMTCONN: 0,0,0" || ev[0].Op != OpConnect ||
		ev[0].Meaning != "unsolicited: CONNACK accepted" {
		t.Fatalf("the late +ECMTCONN: 0,0,0 should be an unsolicited event: %+v", ev)
	}
	sub := txn(t, l, "ECMTSUB", 0)
	if sub.Final != "ERROR" || sub.FinalLine != 15 || sub.Args[ArgTopic] != "test" || sub.Args[ArgQoS] != "2" {
		t.Errorf("ECMTSUB %+v", sub)
	}
	if !hasWarning(sub, WarnUnquotedString, `AT+ECMTSUB=0,1,"test",2`) {
		t.Errorf("ECMTSUB warnings %+v", sub.Warnings)
	}
	// The timestamped copy of the same session.
	conn2 := txn(t, l, "ECMTCONN", 1)
	want := time.Date(2026, 3, 11, 11, 34, 18, 3e6, time.UTC)
	if conn2.Line != 23 || !conn2.Time.Equal(want) || conn2.Result != "+ECMTCONN: 0,2,2" ||
		!conn2.ResultTime.Equal(time.Date(2026, 3, 11, 11, 34, 18, 318e6, time.UTC)) {
		t.Errorf("stamped ECMTCONN %+v", conn2)
	}
	if ev[1].Line != 26 || !ev[1].Time.Equal(time.Date(2026, 3, 11, 11, 34, 18, 320e6, time.UTC)) {
		t.Errorf("stamped event %+v", ev[1])
	}
}

func hasWarning(t *Transaction, code, fix string) bool {
	for _, w := range t.Warnings {
		if w.Code == code && (fix == "" || w.Fix == fix) {
			return true
		}
	}
	return false
}

func TestRealQuectelConnackRefusals(t *testing.T) {
	l := atlog(t, "10_", Options{})
	if l.Format != "hostlib" || l.Dialect != "qmt" {
		t.Errorf("format %s dialect %s", l.Format, l.Dialect)
	}
	conn := events(l, "QMTCONN")
	if len(conn) != 2 || conn[0].Text != "+QMTCONN: 0,0,2" || conn[0].Meaning != "unsolicited: CONNACK refused: identifier rejected" ||
		conn[1].Text != "+QMTCONN: 0,0,5" || conn[1].Meaning != "unsolicited: CONNACK refused: not authorized" || conn[1].Line != 4 {
		t.Errorf("QMTCONN events %+v", conn)
	}
	stat := events(l, "QMTSTAT")
	if len(stat) != 2 || stat[0].Args["err_code"] != "4" || !strings.HasPrefix(stat[0].Meaning, "CONNACK timed out or failed") {
		t.Errorf("QMTSTAT events %+v", stat)
	}
}

func TestRealBG96OpenFailed(t *testing.T) {
	l := atlog(t, "01_", Options{})
	var o *Transaction
	for i := range l.Transactions {
		if l.Transactions[i].Name == "QMTOPEN" && l.Transactions[i].Op == OpOpen {
			o = &l.Transactions[i]
		}
	}
	if o == nil || o.Result != "+QMTOPEN: 0,-1" || o.Meaning != "failed to open network" || o.Args[ArgPort] != "8883" {
		t.Fatalf("QMTOPEN %+v", o)
	}
	cipher := txn(t, l, "QSSLCFG", 5)
	if cipher.Final != "ERROR" || cipher.Meaning != "refused by the module (ERROR: syntax, arguments or state)" {
		t.Errorf(`QSSLCFG "0XFFFF" %+v`, cipher)
	}
	cfg := txn(t, l, "QMTCFG", 0)
	if cfg.Op != OpConfigure || cfg.Args[ArgOption] != "SSL" || cfg.Args["ssl_enable"] != "1" || cfg.Args["ssl_ctx"] != "2" {
		t.Errorf("QMTCFG %+v", cfg)
	}
}

func TestRealEC25TypographicQuotes(t *testing.T) {
	l := atlog(t, "09_", Options{})
	var o *Transaction
	for i := range l.Transactions {
		if l.Transactions[i].Name == "QMTOPEN" && l.Transactions[i].Op == OpOpen {
			o = &l.Transactions[i]
		}
	}
	if o == nil || o.Result != "+QMTOPEN: 0,-1" || o.Args[ArgHost] != "a1gfgsfcsg3p4-ats.iot.us-east-1.amazonaws.com" {
		t.Fatalf("QMTOPEN %+v", o)
	}
	if !hasWarning(o, WarnTypographicQuote, `AT+QMTOPEN=0,"a1gfgsfcsg3p4-ats.iot.us-east-1.amazonaws.com",8883`) {
		t.Errorf("warnings %+v", o.Warnings)
	}
}

func TestRealESPATCommasInClientID(t *testing.T) {
	l := atlog(t, "04_", Options{})
	u := txn(t, l, "MQTTUSERCFG", 0)
	if u.Dialect != "espat" || u.Final != "ERROR" || u.Line != 16 || u.FinalLine != 18 {
		t.Errorf("MQTTUSERCFG %+v", u)
	}
	fix := `AT+MQTTUSERCFG=0,1,"robot|securemode=3\,signmethod=hmacsha1\,timestamp=6789|","test-02&a1Py84SEWWJ","BFDBC526D929AD5E7B077AD24BA7F79403A8CAD0",0,0,""`
	if !hasWarning(u, WarnUnescapedComma, fix) {
		t.Errorf("warnings %+v", u.Warnings)
	}
}

func TestRealESPATConnFailedAndSubDropped(t *testing.T) {
	l := atlog(t, "02_", Options{})
	if l.Format != "arrows" {
		t.Errorf("format %s", l.Format)
	}
	c := txn(t, l, "MQTTCONN", 0)
	if c.Line != 19 || c.Result != "+MQTTDISCONNECTED:0" || c.ResultLine != 21 || c.Final != "ERROR" || c.FinalLine != 23 {
		t.Errorf("MQTTCONN %+v", c)
	}
	l = atlog(t, "03_", Options{})
	c = txn(t, l, "MQTTCONN", 0)
	if !strings.HasPrefix(c.Result, "+MQTTCONNECTED:0,1,") || c.Meaning != "connected (CONNACK accepted)" {
		t.Errorf("MQTTCONN %+v", c)
	}
	if c.Config == nil || *c.Config.KeepAlive != 60 || !*c.Config.CleanSession || *c.Config.WillTopic != "lwt_topic" || *c.Config.WillQoS != 1 {
		t.Errorf("config from MQTTCONNCFG: %+v", c.Config)
	}
	s := txn(t, l, "MQTTSUB", 0)
	ev := events(l, "MQTTDISCONNECTED")
	if s.Final != "ERROR" || len(ev) != 1 || ev[0].Line != 28 || ev[0].Op != OpStatus {
		t.Errorf("MQTTSUB %+v events %+v", s, ev)
	}
}

func TestRealSIMComConnect(t *testing.T) {
	l := atlog(t, "05_", Options{})
	c := txn(t, l, "CMQTTCONNECT", 0)
	if c.Result != "+CMQTTCONNECT: 0,0" || c.Args[ArgHost] != "broker.emqx.io" || c.Args[ArgPort] != "8883" ||
		c.Meaning != "connected (CONNACK accepted)" {
		t.Errorf("CMQTTCONNECT %+v", c)
	}
	if c.Config == nil || *c.Config.KeepAlive != 60 || !*c.Config.CleanSession {
		t.Errorf("CMQTTCONNECT carries keepalive and clean session: %+v", c.Config)
	}
	start := txn(t, l, "CMQTTSTART", 0)
	if start.Result != "+CMQTTSTART: 0" || start.Final != "" {
		t.Errorf("CMQTTSTART %+v", start)
	}
	azure := txn(t, l, "CMQTTCONNECT", 1)
	if azure.Result != "+CMQTTCONNECT: 0," || azure.Args[ArgUsername] == "" {
		t.Errorf("truncated result: %+v", azure)
	}

	l = atlog(t, "06_", Options{})
	c = txn(t, l, "CMQTTCONNECT", 0)
	if c.Result != "+CMQTTCONNECT: 0,3" || c.Final != "ERROR" || c.Meaning != "sock connect fail (final ERROR)" || c.Args[ArgHost] != "192.168.43.128" {
		t.Errorf("CMQTTCONNECT %+v", c)
	}

	l = atlog(t, "07_", Options{Date: time.Date(2023, 6, 28, 0, 0, 0, 0, time.UTC), DateSource: "--date"})
	ev := events(l, "CMQTTCONNECT")
	if len(ev) != 1 || ev[0].Meaning != "unsolicited: handshake fail" || l.TimeSource != "--date" ||
		!ev[0].Time.Equal(time.Date(2023, 6, 28, 22, 5, 43, 599e6, time.UTC)) {
		t.Errorf("events %+v, time source %s", ev, l.TimeSource)
	}
}

func TestRealLuat(t *testing.T) {
	l := atlog(t, "11_", Options{})
	if l.Dialect != "luat" {
		t.Errorf("dialect %s", l.Dialect)
	}
	start := txn(t, l, "MIPSTART", 0)
	if start.Result != "CONNECT OK" || start.ResultLine != 8 || start.Op != OpOpen {
		t.Errorf("MIPSTART %+v", start)
	}
	conn := txn(t, l, "MCONNECT", 0)
	if conn.Result != "CONNACK OK" || conn.Meaning != "CONNACK accepted" || *conn.Config.KeepAlive != 60 {
		t.Errorf("MCONNECT %+v", conn)
	}
	closed := events(l, "CLOSED")
	if len(closed) != 1 || closed[0].Line != 13 {
		t.Errorf("CLOSED %+v", closed)
	}
	mip := txn(t, l, "MIPCLOSE", 0)
	if mip.Final != "+CME ERROR: 767" {
		t.Errorf("MIPCLOSE %+v", mip)
	}
}

func TestRealSSCOMLuat(t *testing.T) {
	l := readFile(t, "testdata/seriallogs/01_sscom.txt", Options{Date: time.Date(2024, 7, 22, 0, 0, 0, 0, time.UTC), DateSource: "--date"})
	if l.Format != "sscom" || l.Dialect != "luat" {
		t.Errorf("format %s dialect %s", l.Format, l.Dialect)
	}
	cfg := txn(t, l, "MCONFIG", 0)
	if cfg.Line != 2 || cfg.Final != "OK" || cfg.Args[ArgClientID] != "868488076506128|securemode=3,signmethod=hmacmd5|" {
		t.Errorf("MCONFIG %+v", cfg)
	}
	ssl := txn(t, l, "SSLMIPSTART", 0)
	if ssl.Result != "CONNECT OK" || ssl.ResultLine != 13 || !ssl.ResultTime.Equal(time.Date(2024, 7, 22, 3, 51, 45, 836e6, time.UTC)) {
		t.Errorf("SSLMIPSTART %+v", ssl)
	}
	conn := txn(t, l, "MCONNECT", 0)
	if conn.Result != "CONNACK OK" || conn.Meaning != "CONNACK accepted" {
		t.Errorf("MCONNECT %+v", conn)
	}
	pub0, pub1 := txn(t, l, "MPUB", 0), txn(t, l, "MPUB", 1)
	if pub0.Result != "" || pub0.Meaning != "ok" || pub1.Result != "PUBACK" || pub1.Meaning != "published (PUBACK received)" {
		t.Errorf("MPUB %+v / %+v", pub0, pub1)
	}
	if sub := txn(t, l, "MSUB", 0); sub.Result != "SUBACK" {
		t.Errorf("MSUB %+v", sub)
	}
}

func TestRealSerialLogs(t *testing.T) {
	for _, c := range []struct {
		file, format string
		n            int
	}{
		{"02_sscom_esp8266.txt", "sscom", 6},
		{"03_putty.txt", "putty", 0},
		{"04_teraterm_reconstructed.txt", "stamped", 2},
		{"05_tio.txt", "stamped", 12},
		{"06_picocom.txt", "raw", 6},
		{"07_minicom.txt", "raw", 5},
		{"09_jpnevulator.txt", "jpnevulator", 6},
		{"10_socat-v.txt", "socat", 6},
		{"12_slsnif_reconstructed.txt", "slsnif", 3},
	} {
		l := readFile(t, filepath.Join("testdata", "seriallogs", c.file), Options{})
		if l.Format != c.format || len(l.Transactions) != c.n || len(l.Problems) > 0 {
			t.Errorf("%s: format %s, %d transactions, want %s, %d\n%s", c.file, l.Format, len(l.Transactions), c.format, c.n, dump(l))
		}
	}
	// minicom glues "OK" and URCs to the next echo.
	l := readFile(t, "testdata/seriallogs/07_minicom.txt", Options{})
	conn := txn(t, l, "QMTCONN", 0)
	if conn.Line != 6 || conn.Final != "OK" || conn.Result != "+QMTCONN: 0,0,0" || conn.ResultLine != 9 {
		t.Errorf("minicom QMTCONN %+v", conn)
	}
	if sub := txn(t, l, "QMTSUB", 0); sub.Result != "+QMTSUB:" || sub.Meaning != "result URC cut short in the log" {
		t.Errorf("minicom QMTSUB %+v", sub)
	}
	// jpnevulator and socat show what the host typed after '>'.
	for _, f := range []string{"09_jpnevulator.txt", "10_socat-v.txt"} {
		l := readFile(t, filepath.Join("testdata", "seriallogs", f), Options{})
		p := txn(t, l, "QMTPUBEX", 0)
		if string(p.Payload) != "hello" || p.Result != "+QMTPUBEX: 0,1,0" {
			t.Errorf("%s: QMTPUBEX %+v", f, p)
		}
	}
	// ESP8266 after ATE0: commands only from SSCOM's send lines.
	l = readFile(t, "testdata/seriallogs/02_sscom_esp8266.txt", Options{})
	j := txn(t, l, "CWJAP", 0)
	if j.Line != 24 || j.Final != "OK" || j.FinalLine != 30 || len(j.Responses) != 2 {
		t.Errorf("CWJAP %+v", j)
	}
}
