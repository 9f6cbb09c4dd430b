package correlate

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// A dialect is one value in decode/at: this file's worth of definition
// (an invented "XMQ" command set whose connect URC reports CONNACK
// refusals as vendor codes 40+rc, the way SIMCom uses 26+rc) is all it
// takes for analyze to read its logs, map its codes, diagnose its
// refusals and write its fixes — nothing in correlate names it.
func init() {
	conn := at.ArgSpec{Key: at.ArgConn, Int: true, Min: 0, Max: 3}
	if err := at.Register(&at.Dialect{
		Name:     "xmq",
		Title:    "XMQ test dialect",
		MaxConn:  3,
		Cellular: true,
		Defaults: at.Defaults{Version: at.MQTT311, KeepAlive: 60},
		Commands: map[string]*at.CommandSpec{
			"XMQOPEN": {Name: "XMQOPEN", Op: at.OpOpen, MinArgs: 3,
				Args:    []at.ArgSpec{conn, {Key: at.ArgHost, String: true}, {Key: at.ArgPort, Int: true, Min: 0, Max: 65535}},
				Results: []string{"XMQOPEN"}, Match: []string{at.ArgConn}},
			"XMQCONN": {Name: "XMQCONN", Op: at.OpConnect, MinArgs: 1,
				Args:    []at.ArgSpec{conn, {Key: at.ArgClientID, String: true}, {Key: at.ArgUsername, String: true}, {Key: at.ArgPassword, String: true}},
				Results: []string{"XMQCONN"}, Match: []string{at.ArgConn}},
		},
		URCs: map[string]*at.URCSpec{
			"XMQOPEN": {Name: "XMQOPEN", Op: at.OpOpen, Fields: []string{at.ArgConn, at.ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string { return "open result " + f[at.ArgResult] }},
			"XMQCONN": {Name: "XMQCONN", Op: at.OpConnect, Fields: []string{at.ArgConn, at.ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string { return "connect result " + f[at.ArgResult] }},
		},
		Failure: func(op at.Op, f map[string]string, refused bool) (at.Failure, bool) {
			n, err := strconv.Atoi(strings.TrimSpace(f[at.ArgResult]))
			if err != nil || op != at.OpConnect {
				return at.Failure{}, false
			}
			switch {
			case n == 0:
				return at.Failure{}, true
			case n >= 41 && n <= 45:
				return at.Failure{Kind: at.FailConnack, Connack: n - 40}, true
			}
			return at.Failure{Kind: at.FailConnect}, true
		},
		Fix: at.Fixes{
			Connect: func(idx, cid, user, pass string) string {
				return fmt.Sprintf("AT+XMQCONN=%s,%q,%q,%q", idx, cid, user, pass)
			},
			Version: func(idx string, v at.MQTTVersion) string { return fmt.Sprintf("AT+XMQCFG=%s,\"ver\",%d", idx, int(v)) },
		},
	}); err != nil {
		panic(err)
	}
}

func TestNewDialectNeedsNoCorrelateChange(t *testing.T) {
	log := "AT+XMQOPEN=0,\"10.0.0.1\",1883\r\nOK\r\n+XMQOPEN: 0,0\r\nAT+XMQCONN=0,\"dev1\"\r\nOK\r\n+XMQCONN: 0,45\r\n"
	l, err := at.ReadLog(strings.NewReader(log), at.Options{Format: "raw"}) // the dialect is detected
	if err != nil {
		t.Fatal(err)
	}
	if l.Dialect != "xmq" || len(l.Transactions) != 2 || l.Transactions[1].Op != at.OpConnect || l.Transactions[1].Outcome != at.OutcomeFailed {
		t.Fatalf("log not read as xmq: %+v", l)
	}

	// Serial log alone: vendor code 45 is CONNACK 5, the connect gave no
	// credentials, and the fix is written in XMQ's syntax.
	res := Analyze(l, nil, Options{})
	requireCodes(t, res, CodeConnackRefused, CodeNoCredentials)
	if f := findFinding(res, CodeConnackRefused); f.ConnackCode == nil || *f.ConnackCode != 5 || f.Line != 4 {
		t.Errorf("connack-refused %+v", f)
	}
	if f := findFinding(res, CodeNoCredentials); !strings.Contains(f.Fix, `AT+XMQCONN=0,"dev1","<user>","<password>"`) {
		t.Errorf("fix not in the new dialect's syntax: %s", f.Fix)
	}

	// With the capture: the device is found by the connect's client id,
	// the packets are paired, the refusal comes from the wire.
	b := &capBuilder{}
	b.handshake(0.05, devConn)
	cp := b.pkt(0.51, devConn, true, connectPkt("dev1", "", "", 60, true))
	ca := b.pkt(0.52, devConn, false, connack(5))
	res = Analyze(l, b.recs, Options{})
	if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != devConn.id {
		t.Fatalf("device %+v (%s)", res.Device.Connections, res.Device.Reason)
	}
	requireCodes(t, res, CodeConnackRefused, CodeNoCredentials)
	if got := res.Transactions[1].Frames; !equalInts(got, []int{cp, ca}) {
		t.Errorf("connect frames %v, want %v", got, []int{cp, ca})
	}

	// A CONNACK 1 on the wire: the fix sets the version with XMQ's command.
	b = &capBuilder{}
	b.handshake(0.05, devConn)
	p := connectPkt("dev1", "", "", 60, true)
	p.ProtocolLevel = 3
	b.pkt(0.51, devConn, true, p)
	b.pkt(0.52, devConn, false, &mqtt.Packet{Type: mqtt.CONNACK, ReturnCode: 1})
	res = Analyze(l, b.recs, Options{})
	if f := findFinding(res, CodeProtocolVersion); f == nil || !strings.Contains(f.Fix, `AT+XMQCFG=0,"ver",4`) {
		t.Errorf("protocol-version %+v; %v", f, describeFindings(res))
	}
}
