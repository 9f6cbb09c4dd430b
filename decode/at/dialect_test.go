package at

import (
	"strings"
	"testing"
)

// A full ECMT session as the NT35E article walks through it (seed
// article: AT+ECMTOPEN, AT+ECMTCONN → +ECMTCON:0,0,5 "认证失败", the
// article's own AT+ECMTSUB=0,1,”test”,2 with typographic quotes, SUB, PUB,
// UNS, DISC), plus data-mode publish, a multi-line +ECMTRECV and the
// auto-reconnect after +ECMTSTAT.
func ecmtSession() []string {
	echo := func(cmd string, rest string) []string {
		return []string{"H:" + cmd + "\r", "M:" + cmd + "\r\r\n" + rest}
	}
	var s []string
	s = append(s, echo(`AT+ECMTCFG="keepalive",0,60`, "OK\r\n")...)
	s = append(s, echo(`AT+ECMTCFG="version",0,4`, "OK\r\n")...)
	s = append(s, echo(`AT+ECMTCFG="will",0,1,1,0,"will/t","bye"`, "OK\r\n")...)
	s = append(s, echo(`AT+ECMTOPEN=0,"test.mosquitto.org",1883`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTOPEN: 0,0\r\n")
	s = append(s, echo(`AT+ECMTCONN=0,"dev1","user","pass"`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTCONN: 0,0,5\r\n")
	s = append(s, echo(`AT+ECMTCONN=0,"dev1","user","right"`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTCONN: 0,0,0\r\n")
	s = append(s, echo(`AT+ECMTSUB=0,1,”test”,2`, "ERROR\r\n")...)
	s = append(s, echo(`AT+ECMTSUB=0,1,"test",2`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTSUB: 0,1,0,1\r\n")
	s = append(s, echo(`AT+ECMTPUB=0,0,0,0,"test","hello"`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTPUB: 0,0,0\r\n")
	s = append(s, echo(`AT+ECMTPUB=0,5,1,0,"test"`, "\r\n> ")...)
	s = append(s, "H:{\"a\":1}\x1a", "M:\r\nOK\r\n", "M:\r\n+ECMTPUB: 0,5,0\r\n")
	s = append(s, echo(`AT+ECMTPUB=0,6,1,0,"test"`, "\r\n> ")...)
	s = append(s, "H:oops\x1b", "M:\r\nOK\r\n")
	s = append(s, "M:\r\n+ECMTRECV: 0,0,\"test\",{\r\n\"a\":1,\r\n\"b\":\"x,y\"\r\n}\r\n")
	s = append(s, "M:\r\n+ECMTSTAT: 0,1\r\n", "M:\r\n+ECMTCONN: 0,0,0\r\n")
	s = append(s, echo(`AT+ECMTUNS=0,4, "test"`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTUNS: 0,4,0\r\n")
	s = append(s, echo(`AT+ECMTDISC=0`, "OK\r\n")...)
	s = append(s, "M:\r\n+ECMTDISC: 0,0\r\n")
	return s
}

func TestECMTSession(t *testing.T) {
	l := readBytes(t, writeAtmq(session(ecmtSession()...)), Options{})
	if l.Dialect != "ecmt" || len(l.Problems) > 0 {
		t.Fatalf("dialect %s problems %v", l.Dialect, l.Problems)
	}
	open := txn(t, l, "ECMTOPEN", 0)
	if open.Op != OpOpen || open.Args[ArgHost] != "test.mosquitto.org" || open.Args[ArgPort] != "1883" || open.Result != "+ECMTOPEN: 0,0" {
		t.Errorf("ECMTOPEN %+v", open)
	}
	refused := txn(t, l, "ECMTCONN", 0)
	if refused.Result != "+ECMTCONN: 0,0,5" || refused.Meaning != "CONNACK refused: not authorized" ||
		refused.ResultArgs[ArgReturnCode] != "5" {
		t.Errorf("ECMTCONN refused %+v", refused)
	}
	c := refused.Config
	if c == nil || *c.KeepAlive != 60 || *c.Version != 4 || *c.WillTopic != "will/t" || *c.WillPayload != "bye" || *c.WillQoS != 1 || *c.WillRetain {
		t.Errorf("config in force at ECMTCONN: %+v", c)
	}
	if ok := txn(t, l, "ECMTCONN", 1); ok.Meaning != "CONNACK accepted" {
		t.Errorf("second ECMTCONN %+v", ok)
	}
	typo := txn(t, l, "ECMTSUB", 0)
	if typo.Final != "ERROR" || !hasWarning(typo, WarnTypographicQuote, `AT+ECMTSUB=0,1,"test",2`) || typo.Args[ArgTopic] != "test" ||
		typo.Meaning != "refused by the module (ERROR: syntax, arguments or state); likely cause: typographic quotes" {
		t.Errorf("typographic ECMTSUB %+v", typo)
	}
	sub := txn(t, l, "ECMTSUB", 1)
	if sub.Op != OpSubscribe || sub.Args[ArgMsgID] != "1" || sub.Args[ArgQoS] != "2" || !strings.HasPrefix(sub.Meaning, "subscribed (ACK received); value 1") {
		t.Errorf("ECMTSUB %+v", sub)
	}
	inline := txn(t, l, "ECMTPUB", 0)
	if inline.Args[ArgPayload] != "hello" || inline.Result != "+ECMTPUB: 0,0,0" || inline.Meaning != "published (ACK received)" {
		t.Errorf("inline ECMTPUB %+v", inline)
	}
	data := txn(t, l, "ECMTPUB", 1)
	if string(data.Payload) != `{"a":1}` || data.Args[ArgPayload] != `{"a":1}` || data.Result != "+ECMTPUB: 0,5,0" {
		t.Errorf("data-mode ECMTPUB %+v", data)
	}
	esc := txn(t, l, "ECMTPUB", 2)
	if esc.Payload != nil || esc.Final != "OK" || esc.Meaning != "payload cancelled with ESC: nothing sent" {
		t.Errorf("cancelled ECMTPUB %+v", esc)
	}
	recv := events(l, "ECMTRECV")
	if len(recv) != 1 || string(recv[0].Payload) != "{\n\"a\":1,\n\"b\":\"x,y\"\n}" || recv[0].Args[ArgTopic] != "test" || recv[0].Args[ArgMsgID] != "0" {
		t.Errorf("ECMTRECV %+v", recv)
	}
	stat := events(l, "ECMTSTAT")
	if len(stat) != 1 || !strings.Contains(stat[0].Meaning, "reconnects by itself") {
		t.Errorf("ECMTSTAT %+v", stat)
	}
	reconn := events(l, "ECMTCONN")
	if len(reconn) != 1 || reconn[0].Op != OpConnect || reconn[0].Meaning != "unsolicited: CONNACK accepted" {
		t.Errorf("auto-reconnect %+v", reconn)
	}
	if u := txn(t, l, "ECMTUNS", 0); u.Op != OpUnsubscribe || u.Args[ArgTopic] != "test" || u.Result != "+ECMTUNS: 0,4,0" {
		t.Errorf("ECMTUNS %+v", u)
	}
	if d := txn(t, l, "ECMTDISC", 0); d.Op != OpDisconnect || d.Meaning != "disconnected (DISCONNECT sent, TCP closed)" {
		t.Errorf("ECMTDISC %+v", d)
	}
	if l.Config[0].KeepAlive == nil || *l.Config[0].KeepAlive != 60 {
		t.Errorf("log config %+v", l.Config)
	}

	// The same session from the module's side only (picocom): commands
	// from the echo, the payload from the module's echo after '>'.
	raw := session(ecmtSession()...)
	for i := range raw {
		if string(raw[i].Data) == "{\"a\":1}\x1a" {
			raw[i].Dir = 2
			raw[i].Data = []byte("{\"a\":1}")
		}
	}
	l = readBytes(t, writeRaw(raw), Options{Dialect: "ecmt"})
	data = txn(t, l, "ECMTPUB", 1)
	if string(data.Payload) != `{"a":1}` || data.Result != "+ECMTPUB: 0,5,0" || data.Line != 29 {
		t.Errorf("module-only data-mode ECMTPUB %+v\n%s", data, dump(l))
	}
}

func TestQMTVariants(t *testing.T) {
	l := readBytes(t, writeAtmq(session(
		`H:AT+QMTPUB=0,3,1,1,"t/p"`+"\r", "M:\r\n> ", "H:line1\r\nline2\x1a", "M:\r\nOK\r\n", "M:\r\n+QMTPUB: 0,3,1,2\r\n",
		`H:AT+QMTSUB=0,4,"t/#",2`+"\r", "M:\r\nOK\r\n", "M:\r\n+QMTSUB: 0,4,0,128\r\n",
		"M:\r\n+QMTRECV: 0,7,\"t/x\",5,\"hi,yo\"\r\n",
		"M:\r\n+QMTSTAT: 0,1\r\n",
		`H:AT+QMTCONN?`+"\r", "M:\r\n+QMTCONN: 0,3\r\n\r\nOK\r\n",
		`H:AT+QMTOPEN=0,"h",1883`+"\r", "M:\r\nOK\r\n", `H:AT+QMTOPEN=1,"h",1883`+"\r", "M:\r\nOK\r\n",
		"M:\r\n+QMTOPEN: 1,0\r\n", "M:\r\n+QMTOPEN: 0,2\r\n",
	)), Options{})
	pub := txn(t, l, "QMTPUB", 0)
	if string(pub.Payload) != "line1\r\nline2" || pub.Meaning != "packet retransmitted (2 times)" || pub.Args[ArgRetain] != "1" {
		t.Errorf("QMTPUB %+v", pub)
	}
	if sub := txn(t, l, "QMTSUB", 0); sub.Meaning != "subscription rejected by the server (SUBACK 0x80)" {
		t.Errorf("QMTSUB %+v", sub)
	}
	recv := events(l, "QMTRECV")
	if len(recv) != 1 || string(recv[0].Payload) != "hi,yo" || recv[0].Args["length"] != "5" {
		t.Errorf("QMTRECV %+v", recv)
	}
	if st := events(l, "QMTSTAT"); len(st) != 1 || st[0].Meaning != "connection closed or reset by peer (reopen with AT+QMTOPEN)" {
		t.Errorf("QMTSTAT %+v", st)
	}
	q := txn(t, l, "QMTCONN", 0)
	if q.Op != "" || len(q.Responses) != 1 || q.Responses[0] != "+QMTCONN: 0,3" || len(events(l, "QMTCONN")) != 0 {
		t.Errorf("read form: %+v", q)
	}
	// Results matched by connection index, not arrival order.
	o0, o1 := txn(t, l, "QMTOPEN", 0), txn(t, l, "QMTOPEN", 1)
	if o0.Result != "+QMTOPEN: 0,2" || o1.Result != "+QMTOPEN: 1,0" || o0.Meaning != "MQTT identifier is occupied (close it with AT+QMTCLOSE)" {
		t.Errorf("QMTOPEN 0: %+v\nQMTOPEN 1: %+v", o0, o1)
	}
}

func TestCMQTTDataMode(t *testing.T) {
	l := readBytes(t, writeAtmq(session(
		"H:AT+CMQTTSTART\r", "M:\r\nOK\r\n\r\n+CMQTTSTART: 0\r\n",
		`H:AT+CMQTTACCQ=0,"dev1",0`+"\r", "M:\r\nOK\r\n",
		"H:AT+CMQTTWILLTOPIC=0,5\r", "M:\r\n>", "H:will1", "M:\r\nOK\r\n",
		`H:AT+CMQTTCONNECT=0,"tcp://10.0.0.1:1883",60,1,"u","p"`+"\r", "M:\r\nOK\r\n", "M:\r\n+CMQTTCONNECT: 0,31\r\n",
		"H:AT+CMQTTTOPIC=0,7\r", "M:\r\n>", "H:dev/up1", "M:\r\nOK\r\n",
		"H:AT+CMQTTPAYLOAD=0,5\r", "M:\r\n>", "H:hel", "H:lo", "M:\r\nOK\r\n",
		"H:AT+CMQTTPUB=0,1,60\r", "M:\r\nOK\r\n", "M:\r\n+CMQTTPUB: 0,0\r\n",
		"H:AT+CMQTTSUBTOPIC=0,7,1\r", "M:\r\n>", "H:dev/cmd", "M:\r\nOK\r\n",
		"H:AT+CMQTTSUB=0\r", "M:\r\nOK\r\n", "M:\r\n+CMQTTSUB: 0,0\r\n",
		"M:\r\n+CMQTTRXSTART: 0,7,2\r\n+CMQTTRXTOPIC: 0,7\r\ndev/cmd\r\n+CMQTTRXPAYLOAD: 0,2\r\non\r\n+CMQTTRXEND: 0\r\n",
		"M:\r\n+CMQTTCONNLOST: 0,1\r\n",
		"H:AT+CMQTTDISC=0,120\r", "M:\r\nOK\r\n", "M:\r\n+CMQTTDISC: 0,0\r\n",
	)), Options{})
	if l.Dialect != "cmqtt" || len(l.Problems) > 0 {
		t.Fatalf("dialect %s problems %v", l.Dialect, l.Problems)
	}
	conn := txn(t, l, "CMQTTCONNECT", 0)
	if conn.Meaning != "connection refused: not authorized (CONNACK return code 5)" || conn.Args[ArgHost] != "10.0.0.1" ||
		conn.Args[ArgPort] != "1883" || conn.Args[ArgUsername] != "u" {
		t.Errorf("CMQTTCONNECT %+v", conn)
	}
	if conn.Config == nil || *conn.Config.KeepAlive != 60 || !*conn.Config.CleanSession || conn.Config.WillTopic == nil || *conn.Config.WillTopic != "will1" {
		t.Errorf("CMQTTCONNECT config %+v", conn.Config)
	}
	pub := txn(t, l, "CMQTTPUB", 0)
	if pub.Op != OpPublish || pub.Args[ArgTopic] != "dev/up1" || pub.Args[ArgPayload] != "hello" || pub.Meaning != "published" {
		t.Errorf("CMQTTPUB %+v", pub)
	}
	if p := txn(t, l, "CMQTTPAYLOAD", 0); string(p.Payload) != "hello" || p.Args["length"] != "5" {
		t.Errorf("CMQTTPAYLOAD %+v", p)
	}
	sub := txn(t, l, "CMQTTSUB", 0)
	if sub.Op != OpSubscribe || sub.Args[ArgTopic] != "dev/cmd" || sub.Result != "+CMQTTSUB: 0,0" {
		t.Errorf("CMQTTSUB %+v", sub)
	}
	rx := events(l, "CMQTTRXSTART")
	if len(rx) != 1 || rx[0].Op != OpReceive || rx[0].Args[ArgTopic] != "dev/cmd" || string(rx[0].Payload) != "on" || rx[0].Meaning != "message received on dev/cmd" {
		t.Errorf("receive block %+v", rx)
	}
	if lost := events(l, "CMQTTCONNLOST"); len(lost) != 1 || lost[0].Meaning != "connection lost: socket closed passively" {
		t.Errorf("CMQTTCONNLOST %+v", lost)
	}
}

func TestESPATSession(t *testing.T) {
	l := readBytes(t, writeAtmq(session(
		`H:AT+MQTTUSERCFG=0,1,"id\,1","user","pa\"ss",0,0,""`+"\r", "M:\r\nOK\r\n",
		`H:AT+MQTTCONN=0,"192.168.1.2",1883,0`+"\r", "M:\r\n+MQTTCONNECTED:0,1,\"192.168.1.2\",\"1883\",\"\",0\r\n\r\nOK\r\n",
		`H:AT+MQTTSUB=0,"a/b",1`+"\r", "M:\r\nOK\r\n",
		`H:AT+MQTTPUBRAW=0,"a/b",5,1,0`+"\r", "M:\r\nOK\r\n\r\n>", "H:12345", "M:\r\n+MQTTPUB:OK\r\n",
		"M:\r\n+MQTTSUBRECV:0,\"a/b\",4,ab,c\r\n",
		`H:AT+MQTTCLEAN=0`+"\r", "M:\r\nOK\r\n",
	)), Options{})
	u := txn(t, l, "MQTTUSERCFG", 0)
	if u.Args[ArgClientID] != "id,1" || u.Args[ArgPassword] != `pa"ss` || len(u.Warnings) != 0 {
		t.Errorf("escaped strings: %+v", u)
	}
	if c := txn(t, l, "MQTTCONN", 0); c.Meaning != "connected (CONNACK accepted)" || c.Final != "OK" || c.Args[ArgHost] != "192.168.1.2" {
		t.Errorf("MQTTCONN %+v", c)
	}
	raw := txn(t, l, "MQTTPUBRAW", 0)
	if string(raw.Payload) != "12345" || raw.Result != "+MQTTPUB:OK" || raw.Meaning != "published" {
		t.Errorf("MQTTPUBRAW %+v", raw)
	}
	rx := events(l, "MQTTSUBRECV")
	if len(rx) != 1 || string(rx[0].Payload) != "ab,c" || rx[0].Args["length"] != "4" {
		t.Errorf("MQTTSUBRECV %+v", rx)
	}
}

func TestLuatReceive(t *testing.T) {
	l := readBytes(t, []byte("AT+MSUB=\"a/b\",1\r\r\nOK\r\n\r\nSUBACK\r\n+MSUB: \"a/b\",5 byte,hello\r\nAT+MPUB=\"a/b\",2,0,\"x\"\r\r\nOK\r\n\r\nPUBCOMP\r\n"), Options{})
	if s := txn(t, l, "MSUB", 0); s.Result != "SUBACK" || s.Dialect != "luat" {
		t.Errorf("MSUB %+v", s)
	}
	rx := events(l, "MSUB")
	if len(rx) != 1 || string(rx[0].Payload) != "hello" || rx[0].Args[ArgTopic] != "a/b" {
		t.Errorf("+MSUB %+v", rx)
	}
	if p := txn(t, l, "MPUB", 0); p.Result != "PUBCOMP" || p.Meaning != "published (PUBCOMP received)" {
		t.Errorf("MPUB %+v", p)
	}
}

func TestDialectRegistry(t *testing.T) {
	want := []string{"cmqtt", "ecmt", "espat", "luat", "qmt"}
	all := append(append([]string(nil), want...), "sock-ca", "sock-cip", "sock-nso", "sock-qi", "sock-uso")
	if got := strings.Join(Dialects(), ","); got != strings.Join(all, ",") {
		t.Errorf("dialects %s", got)
	}
	ops := map[Op]bool{OpConfigure: true, OpOpen: true, OpConnect: true, OpSubscribe: true, OpUnsubscribe: true,
		OpPublish: true, OpDisconnect: true, OpClose: true, "": true}
	for _, n := range want {
		d := LookupDialect(n)
		for name, c := range d.Commands {
			if c.Name != name || !ops[c.Op] {
				t.Errorf("%s %s: name %s op %q", n, name, c.Name, c.Op)
			}
			for _, r := range c.Results {
				if d.URCs[r] == nil {
					t.Errorf("%s %s: result %s has no URC spec", n, name, r)
				}
			}
		}
		for name, u := range d.URCs {
			if u.Name != name || (u.Meaning == nil && u.FollowLen == "") {
				t.Errorf("%s URC %s: name %s or no meaning", n, name, u.Name)
			}
		}
	}
	// Every CMQTT error code 0–34 has words; 27–31 name the CONNACK code.
	for i := 0; i <= 34; i++ {
		m := cmqttMeaning("ok")(map[string]string{ArgResult: itoa(i)})
		if strings.HasPrefix(m, "unknown") {
			t.Errorf("CMQTT error %d: %q", i, m)
		}
		if i >= 27 && i <= 31 && !strings.HasSuffix(m, "(CONNACK return code "+itoa(i-26)+")") {
			t.Errorf("CMQTT error %d: %q", i, m)
		}
	}
	if LookupDialect("nope") != nil {
		t.Error("unknown dialect found")
	}
}

func TestCMEErrors(t *testing.T) {
	for in, want := range map[string]string{
		"+CME ERROR: 3":                     "refused: operation not allowed (3GPP TS 27.007 CME 3)",
		"+CME ERROR: 767":                   "refused: vendor-specific error 767",
		"+CME ERROR: operation not allowed": "refused: operation not allowed",
		"+CME ERROR: 133":                   "refused: requested service option not subscribed (3GPP TS 27.007 CME 133)",
		"ERROR":                             "refused by the module (ERROR: syntax, arguments or state)",
	} {
		if got := errorMeaning(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// A +CMQTTRXSTART block whose +CMQTTRXEND never comes keeps at most
// MaxLine bytes of text, however many lines follow.
func TestCMQTTBlockBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("+CMQTTRXSTART: 0,5,5\r\n")
	for range 20000 {
		b.WriteString("+CMQTTRXTOPIC: 0,0\r\n")
	}
	l, err := ReadLog(strings.NewReader(b.String()), Options{Format: "raw", Dialect: "cmqtt"})
	if err != nil {
		t.Fatal(err)
	}
	evs := events(l, "CMQTTRXSTART")
	if len(evs) != 1 || len(evs[0].Text) > MaxLine || len(evs[0].Text) < 1000 {
		t.Fatalf("events %d, text %d bytes", len(evs), len(evs[0].Text))
	}
}
