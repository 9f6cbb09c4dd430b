package at

import (
	"strings"
	"testing"
)

// SIMCom prints "+CMQTTREL: <idx>,<err>" before ERROR when nothing can be
// released (atlogs/13: 20 = client not acquired); a release that works
// answers OK alone and waits for no result.
func TestCMQTTRELFailureResult(t *testing.T) {
	echo := func(cmd, rest string) []string {
		return []string{"H:" + cmd + "\r", "M:" + cmd + "\r\r\n" + rest}
	}
	l := readBytes(t, writeAtmq(session(echo("AT+CMQTTREL=0", "+CMQTTREL: 0,20\r\n\r\nERROR\r\n")...)), Options{Dialect: "cmqtt"})
	got := txn(t, l, "CMQTTREL", 0)
	if got.Result != "+CMQTTREL: 0,20" || got.ResultLine != got.Line+1 || got.Final != "ERROR" || got.Outcome != OutcomeFailed {
		t.Errorf("result %q@%d final %q outcome %q\n%s", got.Result, got.ResultLine, got.Final, got.Outcome, dump(l))
	}
	if len(got.Responses) != 0 {
		t.Errorf("responses %q, want none", got.Responses)
	}
	if !strings.Contains(got.Meaning, "client not acquired") {
		t.Errorf("meaning %q does not name error 20", got.Meaning)
	}

	l = readBytes(t, writeAtmq(session(echo("AT+CMQTTREL=0", "OK\r\n")...)), Options{Dialect: "cmqtt"})
	if got := txn(t, l, "CMQTTREL", 0); got.Outcome != OutcomeOK || got.Result != "" {
		t.Errorf("release ok: result %q outcome %q\n%s", got.Result, got.Outcome, dump(l))
	}
	if p := ResultURCPrefixes("AT+CMQTTREL=0"); p != nil {
		t.Errorf("result prefixes %q, want none: +CMQTTREL: is printed on failure only", p)
	}
}
