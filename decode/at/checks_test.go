package at

import (
	"strings"
	"testing"
)

// checkLine decodes one command (with an OK so it completes) and returns
// its warnings.
func checkLine(t *testing.T, cmd string) []Warning {
	t.Helper()
	l := readBytes(t, []byte(cmd+"\r\r\nOK\r\n"), Options{})
	if len(l.Transactions) != 1 {
		t.Fatalf("%s: %d transactions", cmd, len(l.Transactions))
	}
	return l.Transactions[0].Warnings
}

func TestChecks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		cmd, code, fix, msg string
	}{
		// The NT35E article's own example.
		{`AT+ECMTSUB=0,1,”test”,2`, WarnTypographicQuote, `AT+ECMTSUB=0,1,"test",2`, "typographic quotes"},
		{`AT+QMTOPEN=0,“broker.emqx.io”,1883`, WarnTypographicQuote, `AT+QMTOPEN=0,"broker.emqx.io",1883`, "expect ASCII"},
		{`AT+QMTCONN=0,‘dev1’`, WarnTypographicQuote, `AT+QMTCONN=0,"dev1"`, ""},
		{`AT+ECMTSUB=0，1,"test",2`, WarnFullWidthComma, `AT+ECMTSUB=0,1,"test",2`, "U+FF0C"},
		{`AT+QMTOPEN=0,"broker.emqx.io,1883`, WarnUnbalancedQuote, `AT+QMTOPEN=0,"broker.emqx.io",1883`, "never closed"},
		{`AT+ECMTSUB=0,1,"t"`, WarnArgCount, `AT+ECMTSUB=<conn>,<msg_id>,"<topic>",<qos>`, "takes 4 arguments, got 3"},
		{`AT+ECMTOPEN=0,"h",1883,1,2`, WarnArgCount, `AT+ECMTOPEN=<conn>,"<host>",<port>`, "got 5"},
		{`AT+ECMTSUB=0,1,"t",3`, WarnRange, `AT+ECMTSUB=0,1,"t",2`, "qos 3 is out of range 0–2"},
		{`AT+QMTOPEN=0,"h",70000`, WarnRange, `AT+QMTOPEN=0,"h",65535`, "port 70000 is out of range 0–65535"},
		{`AT+QMTOPEN=6,"h",1883`, WarnRange, `AT+QMTOPEN=5,"h",1883`, "conn 6 is out of range 0–5"},
		{`AT+ECMTOPEN=5,"h",1883`, WarnRange, `AT+ECMTOPEN=4,"h",1883`, "NT35E"},
		{`AT+MQTTCONN=1,"h",1883,0`, WarnRange, `AT+MQTTCONN=0,"h",1883,0`, "LinkID 0 only"},
		{`AT+ECMTSUB=0,0,"t",1`, WarnRange, `AT+ECMTSUB=0,1,"t",1`, "msg_id 0 is out of range 1–65535"},
		{`AT+QMTPUB=0,0,1,0,"t","x"`, WarnMsgIDZero, `AT+QMTPUB=0,1,1,0,"t","x"`, "[MQTT-2.3.1-1]"},
		{`AT+ECMTPUB=0,7,0,0,"t","x"`, WarnMsgIDQoS0, `AT+ECMTPUB=0,0,0,0,"t","x"`, "msg id 0 for QoS 0"},
		{`AT+ECMTSUB=0,x,"t",1`, WarnNotNumber, `AT+ECMTSUB=<conn>,<msg_id>,"<topic>",<qos>`, `msg_id "x" is not a number`},
		{`AT+ECMTCONN=0,"` + long(49) + `"`, WarnLength, "shorten client_id to 48 bytes, or let the module sign Aliyun credentials itself with AT+ECMTCFG=\"aliauth\",…", "client_id is 49 bytes; ecmt takes at most 48"},
		{`AT+ECMTCONN=0,"d","` + long(49) + `"`, WarnLength, "shorten username to 48 bytes, or let the module sign Aliyun credentials itself with AT+ECMTCFG=\"aliauth\",…", "username is 49 bytes"},
		{`AT+ECMTCONN=0,"d","u","` + long(129) + `"`, WarnLength, "shorten password to 128 bytes, or let the module sign Aliyun credentials itself with AT+ECMTCFG=\"aliauth\",…", "password is 129 bytes; ecmt takes at most 128"},
		{`AT+ECMTCONN=0,"d","u","` + long(100) + `"`, WarnLengthDoc, "keep password at 96 bytes or less", "over the documented 96, within the firmware buffer of 128"},
		{`AT+MQTTUSERCFG=0,1,"id","` + long(65) + `","p",0,0,""`, WarnLength, `set the user name with AT+MQTTUSERNAME=0,"…" (AT+MQTTLONGUSERNAME on newer firmware) after AT+MQTTUSERCFG`, "username is 65 bytes; espat takes at most 64"},
		{`AT+MQTTUSERCFG=0,1,"a,b","u","p",0,0,""`, WarnUnescapedComma, `AT+MQTTUSERCFG=0,1,"a\,b","u","p",0,0,""`, "client_id holds a bare ','"},
		{`AT+MQTTUSERCFG=0,1,"` + long(250) + `","u","p",0,0,""`, WarnCommandLength, "set long values with AT+MQTTCLIENTID, AT+MQTTUSERNAME, AT+MQTTPASSWORD after AT+MQTTUSERCFG", "shorter than 256 bytes"},
		{`AT+ECMTSUB=0,1,test,2`, WarnUnquotedString, `AT+ECMTSUB=0,1,"test",2`, "topic test is not in quotes"},
		// Commands of no dialect still get the quote checks.
		{`AT+QFUPL=“RAM:cacert.pem”,1188,100`, WarnTypographicQuote, `AT+QFUPL="RAM:cacert.pem",1188,100`, ""},
	}
	for _, c := range cases {
		ws := checkLine(t, c.cmd)
		found := false
		for _, w := range ws {
			if w.Code != c.code {
				continue
			}
			found = true
			if w.Fix != c.fix {
				t.Errorf("%s: fix %q, want %q", c.cmd, w.Fix, c.fix)
			}
			if !strings.Contains(w.Message, c.msg) || !strings.HasPrefix(w.Message, "line 1: ") {
				t.Errorf("%s: message %q lacks %q", c.cmd, w.Message, c.msg)
			}
		}
		if !found {
			t.Errorf("%s: no %s warning in %+v", c.cmd, c.code, ws)
		}
	}
}

// Well-written commands get no warnings.
func TestChecksClean(t *testing.T) {
	for _, cmd := range []string{
		`AT+ECMTOPEN=0,"test.mosquitto.org",1883`,
		`AT+ECMTCONN=0,"dev1","user","pass"`,
		`AT+ECMTCONN=0`,
		`AT+ECMTSUB=0,1,"test",2`,
		`AT+ECMTPUB=0,0,0,0,"test","hello"`,
		`AT+ECMTPUB=0,5,1,1,"test","a,b"`,
		`AT+ECMTCFG="keepalive",0,120`,
		`AT+ECMTCFG="ssl",2,"ca_cert.pem","client.crt2.pem","ck.pem"`,
		`AT+QMTSUB=0,1,"a",1,"b",2`,
		`AT+QMTPUBEX=0,1,1,0,"dev/up",5`,
		`AT+MQTTUSERCFG=0,1,"a\,b","u","p",0,0,""`,
		`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`,
		`AT+MPUB="/t",1,0,"HelloWorld"`,
		`AT+CSQ`,
	} {
		if ws := checkLine(t, cmd); len(ws) != 0 {
			t.Errorf("%s: %+v", cmd, ws)
		}
	}
}
