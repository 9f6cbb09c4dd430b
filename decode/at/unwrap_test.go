package at

import (
	"strings"
	"testing"
)

// Pasted and wrapped logs, in the shapes users bring them (issue reports,
// forum posts, host-library debug output).

func TestWrappedLogs(t *testing.T) {
	type want struct {
		name    string
		line    int
		final   string
		result  string
		outcome Outcome
	}
	for _, c := range []struct {
		name string
		log  string
		want []want
	}{
		{"annotated after one space (forum paste)",
			"AT+QMTOPEN=0,\"iot.example.cn\",1883\r\nOK //仅代表命令发送成功\r\n+QMTOPEN: 0,0 //代表TCP连接成功\r\n" +
				"AT+QMTCONN=0,\"dev-7\",\"u\",\"p\"\r\nOK //仅代表命令发送成功\r\n+QMTCONN: 0,0,0 //代表MQTT连接成功\r\n",
			[]want{{"QMTOPEN", 1, "OK", "+QMTOPEN: 0,0", OutcomeOK}, {"QMTCONN", 4, "OK", "+QMTCONN: 0,0,0", OutcomeOK}}},
		{"host library debug prefix",
			"06:37:04.740 > bgxx: >> AT+QMTOPEN=0,\"a1b2c3.iot.eu-west-1.amazonaws.com\",8883\n" +
				"06:37:04.752 > bgxx: << OK\n06:37:09.801 > bgxx: << \n06:37:09.801 > bgxx: << +QMTOPEN: 0,-1\n",
			[]want{{"QMTOPEN", 1, "OK", "+QMTOPEN: 0,-1", OutcomeFailed}}},
		{"TX/RX marks with echo",
			"[TX] AT+CMQTTSTART\r\n[RX] AT+CMQTTSTART\r\n[RX] OK\r\n[RX] +CMQTTSTART: 0\r\n" +
				"[TX] AT+CMQTTCONNECT=0,\"tcp://test.mosquitto.org:1883\",60,1\r\n[RX] OK\r\n[RX] +CMQTTCONNECT: 0,0\r\n",
			[]want{{"CMQTTSTART", 1, "OK", "+CMQTTSTART: 0", OutcomeOK}, {"CMQTTCONNECT", 5, "OK", "+CMQTTCONNECT: 0,0", OutcomeOK}}},
		{"TinyGSM debug lines",
			"[3012] ### TinyGSM Version: 0.11.7\n[3013] ### AT: AT+CMQTTCONNECT=0,\"tcp://broker.hivemq.com:1883\",60,1\n" +
				"[3020] ### AT: OK\n[8021] ### Unhandled: +CMQTTCONNECT: 0,26\n",
			[]want{{"CMQTTCONNECT", 2, "OK", "+CMQTTCONNECT: 0,26", OutcomeFailed}}},
		{"arrows and pointers",
			"-> AT+ECMTCONN=0,\"nt35e-0001\"\n<- OK\n<- +ECMTCONN: 0,0,5   <-- here\n",
			[]want{{"ECMTCONN", 1, "OK", "+ECMTCONN: 0,0,5", OutcomeFailed}}},
		{"Markdown: fence, emphasis, comments",
			"```\nAT+CMQTTCONNECT=0,\"tcp://10.0.0.2:1883\",60,1  # private address\nOK\n**+CMQTTCONNECT: 0,26** <-- why?\n```\n",
			[]want{{"CMQTTCONNECT", 2, "OK", "+CMQTTCONNECT: 0,26", OutcomeFailed}}},
		{"Markdown quote marks",
			"> AT+QMTCONN=0,\"dev\"\n> OK\n>\n> +QMTCONN: 0,0,5 -- not authorized\n",
			[]want{{"QMTCONN", 1, "OK", "+QMTCONN: 0,0,5", OutcomeFailed}}},
		{"Arduino serial monitor",
			"12:00:01.123 -> AT+MQTTCONN=0,\"192.168.1.7\",1883,1\n12:00:01.130 -> OK   // ok?\n12:00:02.001 -> +MQTTCONNECTED:0,1,\"192.168.1.7\",\"1883\",\"\",1\n",
			[]want{{"MQTTCONN", 1, "OK", "+MQTTCONNECTED:0,1,\"192.168.1.7\",\"1883\",\"\",1", OutcomeOK}}},
	} {
		log := readBytes(t, []byte(c.log), Options{})
		if len(log.Transactions) != len(c.want) {
			t.Errorf("%s: %d transactions, want %d:\n%s", c.name, len(log.Transactions), len(c.want), dump(log))
			continue
		}
		for i, w := range c.want {
			got := log.Transactions[i]
			if got.Name != w.name || got.Line != w.line || got.Final != w.final || got.Result != w.result || got.Outcome != w.outcome {
				t.Errorf("%s: transaction %d read as %s", c.name, i, dump(log))
			}
		}
	}
}

// Values holding the annotation marks keep them: only notes outside
// quotes are cut.
func TestAnnotationsKeepQuotedValues(t *testing.T) {
	log := readBytes(t, []byte("AT+QMTPUB=0,0,0,0,\"a//b #c -- d <-e\",\"x // y\"   // publish\r\nOK\r\n"), Options{})
	p := txn(t, log, "QMTPUB", 0)
	if p.Command != `AT+QMTPUB=0,0,0,0,"a//b #c -- d <-e","x // y"` || p.Args[ArgTopic] != "a//b #c -- d <-e" {
		t.Fatalf("read as %s", dump(log))
	}
	for in, want := range map[string]string{
		"+QMTOPEN: 0,-1":                       "+QMTOPEN: 0,-1",
		"AT#SKTD=0,1883":                       "AT#SKTD=0,1883",
		"OK # fine":                            "OK",
		"OK--x":                                "OK--x",
		"+CSQ: 20,99 ←信号":                      "+CSQ: 20,99",
		"http://x.example/a#b":                 "http://x.example/a#b",
		"`AT+QMTDISC=0`":                       "AT+QMTDISC=0",
		"__OK__":                               "OK",
		"Connection OK":                        "Connection OK",
		"> hello":                              "> hello",
		"[12345] ### Unhandled: +QMTSTAT: 0,1": "+QMTSTAT: 0,1",
	} {
		var u unwrapper
		if got, _ := u.clean(in, false); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// A prefix seen before commands is stripped from the responses and the
// data-mode payload lines it wraps too.
func TestRepeatedPrefixWrapsPayload(t *testing.T) {
	log := readBytes(t, []byte(strings.Join([]string{
		"I (1200) modem: AT+QMTPUB=0,1,1,0,\"dev/up\"",
		"I (1201) modem: >",
		"I (1202) modem: {\"t\":21}",
		"I (1300) modem: OK",
		"I (1400) modem: +QMTPUB: 0,1,0",
	}, "\n")+"\n"), Options{})
	p := txn(t, log, "QMTPUB", 0)
	if string(p.Payload) != `{"t":21}` || p.Result != "+QMTPUB: 0,1,0" || p.Outcome != OutcomeOK {
		t.Fatalf("read as %s (payload %q)", dump(log), p.Payload)
	}
}

// A raw-data publish whose payload is shorter than announced does not
// swallow the next command (ESP-AT AT+MQTTPUBRAW, module-only log).
func TestShortRawPayloadStopsAtNextCommand(t *testing.T) {
	log := readBytes(t, []byte("AT+MQTTPUBRAW=0,\"dev/state\",763,1,0\r\nOK\r\n\r\n>\r\n{\"temp\":21.5,\"hum\":40}\r\n"+
		"AT+MQTTPUB=0,\"dev/alive\",\"1\",1,0\r\nOK\r\n+MQTTPUB:OK\r\n"), Options{})
	raw := txn(t, log, "MQTTPUBRAW", 0)
	if string(raw.Payload) != `{"temp":21.5,"hum":40}` {
		t.Errorf("payload %q", raw.Payload)
	}
	pub := txn(t, log, "MQTTPUB", 0)
	if pub.Line != 6 || pub.Final != "OK" || pub.Args[ArgTopic] != "dev/alive" {
		t.Errorf("next command read as %s", dump(log))
	}
	// The declared length ends the payload too: what follows is the module's.
	log = readBytes(t, []byte("AT+QMTPUBEX=0,1,1,0,\"dev/up\",5\r\n>\r\nhello\r\n+QMTSTAT: 0,1\r\nOK\r\n"), Options{})
	if p := txn(t, log, "QMTPUBEX", 0); string(p.Payload) != "hello" || p.Final != "OK" || len(events(log, "QMTSTAT")) != 1 {
		t.Errorf("declared length: %s (payload %q)", dump(log), p.Payload)
	}
}
