package at

import (
	"slices"
	"strings"
	"testing"
)

// +CGEV (3GPP TS 27.007 packet-domain event) may arrive while any
// command waits for its answer: it is an event, never the command's
// response, whatever the dialect (atlogs/38: "+CGEV: EPS PDN ACT 1"
// between AT+CGREG? and its answer).
func TestCGEVWhileACommandWaitsIsAnEvent(t *testing.T) {
	for _, dialect := range []string{"", "cmqtt", "qmt", "ecmt", "espat", "luat"} {
		t.Run("dialect="+dialect, func(t *testing.T) {
			parts := []string{"H:AT+CGREG?\r", "M:AT+CGREG?\r\r\n\r\n+CGEV: NW PDN DEACT 1\r\n+CGREG: 0,1\r\n\r\nOK\r\n"}
			l := readBytes(t, writeAtmq(session(parts...)), Options{Dialect: dialect})
			got := txn(t, l, "CGREG", 0)
			if slices.ContainsFunc(got.Responses, func(r string) bool { return strings.HasPrefix(r, "+CGEV") }) {
				t.Errorf("+CGEV taken as a response of AT+CGREG?: %q\n%s", got.Responses, dump(l))
			}
			if !slices.Contains(got.Responses, "+CGREG: 0,1") || got.Final != "OK" || got.Outcome != OutcomeOK {
				t.Errorf("AT+CGREG? responses %q final %q outcome %q\n%s", got.Responses, got.Final, got.Outcome, dump(l))
			}
			ev := events(l, "CGEV")
			if len(ev) != 1 {
				t.Fatalf("%d +CGEV events, want 1\n%s", len(ev), dump(l))
			}
			if ev[0].Text != "+CGEV: NW PDN DEACT 1" || ev[0].Line != got.Line+1 {
				t.Errorf("event %q on line %d, want +CGEV: NW PDN DEACT 1 on line %d", ev[0].Text, ev[0].Line, got.Line+1)
			}
			if ev[0].Meaning != "packet data connection deactivated by the network (context 1)" {
				t.Errorf("meaning %q", ev[0].Meaning)
			}
		})
	}
}

// A +CGEV between a connect's OK and its result URC is neither the
// result nor hides it.
func TestCGEVBeforeAResultURC(t *testing.T) {
	parts := []string{`H:AT+CMQTTCONNECT=0,"tcp://h:1883",60,1` + "\r",
		`M:AT+CMQTTCONNECT=0,"tcp://h:1883",60,1` + "\r\r\nOK\r\n", "M:\r\n+CGEV: ME PDN ACT 1\r\n", "M:\r\n+CMQTTCONNECT: 0,0\r\n"}
	l := readBytes(t, writeAtmq(session(parts...)), Options{Dialect: "cmqtt"})
	got := txn(t, l, "CMQTTCONNECT", 0)
	if got.Result != "+CMQTTCONNECT: 0,0" || got.Outcome != OutcomeOK {
		t.Errorf("result %q outcome %q\n%s", got.Result, got.Outcome, dump(l))
	}
	if ev := events(l, "CGEV"); len(ev) != 1 || ev[0].Meaning != "packet data connection activated by the module (context 1)" {
		t.Errorf("+CGEV events %+v\n%s", ev, dump(l))
	}
}

// In a log of the module's side only, a +CGEV ends the echoed payload
// after a data-mode prompt like any URC a dialect knows.
func TestCGEVEndsAModuleOnlyPayload(t *testing.T) {
	log := "AT+CMQTTPAYLOAD=0,20\r\n>\r\nhello\r\n+CGEV: NW PDN DEACT 1\r\nOK\r\n"
	l := readBytes(t, []byte(log), Options{Dialect: "cmqtt"})
	got := txn(t, l, "CMQTTPAYLOAD", 0)
	if strings.Contains(string(got.Payload), "CGEV") {
		t.Errorf("+CGEV taken into the payload %q\n%s", got.Payload, dump(l))
	}
	if len(events(l, "CGEV")) != 1 {
		t.Errorf("no +CGEV event\n%s", dump(l))
	}
}

func TestCGEVMeaning(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"+CGEV: EPS PDN ACT 1", "packet data connection activated (context 1)"},
		{"+CGEV: NW PDN ACT 2", "packet data connection activated by the network (context 2)"},
		{"+CGEV: ME PDN DEACT 1", "packet data connection deactivated by the module (context 1)"},
		{`+CGEV: NW DEACT "IP","10.0.0.2",1`, "packet data connection deactivated by the network"},
		{"+CGEV: NW DETACH", "detached from the packet domain by the network"},
		{"+CGEV: REJECT IP,10.0.0.2", "packet data connection request rejected"},
		{"+CGEV: NW MODIFY 1,2,0", "packet data connection modified by the network (context 1)"},
		{"+CGEV: ME CLASS B", "mobile class changed by the module"},
		{"+CGEV: SOMETHING NEW", "packet-domain event"},
		{"+CGEV:", "packet-domain event"},
	} {
		name, argText, ok := parseURC(c.text)
		if !ok {
			t.Fatalf("%q not a URC", c.text)
		}
		u := commonURC(name)
		if u == nil {
			t.Fatalf("%s is not a common URC", name)
		}
		if got := u.Meaning(named(u.Fields, ParseArgs(argText, ArgSyntax{}, maxFields))); got != c.want {
			t.Errorf("%s: %q, want %q", c.text, got, c.want)
		}
	}
}
