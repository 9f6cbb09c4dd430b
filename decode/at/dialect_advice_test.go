package at

import "testing"

func TestRefusedIsTheOneVerdict(t *testing.T) {
	for final, want := range map[string]bool{
		"OK": false, "SEND OK": false, "ALREADY SUBSCRIBE": false, "": false,
		"ERROR": true, "+CME ERROR: 58": true, "+CMS ERROR: 500": true, "SEND FAIL": true,
		"NO CARRIER": true, "NO UNSUBSCRIBE": true, " ERROR ": true,
	} {
		if got := Refused(final); got != want {
			t.Errorf("Refused(%q) = %v, want %v", final, got, want)
		}
	}
	if !IsFinal("SEND FAIL") || !IsFinal("+CME ERROR: 3") || IsFinal("+QMTCONN: 0,0,0") {
		t.Error("IsFinal disagrees with the parser's finals")
	}
}

func TestResultOutcomeAsksTheDialect(t *testing.T) {
	cases := []struct {
		cmd, line string
		want      Outcome
	}{
		{`AT+QMTCONN=0,"a"`, "+QMTCONN: 0,0,5", OutcomeFailed},
		{`AT+QMTCONN=0,"a"`, "+QMTCONN: 0,0,0", OutcomeOK},
		{`AT+QMTCONN=0,"a"`, "+QMTCONN: 0,1", OutcomePending}, // retransmitted
		{`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`, "+CMQTTCONNECT: 0,30", OutcomeFailed},
		{`AT+MQTTCONN=0,"h",1883,0`, "+MQTTDISCONNECTED:0", OutcomeFailed},
		{`AT+MIPSTART="h",1883`, "CONNECT FAIL", OutcomeFailed},
		{`AT+MIPSTART="h",1883`, "CONNECT OK", OutcomeOK},
		{`AT+QMTCONN=0,"a"`, "+ECMTCONN: 0,0,5", OutcomePending}, // not this command's result
		{`AT+UMQTTC=1`, "+UUMQTTC: 1,0", OutcomePending},         // no dialect knows it
	}
	for _, c := range cases {
		if got := ResultOutcome(c.cmd, c.line); got != c.want {
			t.Errorf("ResultOutcome(%q, %q) = %q, want %q", c.cmd, c.line, got, c.want)
		}
	}
}

func TestVendorCodesMapToCONNACK(t *testing.T) {
	cm := LookupDialect("cmqtt")
	for code := 27; code <= 31; code++ {
		f := cm.AttemptFailure(OpConnect, map[string]string{ArgConn: "0", ArgResult: itoa(code)}, "", OutcomeFailed)
		if f.Kind != FailConnack || f.Connack != code-26 {
			t.Errorf("SIMCom %d → %+v, want CONNACK %d", code, f, code-26)
		}
	}
	if f := cm.AttemptFailure(OpConnect, map[string]string{ArgResult: "25"}, "", OutcomeFailed); f.Kind != FailDNS {
		t.Errorf("SIMCom 25 → %v", f.Kind)
	}
	qmt := LookupDialect("qmt")
	if f := qmt.AttemptFailure(OpConnect, map[string]string{ArgResult: "0", ArgReturnCode: "4"}, "OK", OutcomeFailed); f.Kind != FailConnack || f.Connack != 4 {
		t.Errorf("QMT 0,0,4 → %+v", f)
	}
	if f := qmt.AttemptFailure(OpConnect, map[string]string{ArgResult: "1"}, "OK", OutcomePending); f.Kind != FailNone {
		t.Errorf("QMT retransmitted → %+v", f)
	}
	var plain *Dialect
	if f := plain.AttemptFailure(OpOpen, nil, "ERROR", OutcomeFailed); f.Kind != FailTCP {
		t.Errorf("plain AT open refused → %+v", f)
	}
	if got := plain.FixVersion("0", MQTT311); got != "configure the module to use MQTT 3.1.1 (protocol level 4)" {
		t.Errorf("plain fix %q", got)
	}
	if got := qmt.FixVersion("1", MQTT311); got != `AT+QMTCFG="version",1,4` {
		t.Errorf("qmt fix %q", got)
	}
	if qmt.DefaultVersion() != MQTT31 || LookupDialect("ecmt").DefaultVersion() != MQTT311 || plain.DefaultVersion() != MQTTUnknown {
		t.Error("firmware default versions")
	}
}
