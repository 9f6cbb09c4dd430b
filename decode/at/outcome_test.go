package at

import "testing"

// Every dialect's way of saying success and failure, as the module
// prints it, with the outcome the decoder must give the command.
func TestOutcomePerDialect(t *testing.T) {
	echo := func(cmd, rest string) []string {
		return []string{"H:" + cmd + "\r", "M:" + cmd + "\r\r\n" + rest}
	}
	cases := []struct {
		name    string
		dialect string
		parts   []string
		cmd     string
		want    Outcome
	}{
		{"ecmt open ok", "ecmt", append(echo(`AT+ECMTOPEN=0,"h",1883`, "OK\r\n"), "M:\r\n+ECMTOPEN: 0,0\r\n"), "ECMTOPEN", OutcomeOK},
		{"ecmt open failed", "ecmt", append(echo(`AT+ECMTOPEN=0,"h",1883`, "OK\r\n"), "M:\r\n+ECMTOPEN: 0,-1\r\n"), "ECMTOPEN", OutcomeFailed},
		{"ecmt connack refused", "ecmt", append(echo(`AT+ECMTCONN=0,"d"`, "OK\r\n"), "M:\r\n+ECMTCONN: 0,0,5\r\n"), "ECMTCONN", OutcomeFailed},
		{"ecmt connack accepted", "ecmt", append(echo(`AT+ECMTCONN=0,"d"`, "OK\r\n"), "M:\r\n+ECMTCONN: 0,0,0\r\n"), "ECMTCONN", OutcomeOK},
		{"ecmt connect send failed", "ecmt", append(echo(`AT+ECMTCONN=0,"d"`, "OK\r\n"), "M:\r\n+ECMTCONN: 0,2,2\r\n"), "ECMTCONN", OutcomeFailed},
		{"ecmt suback 128", "ecmt", append(echo(`AT+ECMTSUB=0,1,"t",1`, "OK\r\n"), "M:\r\n+ECMTSUB: 0,1,0,128\r\n"), "ECMTSUB", OutcomeFailed},
		{"ecmt publish ack error", "ecmt", append(echo(`AT+ECMTPUB=0,1,1,0,"t","x"`, "OK\r\n"), "M:\r\n+ECMTPUB: 0,1,1\r\n"), "ECMTPUB", OutcomeFailed},
		{"ecmt result still missing", "ecmt", echo(`AT+ECMTCONN=0,"d"`, "OK\r\n"), "ECMTCONN", OutcomePending},
		{"ecmt refused by ERROR", "ecmt", echo(`AT+ECMTCONN=0,"d"`, "ERROR\r\n"), "ECMTCONN", OutcomeFailed},
		{"ecmt configure ok", "ecmt", echo(`AT+ECMTCFG="keepalive",0,60`, "OK\r\n"), "ECMTCFG", OutcomeOK},

		{"qmt suback 128", "qmt", append(echo(`AT+QMTSUB=0,1,"t",1`, "OK\r\n"), "M:\r\n+QMTSUB: 0,1,0,128\r\n"), "QMTSUB", OutcomeFailed},
		{"qmt subscribed", "qmt", append(echo(`AT+QMTSUB=0,1,"t",1`, "OK\r\n"), "M:\r\n+QMTSUB: 0,1,0,1\r\n"), "QMTSUB", OutcomeOK},
		{"qmt open dns", "qmt", append(echo(`AT+QMTOPEN=0,"h",1883`, "OK\r\n"), "M:\r\n+QMTOPEN: 0,4\r\n"), "QMTOPEN", OutcomeFailed},
		{"qmt connack refused", "qmt", append(echo(`AT+QMTCONN=0,"d"`, "OK\r\n"), "M:\r\n+QMTCONN: 0,0,4\r\n"), "QMTCONN", OutcomeFailed},
		{"qmt connected", "qmt", append(echo(`AT+QMTCONN=0,"d"`, "OK\r\n"), "M:\r\n+QMTCONN: 0,0,0\r\n"), "QMTCONN", OutcomeOK},
		{"qmt retransmitting", "qmt", append(echo(`AT+QMTPUB=0,1,1,0,"t","x"`, "OK\r\n"), "M:\r\n+QMTPUB: 0,1,1,2\r\n"), "QMTPUB", OutcomePending},
		{"qmt retransmitted then acked", "qmt", append(echo(`AT+QMTPUB=0,1,1,0,"t","x"`, "OK\r\n"), "M:\r\n+QMTPUB: 0,1,1,1\r\n", "M:\r\n+QMTPUB: 0,1,0\r\n"), "QMTPUB", OutcomeOK},
		{"qmt retransmitted then failed", "qmt", append(echo(`AT+QMTCONN=0,"d"`, "OK\r\n"), "M:\r\n+QMTCONN: 0,1\r\n", "M:\r\n+QMTCONN: 0,2\r\n"), "QMTCONN", OutcomeFailed},
		{"qmt publish failed", "qmt", append(echo(`AT+QMTPUB=0,1,1,0,"t","x"`, "OK\r\n"), "M:\r\n+QMTPUB: 0,1,2\r\n"), "QMTPUB", OutcomeFailed},

		{"cmqtt connect refused", "cmqtt", append(echo(`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`, "OK\r\n"), "M:\r\n+CMQTTCONNECT: 0,30\r\n"), "CMQTTCONNECT", OutcomeFailed},
		{"cmqtt connected", "cmqtt", append(echo(`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`, "OK\r\n"), "M:\r\n+CMQTTCONNECT: 0,0\r\n"), "CMQTTCONNECT", OutcomeOK},
		{"cmqtt accq failed", "cmqtt", echo(`AT+CMQTTACCQ=0,"d"`, "+CMQTTACCQ: 0,19\r\nERROR\r\n"), "CMQTTACCQ", OutcomeFailed},
		{"cmqtt accq ok", "cmqtt", echo(`AT+CMQTTACCQ=0,"d"`, "OK\r\n"), "CMQTTACCQ", OutcomeOK},
		{"cmqtt start already", "cmqtt", echo(`AT+CMQTTSTART`, "OK\r\n\r\n+CMQTTSTART: 23\r\n"), "CMQTTSTART", OutcomeFailed},

		{"espat connected", "espat", append(echo(`AT+MQTTCONN=0,"h",1883,0`, "OK\r\n"), "M:\r\n+MQTTCONNECTED:0,1,\"h\",\"1883\",\"\",0\r\n"), "MQTTCONN", OutcomeOK},
		{"espat connect failed", "espat", append(echo(`AT+MQTTCONN=0,"h",1883,1`, "OK\r\n"), "M:\r\n+MQTTDISCONNECTED:0\r\n"), "MQTTCONN", OutcomeFailed},
		{"espat pubraw failed", "espat", append(echo(`AT+MQTTPUBRAW=0,"t",2,1,0`, "OK\r\n\r\n>"), "H:hi", "M:\r\n+MQTTPUB:FAIL\r\n"), "MQTTPUBRAW", OutcomeFailed},
		{"espat pubraw ok", "espat", append(echo(`AT+MQTTPUBRAW=0,"t",2,1,0`, "OK\r\n\r\n>"), "H:hi", "M:\r\n+MQTTPUB:OK\r\n"), "MQTTPUBRAW", OutcomeOK},
		{"espat inline publish", "espat", echo(`AT+MQTTPUB=0,"t","x",1,0`, "OK\r\n"), "MQTTPUB", OutcomeOK},

		{"luat connect fail", "luat", append(echo(`AT+MIPSTART="h",1883`, "OK\r\n"), "M:\r\nCONNECT FAIL\r\n"), "MIPSTART", OutcomeFailed},
		{"luat already connected", "luat", append(echo(`AT+MIPSTART="h",1883`, "OK\r\n"), "M:\r\nALREADY CONNECT\r\n"), "MIPSTART", OutcomeFailed},
		{"luat connect ok", "luat", append(echo(`AT+MIPSTART="h",1883`, "OK\r\n"), "M:\r\nCONNECT OK\r\n"), "MIPSTART", OutcomeOK},
		{"luat connack", "luat", append(echo(`AT+MCONNECT=1,60`, "OK\r\n"), "M:\r\nCONNACK OK\r\n"), "MCONNECT", OutcomeOK},
		{"luat qos0 publish", "luat", echo(`AT+MPUB="t",0,0,"x"`, "OK\r\n"), "MPUB", OutcomeOK},
		{"luat qos1 publish unanswered", "luat", echo(`AT+MPUB="t",1,0,"x"`, "OK\r\n"), "MPUB", OutcomePending},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := readBytes(t, writeAtmq(session(c.parts...)), Options{Dialect: c.dialect})
			got := txn(t, l, c.cmd, 0)
			if got.Outcome != c.want {
				t.Errorf("outcome %q, want %q\n%s", got.Outcome, c.want, dump(l))
			}
		})
	}
}

// ESC cancels the data-mode payload: the module sends nothing, so the
// command did not do its job even though it answered OK.
func TestOutcomeCancelledPayload(t *testing.T) {
	parts := []string{"H:AT+ECMTPUB=0,6,1,0,\"t\"\r", "M:AT+ECMTPUB=0,6,1,0,\"t\"\r\r\n> ", "H:oops\x1b", "M:\r\nOK\r\n"}
	l := readBytes(t, writeAtmq(session(parts...)), Options{Dialect: "ecmt"})
	if got := txn(t, l, "ECMTPUB", 0); got.Outcome != OutcomeFailed || got.Meaning != "payload cancelled with ESC: nothing sent" {
		t.Errorf("cancelled publish: outcome %q meaning %q", got.Outcome, got.Meaning)
	}
}

func TestSucceededFallsBackToTheCommonSuccess(t *testing.T) {
	for _, c := range []struct {
		t    Transaction
		want bool
	}{
		{Transaction{Outcome: OutcomeOK, Final: "ERROR"}, true}, // the dialect's verdict wins
		{Transaction{Outcome: OutcomeFailed, Final: "OK"}, false},
		{Transaction{Final: "OK"}, true},
		{Transaction{Final: "SEND FAIL"}, false},
		{Transaction{}, false},
		{Transaction{Final: "OK", Result: "+X: 0,0,0", ResultArgs: map[string]string{ArgResult: "0", ArgReturnCode: "0"}}, true},
		{Transaction{Final: "OK", Result: "+X: 0,0,5", ResultArgs: map[string]string{ArgResult: "0", ArgReturnCode: "5"}}, false},
	} {
		if got := c.t.Succeeded(); got != c.want {
			t.Errorf("%+v: Succeeded %v, want %v", c.t, got, c.want)
		}
	}
}
