package at

import (
	"reflect"
	"strings"
	"testing"
)

func TestResultURCPrefixes(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		want []string
	}{
		// ECMT, QMT, CMQTT: the URC named after the command.
		{`AT+ECMTOPEN=0,"test.mosquitto.org",1883`, []string{"+ECMTOPEN:"}},
		{`AT+ECMTCONN=0,"dev1"`, []string{"+ECMTCONN:"}},
		{`AT+ECMTPUB=0,0,0,0,"t"`, []string{"+ECMTPUB:"}},
		{`AT+ECMTDISC=0`, []string{"+ECMTDISC:"}},
		{`  at+qmtopen=0,"h",1883  `, []string{"+QMTOPEN:"}},
		{`AT+QMTSUB=0,1,"t",1`, []string{"+QMTSUB:"}},
		// Some Quectel firmware answers QMTPUBEX with +QMTPUB:.
		{`AT+QMTPUBEX=0,1,1,0,"t",5`, []string{"+QMTPUBEX:", "+QMTPUB:"}},
		{`AT+CMQTTSTART`, []string{"+CMQTTSTART:"}},
		{`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`, []string{"+CMQTTCONNECT:"}},
		{`AT+CMQTTPUB=0,1,60`, []string{"+CMQTTPUB:"}},
		// ESP-AT: +MQTTCONNECTED: comes before OK, +MQTTDISCONNECTED:
		// when the connect fails; +MQTTPUB:OK after the raw payload.
		{`AT+MQTTCONN=0,"192.168.1.2",1883,0`, []string{"+MQTTCONNECTED:", "+MQTTDISCONNECTED:"}},
		{`AT+MQTTPUBRAW=0,"t",5,1,0`, []string{"+MQTTPUB:"}},
		{`AT+MQTTPUB=0,"t","x",1,0`, nil}, // OK only after the publish
		{`AT+MQTTUSERCFG=0,1,"c","","",0,0,""`, nil},
		// Luat: plain-text results, every outcome listed.
		{`AT+MIPSTART="lbsmqtt.airm2m.com","1884"`, []string{"CONNECT OK", "ALREADY CONNECT", "CONNECT FAIL"}},
		{`AT+MCONNECT=1,60`, []string{"CONNACK OK"}},
		{`AT+MSUB="t",1`, []string{"SUBACK"}},
		{`AT+MUNSUB="t"`, []string{"UNSUBACK"}},
		// ResultWhen: PUBACK/PUBCOMP for QoS > 0 only.
		{`AT+MPUB="t",0,0,"x"`, nil},
		{`AT+MPUB="t",1,0,"x"`, []string{"PUBACK", "PUBCOMP"}},
		{`AT+MPUB="t",2,0,"x"`, []string{"PUBACK", "PUBCOMP"}},
		{`AT+MDISCONNECT`, nil},
		// +CMQTTACCQ: is printed on failure only.
		{`AT+CMQTTACCQ=0,"c"`, nil},
		// Configure commands, read and test forms.
		{`AT+ECMTCFG="keepalive",0,60`, nil},
		{`AT+QMTCFG="version",0,4`, nil},
		{`AT+MCONFIG="c","u","p"`, nil},
		{`AT+ECMTCONN?`, nil},
		{`AT+ECMTCONN=?`, nil},
		{`AT+MIPSTART?`, nil},
		// Not MQTT, not an extended command, not a command.
		{`AT+CGATT=1`, nil},
		{`AT^ECMTCONN=0`, nil},
		{`ATE0`, nil},
		{`AT+`, nil},
		{`AT`, nil},
		{``, nil},
		{`+ECMTCONN: 0,0,0`, nil},
	} {
		if got := ResultURCPrefixes(c.cmd); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.want)
		}
	}
}

// TestResultURCPrefixesMatchRegistry checks every prefix against the
// registry: the result line it begins is read back as the command's
// result URC, so the script runner and the log decoder agree.
func TestResultURCPrefixesMatchRegistry(t *testing.T) {
	n := 0
	for _, dn := range Dialects() {
		d := LookupDialect(dn)
		for name, spec := range d.Commands {
			for _, r := range spec.Results {
				if d.URCs[r] == nil {
					t.Errorf("%s: %s answers with %s, which the dialect does not describe", dn, name, r)
				}
			}
			got := ResultURCPrefixes("AT+" + name + "=0,\"x\",1,1,\"y\",1")
			if spec.Op == OpConfigure || len(spec.Results) == 0 {
				if got != nil {
					t.Errorf("%s: %s waits for %q; it has no result URC", dn, name, got)
				}
				continue
			}
			if spec.ResultWhen != nil {
				continue // depends on the arguments: TestResultURCPrefixes
			}
			if len(got) != len(spec.Results) {
				t.Errorf("%s: %s: %q, want one prefix for each of %q", dn, name, got, spec.Results)
				continue
			}
			for i, p := range got {
				if rn := resultName(p); rn != spec.Results[i] {
					t.Errorf("%s: %s: prefix %q reads back as %q, want %q", dn, name, p, rn, spec.Results[i])
				}
				if !d.URCs[spec.Results[i]].Plain && !strings.HasSuffix(p, ":") {
					t.Errorf("%s: %s: prefix %q does not end at the URC's colon", dn, name, p)
				}
				n++
			}
		}
	}
	if n < 25 {
		t.Errorf("only %d result prefixes checked; the registry lost commands", n)
	}
}

func FuzzResultURCPrefixes(f *testing.F) {
	for _, s := range []string{`AT+ECMTCONN=0,"a"`, `AT+MPUB="t",1,0,"x"`, `AT+QMTPUBEX=0,1,1,0,"t",5`,
		`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1`, `AT+MIPSTART?`, "AT+\xff=", `AT+MPUB="t`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cmd string) {
		for _, p := range ResultURCPrefixes(cmd) {
			if p == "" {
				t.Fatalf("%q: empty prefix would match every line", cmd)
			}
		}
	})
}
