package correlate

import (
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
)

// decodeLog runs the real AT decoder on a raw module-side log, so the
// outcome each dialect gives its commands reaches Analyze as in use.
func decodeLog(t *testing.T, dialect, text string) *at.Log {
	t.Helper()
	l, err := at.ReadLog(strings.NewReader(text), at.Options{Format: "raw", Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Failures the dialect reports in words or in fields other than the
// result code: each must give a finding on the command's line, not be
// taken for success.
func TestDialectReportedFailures(t *testing.T) {
	cases := []struct {
		name, dialect, log string
		code               string
		line               int
	}{
		{"espat publish FAIL", "espat",
			"AT+MQTTPUBRAW=0,\"t\",2,1,0\r\nOK\r\n>\r\nhi\r\n+MQTTPUB:FAIL\r\n", CodeCommandError, 1},
		{"espat connect answered MQTTDISCONNECTED", "espat",
			"AT+MQTTCONN=0,\"broker\",1883,0\r\nOK\r\n+MQTTDISCONNECTED:0\r\n", CodeConnectFailed, 1},
		{"qmt SUBACK 128", "qmt",
			"AT+QMTSUB=0,1,\"secret/#\",1\r\nOK\r\n+QMTSUB: 0,1,0,128\r\n", CodeSubackFailure, 1},
		{"cmqtt connect error 30 is CONNACK 4", "cmqtt",
			"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1,\"u\",\"p\"\r\nOK\r\n+CMQTTCONNECT: 0,30\r\n", CodeConnackRefused, 1},
		{"cmqtt connect error 3", "cmqtt",
			"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1\r\nOK\r\n+CMQTTCONNECT: 0,3\r\n", CodeOpenFailed, 1},
		{"luat CONNECT FAIL", "luat",
			"AT+MIPSTART=\"broker\",1883\r\nOK\r\nCONNECT FAIL\r\n", CodeOpenFailed, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := decodeLog(t, c.dialect, c.log)
			if len(l.Transactions) != 1 || l.Transactions[0].Outcome != at.OutcomeFailed {
				t.Fatalf("decoded %+v", l.Transactions)
			}
			res := Analyze(l, nil, Options{})
			f := findFinding(res, c.code)
			if f == nil || f.Line != c.line {
				t.Fatalf("want %s on line %d; got %v", c.code, c.line, describeFindings(res))
			}
			if c.code == CodeConnackRefused && (f.ConnackCode == nil || *f.ConnackCode != 4) {
				t.Errorf("connack code %v, want 4 (SIMCom error 30)", f.ConnackCode)
			}
		})
	}
}

// A command the dialect says succeeded gives no finding.
func TestDialectReportedSuccess(t *testing.T) {
	l := decodeLog(t, "espat", "AT+MQTTPUBRAW=0,\"t\",2,1,0\r\nOK\r\n>\r\nhi\r\n+MQTTPUB:OK\r\n")
	if res := Analyze(l, nil, Options{}); len(res.Findings) != 0 {
		t.Errorf("findings for a successful publish: %v", describeFindings(res))
	}
}
