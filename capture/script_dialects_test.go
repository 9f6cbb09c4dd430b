package capture

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The result URCs of the dialects whose answers are not "+<command>:"
// (Luat plain text, ESP-AT before OK, u-blox +UUMQTTC:), driven through
// the script runner against a module that answers from a table.

func TestResultURCPrefixesByDialect(t *testing.T) {
	for cmd, want := range map[string][]string{
		`AT+QMTPUBEX=0,1,1,0,"t",5`:               {"+QMTPUBEX:", "+QMTPUB:"},
		`AT+MIPSTART="lbsmqtt.airm2m.com","1884"`: {"CONNECT OK", "ALREADY CONNECT", "CONNECT FAIL"},
		`AT+MPUB="t",1,0,"x"`:                     {"PUBACK", "PUBCOMP"},
		`AT+MPUB="t",0,0,"x"`:                     nil,
		`AT+MQTTCONN=0,"h",1883,1`:                {"+MQTTCONNECTED:", "+MQTTDISCONNECTED:"},
		`AT+UMQTTC=1`:                             {"+UUMQTTC:"},
		`at+umqttc=4,0,"t"`:                       {"+UUMQTTC:"},
		`AT+UMQTTC?`:                              nil,
		`AT+UMQTTC=?`:                             nil,
		`AT+UMQTTCX=1`:                            nil,
		`AT+UMQTT=0,"c"`:                          nil,
	} {
		if got := ResultURCPrefixes(cmd); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", cmd, got, want)
		}
	}
	if got := ResultURCPrefix(`AT+MIPSTART="h","1883"`); got != "CONNECT OK" {
		t.Errorf("ResultURCPrefix(MIPSTART) = %q, want the first result", got)
	}
}

func TestParseScriptKeepsEveryResultURC(t *testing.T) {
	s, err := ParseScript(strings.NewReader("AT+MIPSTART=\"h\",\"1883\"\n@nowait\nAT+MIPSTART=\"h\",\"1883\"\nAT+ECMTCONN=0\n"), "s")
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Steps[0]; st.URC != "CONNECT OK" || !reflect.DeepEqual(st.AltURCs, []string{"ALREADY CONNECT", "CONNECT FAIL"}) {
		t.Errorf("MIPSTART waits for %q + %q", st.URC, st.AltURCs)
	}
	if st := s.Steps[1]; st.URC != "" || st.AltURCs != nil {
		t.Errorf("@nowait MIPSTART waits for %q + %q", st.URC, st.AltURCs)
	}
	if st := s.Steps[2]; st.URC != "+ECMTCONN:" || st.AltURCs != nil {
		t.Errorf("ECMTCONN waits for %q + %q", st.URC, st.AltURCs)
	}
}

// moduleReply is what tableModule answers to one command: now at once,
// later after a short pause ("" for nothing).
type moduleReply struct{ now, later string }

// startTableModule answers each CR-ended command line from replies;
// unknown commands get ERROR.
func startTableModule(u *fakeUART, replies map[string]moduleReply) {
	go func() {
		buf := make([]byte, 256)
		var line []byte
		for {
			n, err := u.Far.Read(buf)
			if err != nil {
				return
			}
			for _, c := range buf[:n] {
				if c != '\r' {
					line = append(line, c)
					continue
				}
				r, ok := replies[string(line)]
				line = line[:0]
				if !ok {
					u.Far.Write([]byte("\r\nERROR\r\n"))
					continue
				}
				u.Far.Write([]byte(r.now))
				if r.later != "" {
					later := r.later
					go func() { time.Sleep(30 * time.Millisecond); u.Far.Write([]byte(later)) }()
				}
			}
		}
	}()
}

func runTableScript(t *testing.T, replies map[string]moduleReply, src string) (error, string) {
	t.Helper()
	u := newFakeUART(t)
	startTableModule(u, replies)
	script, err := ParseScript(strings.NewReader(src), "dialects.atscript")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = RunScript(ctx, SerialConfig{Port: u.Path}, script, newCollector().sink(), ScriptOptions{Log: &log})
	return err, log.String()
}

func TestRunScriptWaitsForDialectResults(t *testing.T) {
	replies := map[string]moduleReply{
		// Luat: OK, then a plain-text result; a failure text ends the wait too.
		`AT+MIPSTART="h","1883"`: {now: "\r\nOK\r\n", later: "\r\nCONNECT FAIL\r\n"},
		`AT+MCONNECT=1,60`:       {now: "\r\nOK\r\n", later: "\r\nCONNACK OK\r\n"},
		`AT+MPUB="t",1,0,"x"`:    {now: "\r\nOK\r\n", later: "\r\nPUBACK\r\n"},
		`AT+MPUB="t",0,0,"x"`:    {now: "\r\nOK\r\n"}, // QoS 0: no PUBACK
		// ESP-AT: the result comes before OK.
		`AT+MQTTCONN=0,"h",1883,0`: {now: "\r\n+MQTTCONNECTED:0,1,\"h\",\"1883\",\"\",0\r\n\r\nOK\r\n"},
		// u-blox: an immediate +UMQTTC: is not the result.
		`AT+UMQTTC=1`: {now: "\r\n+UMQTTC: 1,1\r\n\r\nOK\r\n", later: "\r\n+UUMQTTC: 1,0\r\n"},
	}
	// A URC timeout far below the 20 s run limit: a step waiting for a
	// result that never comes fails the run instead of stalling it.
	src := "@urc-timeout 5s\n" + `AT+MIPSTART="h","1883"` + "\nAT+MCONNECT=1,60\n" + `AT+MPUB="t",0,0,"x"` + "\n" +
		`AT+MPUB="t",1,0,"x"` + "\n" + `AT+MQTTCONN=0,"h",1883,0` + "\nAT+UMQTTC=1\n"
	err, log := runTableScript(t, replies, src)
	if err != nil {
		t.Fatalf("RunScript: %v\nlog:\n%s", err, log)
	}
	for _, want := range []string{
		`line 2: AT+MIPSTART="h","1883" → OK, CONNECT FAIL, which reports failure`,
		"line 3: AT+MCONNECT=1,60 → OK, CONNACK OK (",
		`line 4: AT+MPUB="t",0,0,"x" → OK (`,
		`line 5: AT+MPUB="t",1,0,"x" → OK, PUBACK`,
		`line 6: AT+MQTTCONN=0,"h",1883,0 → OK, +MQTTCONNECTED:0,1,"h","1883","",0`,
		"line 7: AT+UMQTTC=1 → OK, +UUMQTTC: 1,0",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestRunScriptNamesEveryMissingResult(t *testing.T) {
	replies := map[string]moduleReply{`AT+MIPSTART="h","1883"`: {now: "\r\nOK\r\n"}}
	err, _ := runTableScript(t, replies, "@urc-timeout 300ms\n"+`AT+MIPSTART="h","1883"`+"\n")
	if !errors.Is(err, ErrScriptStep) || !strings.Contains(err.Error(),
		`line 2: AT+MIPSTART="h","1883": OK, but no CONNECT OK/ALREADY CONNECT/CONNECT FAIL result: timed out after 300ms`) {
		t.Fatalf("got %v", err)
	}
}
