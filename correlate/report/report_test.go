package report

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// refusedSession analyzes a small ECMT session whose CONNECT is refused
// with CONNACK 5, serial clock 8 h ahead of the capture.
func refusedSession(t *testing.T) *correlate.Result {
	t.Helper()
	t0 := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	off := 8 * time.Hour
	ser := func(s float64) time.Time { return t0.Add(off + time.Duration(s*float64(time.Second))) }
	capT := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	log := &at.Log{Format: "sscom", Dialect: "ecmt", TimeSource: "--date", Transactions: []at.Transaction{
		{Line: 1, Time: ser(0), Command: `AT+ECMTOPEN=0,"10.0.0.1",1883`, Dialect: "ecmt", Op: at.OpOpen,
			Args: map[string]string{at.ArgConn: "0", at.ArgHost: "10.0.0.1", at.ArgPort: "1883"}, Final: "OK", FinalLine: 2, FinalTime: ser(0.01),
			Result: "+ECMTOPEN: 0,0", ResultLine: 3, ResultTime: ser(0.1), ResultArgs: map[string]string{at.ArgConn: "0", at.ArgResult: "0"}},
		{Line: 4, Time: ser(1), Command: `AT+ECMTCONN=0,"dev;1#"`, Dialect: "ecmt", Op: at.OpConnect,
			Args: map[string]string{at.ArgConn: "0", at.ArgClientID: "dev;1#"}, Final: "OK", FinalLine: 5, FinalTime: ser(1.01),
			Result: "+ECMTCONN: 0,0,5", ResultLine: 6, ResultTime: ser(1.08), ResultArgs: map[string]string{at.ArgConn: "0", at.ArgResult: "0", at.ArgReturnCode: "5"},
			Outcome: at.OutcomeFailed},
	}}
	c, s := netip.MustParseAddrPort("10.0.0.5:40001"), netip.MustParseAddrPort("10.0.0.1:1883")
	ev := func(f int, at float64, typ, by string) netcap.Record {
		return netcap.Record{Kind: netcap.KindEvent, Frame: f, Time: capT(at), Conn: 1, Client: c, Server: s, FromClient: by == "client", Event: &netcap.Event{Type: typ, By: by}}
	}
	pkt := func(f int, at float64, fromClient bool, p *mqtt.Packet) netcap.Record {
		p.Version = mqtt.Version311
		return netcap.Record{Kind: netcap.KindPacket, Frame: f, Time: capT(at), Conn: 1, Client: c, Server: s, FromClient: fromClient, Packet: p}
	}
	recs := []netcap.Record{
		ev(1, 0.05, netcap.EventSYN, "client"),
		ev(2, 0.051, netcap.EventSYNACK, "server"),
		pkt(3, 1.03, true, &mqtt.Packet{Type: mqtt.CONNECT, ProtocolName: "MQTT", ProtocolLevel: 4, ClientID: "dev;1#", KeepAlive: 120, CleanSession: true}),
		pkt(4, 1.05, false, &mqtt.Packet{Type: mqtt.CONNACK, ReturnCode: 5}),
		ev(5, 1.051, netcap.EventFIN, "server"),
	}
	return correlate.Analyze(log, recs, correlate.Options{})
}

func TestJSONDocument(t *testing.T) {
	res := refusedSession(t)
	var buf bytes.Buffer
	if err := JSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
	}
	if got := keys(doc); strings.Join(got, ",") != "clock,device,events,findings,input,transactions" {
		t.Errorf("top-level keys %v", got)
	}
	var txs []map[string]json.RawMessage
	if err := json.Unmarshal(doc["transactions"], &txs); err != nil || len(txs) != 2 {
		t.Fatalf("transactions: %v %s", err, doc["transactions"])
	}
	if got := strings.Join(keys(txs[1]), ","); got != "command,final,frames,latency_ms,line,op,outcome,result,result_line,time" {
		t.Errorf("transaction keys %s", got)
	}
	if string(txs[1]["outcome"]) != `"failed"` {
		t.Errorf("connect outcome %s", txs[1]["outcome"])
	}
	var frames []int
	if json.Unmarshal(txs[1]["frames"], &frames); len(frames) != 3 || frames[0] != 3 || frames[2] != 5 {
		t.Errorf("connect frames %s", txs[1]["frames"])
	}
	var clock map[string]any
	json.Unmarshal(doc["clock"], &clock)
	if off, _ := clock["offset_seconds"].(float64); off < 8*3600-0.1 || off > 8*3600+0.1 {
		t.Errorf("offset_seconds %v", clock["offset_seconds"])
	}
	var findings []map[string]json.RawMessage
	json.Unmarshal(doc["findings"], &findings)
	var refused map[string]json.RawMessage
	for _, f := range findings {
		if string(f["code"]) == `"connack-refused"` {
			refused = f
		}
	}
	if refused == nil {
		t.Fatalf("no connack-refused in %s", doc["findings"])
	}
	if got := strings.Join(keys(refused), ","); got != "code,connack_code,explanation,fix,frames,line,severity,summary" {
		t.Errorf("finding keys %s", got)
	}
	if string(refused["connack_code"]) != "5" || string(refused["line"]) != "4" {
		t.Errorf("connack_code %s line %s", refused["connack_code"], refused["line"])
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, correlate.Analyze(nil, nil, correlate.Options{})); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"transactions": []`, `"events": []`, `"findings": []`, `"connections": []`} {
		if !strings.Contains(buf.String(), k) {
			t.Errorf("%s missing in %s", k, buf.String())
		}
	}
}

func TestTable(t *testing.T) {
	res := refusedSession(t)
	var buf bytes.Buffer
	if err := Table(&buf, res); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"host→module", "module→host", "network", "T2", `AT+ECMTCONN=0,"dev;1#"`,
		"CONNACK 5 not authorized", "connack-refused", "no-credentials", "offset +28800"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// The command row comes before its CONNECT row.
	if strings.Index(out, `AT+ECMTCONN=0,"dev;1#"`) > strings.Index(out, "CONNECT id=") {
		t.Errorf("timeline out of order:\n%s", out)
	}
}

func TestMermaid(t *testing.T) {
	res := refusedSession(t)
	var buf bytes.Buffer
	if err := Mermaid(&buf, res); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"sequenceDiagram", "participant MCU", "participant Module", "participant Broker",
		"MCU->>Module: T2 AT+ECMTCONN=0,\"dev#59;1#35;\"", "Broker-->>Module: T2 CONNACK 5 not authorized",
		"Note over Module,Broker: ERROR connack-refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("diagram lacks %q:\n%s", want, out)
		}
	}
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if i > 0 && !strings.HasPrefix(line, "    ") {
			t.Errorf("line %d not indented: %q", i+1, line)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A serial log alone renders in every format.
func TestRenderSerialOnly(t *testing.T) {
	log := &at.Log{Dialect: "ecmt", Transactions: []at.Transaction{{Line: 1, Command: `AT+ECMTCONN=0,"d"`, Op: at.OpConnect,
		Args: map[string]string{at.ArgClientID: "d"}, Final: "OK", Result: "+ECMTCONN: 0,0,5", ResultLine: 3,
		ResultArgs: map[string]string{at.ArgResult: "0", at.ArgReturnCode: "5"}}}}
	res := correlate.Analyze(log, nil, correlate.Options{})
	for name, render := range map[string]func(*bytes.Buffer) error{
		"table":   func(b *bytes.Buffer) error { return Table(b, res) },
		"json":    func(b *bytes.Buffer) error { return JSON(b, res) },
		"mermaid": func(b *bytes.Buffer) error { return Mermaid(b, res) },
	} {
		var buf bytes.Buffer
		if err := render(&buf); err != nil || !strings.Contains(buf.String(), "connack-refused") {
			t.Errorf("%s: %v\n%s", name, err, buf.String())
		}
	}
}

func TestMermaidEscape(t *testing.T) {
	got := mermaidEscape("a;b#c<d>\ne")
	if got != "a#59;b#35;c#lt;d#gt; e" {
		t.Errorf("got %q", got)
	}
	if long := mermaidEscape(strings.Repeat("é", 200)); len([]rune(long)) > mermaidText || !strings.HasSuffix(long, "… (200 chars)") {
		t.Errorf("not cut: %d runes: %q", len([]rune(long)), long)
	}
}

// The clock line reads well at the edges: no "-0.000" for an offset that
// rounds to zero, no "dates from none" for a log without times.
func TestClockLineWording(t *testing.T) {
	got := clockLine(correlate.Clock{Method: "content", OffsetSeconds: -0.0002, Explanation: "serial clock agrees", SerialTimeSource: "log"})
	if got != "offset +0.000 s (serial − capture), content: serial clock agrees; serial dates from log" {
		t.Errorf("near-zero offset: %q", got)
	}
	got = clockLine(correlate.Clock{Method: "order", Explanation: "the serial log has no timestamps", SerialTimeSource: "none"})
	if got != "order: the serial log has no timestamps" {
		t.Errorf("untimed log: %q", got)
	}
}
