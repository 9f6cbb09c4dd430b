package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// acceptedPeers adds two other clients the broker accepted, with
// usernames and a common client id prefix.
func acceptedPeers(b *capBuilder) {
	for i, cid := range []string{"tracker-12", "tracker-13"} {
		c := mkConn(10+i, "10.0.0.2"+string(rune('0'+i))+":5000"+string(rune('0'+i)), "10.0.0.1:1883")
		b.handshake(-30+float64(i), c)
		b.pkt(-29.9+float64(i), c, true, connectPkt(cid, "fleet", "secret", 60, true))
		b.pkt(-29.8+float64(i), c, false, connack(0))
	}
}

func TestConnackNotAuthorizedWithoutCredentials(t *testing.T) {
	l := newLog(3 * time.Second)
	b := &capBuilder{}
	acceptedPeers(b)
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "5")
	cp := b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	ca := b.pkt(1.05, devConn, false, connack(5))
	fin := b.ev(1.051, devConn, netcap.EventFIN, "server", "")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeConnackRefused, CodeNoCredentials)
	f := findFinding(res, CodeConnackRefused)
	if f.ConnackCode == nil || *f.ConnackCode != 5 || f.Line != 4 {
		t.Errorf("connack-refused %+v", f)
	}
	if !strings.Contains(f.Explanation, "all 2 sent a username, the device sent none") {
		t.Errorf("no comparison with accepted clients: %s", f.Explanation)
	}
	nc := findFinding(res, CodeNoCredentials)
	if !strings.Contains(nc.Fix, `AT+ECMTCONN=0,"dev1","<user>","<password>"`) {
		t.Errorf("fix not in ECMT syntax: %s", nc.Fix)
	}
	if got := res.Transactions[1].Frames; !equalInts(got, []int{cp, ca, fin}) {
		t.Errorf("connect frames %v, want %v", got, []int{cp, ca, fin})
	}
	if findFinding(res, CodeServerClosed) != nil {
		t.Errorf("the close after a refusal is not a separate finding: %v", describeFindings(res))
	}
}

func TestPasswordTruncated(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	long := strings.Repeat("s3cr3t", 20) // 120 bytes
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "user", long, "5")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "user", long[:96], 120, true))
	b.pkt(1.05, devConn, false, connack(5))
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeConnackRefused, CodeCredentialsMismatch)
	f := findFinding(res, CodeCredentialsMismatch)
	if f.Severity != SeverityError || !strings.Contains(f.Explanation, "cut to 96 bytes") || !strings.Contains(f.Fix, "96 bytes") {
		t.Errorf("credentials-mismatch %+v", f)
	}
	if findFinding(res, CodeNoCredentials) != nil {
		t.Errorf("credentials were sent: %v", describeFindings(res))
	}
	// --redact hides the password everywhere.
	res = Analyze(&l.log, b.recs, Options{Redact: true})
	for _, f := range res.Findings {
		if strings.Contains(f.Explanation+f.Summary+f.Fix, "s3cr3t") {
			t.Errorf("password in redacted finding: %+v", f)
		}
	}
	for _, tr := range res.Transactions {
		if strings.Contains(tr.Command, "s3cr3t") {
			t.Errorf("password in redacted command: %s", tr.Command)
		}
	}
}

func TestEmptyClientIDWithoutCleanSession(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.cmd(0, `AT+ECMTCFG="session",0,0`, at.OpConfigure, args(at.ArgOption, "session", at.ArgConn, "0", at.ArgCleanSession, "0"), "OK", 0, "", nil)
	l.open(0.5, 0.6, "0")
	b.handshake(0.55, devConn)
	tx := l.connect(1, 1.08, "", "", "", "2")
	off := false
	tx.Config = &at.ConnConfig{CleanSession: &off}
	b.pkt(1.03, devConn, true, connectPkt("", "", "", 120, false))
	b.pkt(1.05, devConn, false, connack(2))
	b.ev(1.051, devConn, netcap.EventFIN, "server", "")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeConnackRefused, CodeClientIDRejected)
	f := findFinding(res, CodeClientIDRejected)
	if !strings.Contains(f.Explanation, "MQTT-3.1.3-8") || !strings.Contains(f.Fix, `AT+ECMTCFG="session",0,1`) {
		t.Errorf("client-id-rejected %+v", f)
	}
	if findFinding(res, CodeCleanSessionMismatch) != nil {
		t.Errorf("clean session was sent as configured: %v", describeFindings(res))
	}
}

func TestProtocolVersionRefusedQMT(t *testing.T) {
	l := newLog(0)
	l.log.Dialect = "qmt"
	b := &capBuilder{}
	l.cmd(0, `AT+QMTOPEN=0,"10.0.0.1",1883`, at.OpOpen, args(at.ArgConn, "0", at.ArgHost, "10.0.0.1", at.ArgPort, "1883"), "OK", 0.1, "+QMTOPEN: 0,0", args(at.ArgConn, "0", at.ArgResult, "0"))
	b.handshake(0.05, devConn)
	l.cmd(1, `AT+QMTCONN=0,"dev1"`, at.OpConnect, args(at.ArgConn, "0", at.ArgClientID, "dev1"), "OK", 1.08, "+QMTCONN: 0,0,1", args(at.ArgConn, "0", at.ArgResult, "0", at.ArgReturnCode, "1"))
	p := connectPkt("dev1", "", "", 120, true)
	p.ProtocolName, p.ProtocolLevel = "MQIsdp", 3
	b.pkt(1.03, devConn, true, p)
	b.pkt(1.05, devConn, false, connack(1))
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeConnackRefused, CodeProtocolVersion)
	f := findFinding(res, CodeProtocolVersion)
	if !strings.Contains(f.Fix, `AT+QMTCFG="version",0,4`) || !strings.Contains(f.Explanation, "default") {
		t.Errorf("protocol-version %+v", f)
	}
}

func TestClientIDTakeover(t *testing.T) {
	l := newLog(2 * time.Second)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "user", "pass", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "user", "pass", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	intruder := mkConn(2, "10.0.0.66:41000", "10.0.0.1:1883")
	b.handshake(9.9, intruder)
	ic := b.pkt(10, intruder, true, connectPkt("dev1", "user", "pass", 60, true))
	b.pkt(10.0002, intruder, false, connack(0))
	fin := b.ev(10.0005, devConn, netcap.EventFIN, "server", "")
	l.event(10.01, "+ECMTSTAT: 0,1", at.OpStatus, args(at.ArgConn, "0", "err_code", "1"), "")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeClientIDTakeover)
	f := findFinding(res, CodeClientIDTakeover)
	if !equalInts(f.Frames, []int{ic, fin}) || f.Line != 4 {
		t.Errorf("takeover %+v, want frames %v", f, []int{ic, fin})
	}
	for _, c := range res.Device.Connections {
		if c.Conn == intruder.id {
			t.Errorf("the intruder's connection was taken for the device's: %s", res.Device.Reason)
		}
	}
	if !equalInts(res.Events[0].Frames, []int{fin}) {
		t.Errorf("status URC frames %v, want the FIN %d", res.Events[0].Frames, fin)
	}
	if findFinding(res, CodeServerClosed) != nil {
		t.Errorf("takeover also reported as server-closed: %v", describeFindings(res))
	}
}

func TestTCPRefused(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.2, "-1")
	syn := b.ev(0.05, devConn, netcap.EventSYN, "client", "")
	rst := b.ev(0.051, devConn, netcap.EventRST, "server", "connection refused: RST in answer to SYN")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeTCPRefused)
	if !equalInts(res.Transactions[0].Frames, []int{syn, rst}) {
		t.Errorf("open frames %v", res.Transactions[0].Frames)
	}
	if findFinding(res, CodeOpenFailed) != nil || findFinding(res, CodeServerClosed) != nil {
		t.Errorf("extra findings: %v", describeFindings(res))
	}
}

func TestTCPTimeout(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 20, "-1")
	// decode/netcap reports an unanswered SYN when the connection is
	// given up, after later frames: the record comes out of time order.
	other := mkConn(2, "10.0.0.7:50007", "10.0.0.1:1883")
	syn := b.ev(0.05, devConn, netcap.EventSYN, "client", "")
	b.handshake(5, other)
	un := b.ev(7.05, devConn, netcap.EventSYNUnanswered, "client", "4 SYN(s) over 7s, no SYN-ACK")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeTCPTimeout)
	if f := findFinding(res, CodeTCPTimeout); f.Line != 1 || !equalInts(f.Frames, []int{syn, un}) {
		t.Errorf("tcp-timeout %+v", f)
	}
}

func TestDNSFailure(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.cmd(0, `AT+ECMTOPEN=0,"brokr.example.com",1883`, at.OpOpen, args(at.ArgConn, "0", at.ArgHost, "brokr.example.com", at.ArgPort, "1883"),
		"OK", 1, "+ECMTOPEN: 0,-1", args(at.ArgConn, "0", at.ArgResult, "-1"))
	q := b.dns(0.01, "brokr.example.com", false, 0)
	r := b.dns(0.03, "brokr.example.com", true, 3)
	b.dns(0.5, "time.example.org", true, 3) // someone else's lookup
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeDNSFailure)
	if n := len(findingCodes(res, SeverityError)); n != 1 {
		t.Errorf("want one error finding, got %v", describeFindings(res))
	}
	if !equalInts(res.Transactions[0].Frames, []int{q, r}) {
		t.Errorf("open frames %v, want %v", res.Transactions[0].Frames, []int{q, r})
	}
}

func TestTypographicQuotes(t *testing.T) {
	l := newLog(0)
	tx := l.cmd(0, `AT+ECMTSUB=0,1,”dev1/cmd”,1`, at.OpSubscribe, args(at.ArgConn, "0", at.ArgMsgID, "1", at.ArgTopic, "dev1/cmd", at.ArgQoS, "1"), "ERROR", 0, "", nil)
	tx.Warnings = []at.Warning{{Code: "typographic-quote", Message: "line 1: argument 3 is quoted with ” (U+201D), not ASCII \"", Fix: `AT+ECMTSUB=0,1,"dev1/cmd",1`}}
	res := Analyze(&l.log, nil, Options{})
	requireCodes(t, res, CodeATSyntax)
	f := findFinding(res, CodeATSyntax)
	if f.Severity != SeverityError || f.Fix != `AT+ECMTSUB=0,1,"dev1/cmd",1` || f.Line != 1 {
		t.Errorf("at-syntax %+v", f)
	}
	// The summary gives the warning; the explanation must not repeat it.
	if n := strings.Count(f.Summary+" "+f.Explanation, "U+201D"); n != 1 {
		t.Errorf("warning given %d times: %s — %s", n, f.Summary, f.Explanation)
	}
	// The finding's line field gives the line; the text need not.
	if strings.Contains(f.Summary, "line 1:") {
		t.Errorf("summary repeats the line: %s", f.Summary)
	}
}

func TestInvalidFilterServerClose(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	l.cmd(2, `AT+ECMTSUB=0,1,"devices/#/cmd",0`, at.OpSubscribe, args(at.ArgConn, "0", at.ArgMsgID, "1", at.ArgTopic, "devices/#/cmd", at.ArgQoS, "0"), "OK", 0, "", nil)
	sub := b.pkt(2.02, devConn, true, subscribe(1, "devices/#/cmd", 0))
	fin := b.ev(2.021, devConn, netcap.EventFIN, "server", "")
	cfin := b.ev(2.03, devConn, netcap.EventFIN, "client", "")
	l.event(2.05, "+ECMTSTAT: 0,1", at.OpStatus, args(at.ArgConn, "0", "err_code", "1"), "")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeInvalidTopic)
	f := findFinding(res, CodeInvalidTopic)
	if f.Line != 7 || !equalInts(f.Frames, []int{sub, fin}) || !strings.Contains(f.Explanation, "MQTT-4.7.1-2") ||
		!strings.Contains(f.Fix, `AT+ECMTSUB=0,1,"devices/+/cmd",0`) {
		t.Errorf("invalid-topic %+v", f)
	}
	if !equalInts(res.Transactions[2].Frames, []int{sub, fin, cfin}) {
		t.Errorf("subscribe frames %v", res.Transactions[2].Frames)
	}
	if len(findingCodes(res, SeverityError)) != 1 {
		t.Errorf("one error expected: %v", describeFindings(res))
	}
}

func TestKeepaliveSilence(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.cmd(0, `AT+ECMTCFG="keepalive",0,2`, at.OpConfigure, args(at.ArgOption, "keepalive", at.ArgConn, "0", at.ArgKeepAlive, "2"), "OK", 0, "", nil)
	l.open(0.5, 0.6, "0")
	b.handshake(0.55, devConn)
	tx := l.connect(1, 1.08, "dev1", "", "", "0")
	ka := 2
	tx.Config = &at.ConnConfig{KeepAlive: &ka}
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 2, true))
	b.pkt(1.05, devConn, false, connack(0))
	fin := b.ev(4.23, devConn, netcap.EventFIN, "server", "")
	l.event(4.25, "+ECMTSTAT: 0,1", at.OpStatus, args(at.ArgConn, "0", "err_code", "1"), "")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeKeepaliveTimeout)
	f := findFinding(res, CodeKeepaliveTimeout)
	if f.Line != 6 || !strings.Contains(f.Fix, `AT+ECMTCFG="keepalive",0,4`) || firstFrame(f.Frames) == 0 {
		t.Errorf("keepalive-timeout %+v", f)
	}
	if !equalInts(res.Events[0].Frames, []int{fin}) {
		t.Errorf("status frames %v", res.Events[0].Frames)
	}
	if findFinding(res, CodeServerClosed) != nil {
		t.Errorf("also server-closed: %v", describeFindings(res))
	}
}

func TestPingUnanswered(t *testing.T) {
	b := &capBuilder{}
	b.handshake(0, devConn)
	b.pkt(0.1, devConn, true, connectPkt("dev1", "", "", 10, true))
	b.pkt(0.2, devConn, false, connack(0))
	b.pkt(10, devConn, true, &mqtt.Packet{Type: mqtt.PINGREQ})
	b.ev(20, devConn, netcap.EventFIN, "client", "")
	res := Analyze(nil, b.recs, Options{})
	requireCodes(t, res, CodeKeepaliveTimeout)
}

func TestServerClosedWithoutCause(t *testing.T) {
	b := &capBuilder{}
	b.handshake(0, devConn)
	b.pkt(0.1, devConn, true, connectPkt("dev1", "", "", 60, true))
	b.pkt(0.2, devConn, false, connack(0))
	b.pkt(10, devConn, true, &mqtt.Packet{Type: mqtt.PINGREQ})
	b.pkt(10.01, devConn, false, &mqtt.Packet{Type: mqtt.PINGRESP})
	b.ev(15, devConn, netcap.EventRST, "server", "")
	res := Analyze(nil, b.recs, Options{ClientID: "dev1"})
	requireCodes(t, res, CodeServerClosed)
	if findFinding(res, CodeKeepaliveTimeout) != nil {
		t.Errorf("5 s of silence with keepalive 60 is no keepalive expiry: %v", describeFindings(res))
	}
}

func TestSubackFailure(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	l.cmd(2, `AT+ECMTSUB=0,4,"secret/#",1`, at.OpSubscribe, args(at.ArgConn, "0", at.ArgMsgID, "4", at.ArgTopic, "secret/#", at.ArgQoS, "1"),
		"OK", 2.06, "+ECMTSUB: 0,4,0,1", args(at.ArgConn, "0", at.ArgMsgID, "4", at.ArgResult, "0", at.ArgValue, "1"))
	s := b.pkt(2.02, devConn, true, subscribe(4, "secret/#", 1))
	a := b.pkt(2.04, devConn, false, &mqtt.Packet{Type: mqtt.SUBACK, PacketID: 4, Granted: []byte{0x80}})
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeSubackFailure)
	if f := findFinding(res, CodeSubackFailure); f.Line != 7 || !equalInts(f.Frames, []int{s, a}) {
		t.Errorf("suback-failure %+v", f)
	}
}

func TestNotOnWire(t *testing.T) {
	s := buildHealthy(0, false, true)
	// Keep only the other clients' traffic: the capture was taken on the
	// wrong port or host.
	var recs []netcap.Record
	for _, r := range s.recs {
		if r.Conn != devConn.id {
			recs = append(recs, r)
		}
	}
	res := Analyze(s.log, recs, Options{})
	requireCodes(t, res, CodeNotOnWire)
	if res.HasErrors() {
		t.Errorf("a capture missing the device is not an error of the device: %v", describeFindings(res))
	}
	if len(res.Device.Connections) != 0 {
		t.Errorf("device connections %+v", res.Device.Connections)
	}
}

func TestATOnlyExplainsCodes(t *testing.T) {
	l := newLog(0)
	l.open(0, 0.1, "0")
	l.connect(1, 1.08, "dev1", "", "", "5")
	res := Analyze(&l.log, nil, Options{})
	requireCodes(t, res, CodeConnackRefused, CodeNoCredentials)
	if f := findFinding(res, CodeConnackRefused); f.ConnackCode == nil || *f.ConnackCode != 5 {
		t.Errorf("connack code missing: %+v", f)
	}
	// Without a capture the text must not speak of what "the capture"
	// shows.
	for _, f := range res.Findings {
		if strings.Contains(f.Summary+f.Explanation, "the capture") {
			t.Errorf("%s speaks of a capture that was not given: %s — %s", f.Code, f.Summary, f.Explanation)
		}
	}
	if res.Clock.Method != "none" {
		t.Errorf("clock method %q", res.Clock.Method)
	}
}

func TestPublishPayloadCut(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	l.cmd(2, `AT+ECMTPUB=0,5,1,0,"dev1/up","0123456789"`, at.OpPublish,
		args(at.ArgConn, "0", at.ArgMsgID, "5", at.ArgQoS, "1", at.ArgRetain, "0", at.ArgTopic, "dev1/up", at.ArgPayload, "0123456789"),
		"OK", 2.06, "+ECMTPUB: 0,5,0", args(at.ArgConn, "0", at.ArgMsgID, "5", at.ArgResult, "0"))
	p := b.pkt(2.02, devConn, true, publish("dev1/up", "01234", 1, 5))
	a := b.pkt(2.04, devConn, false, ack(mqtt.PUBACK, 5))
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodePublishMismatch)
	if f := findFinding(res, CodePublishMismatch); !strings.Contains(f.Explanation, "cut to 5 bytes") {
		t.Errorf("publish-mismatch %+v", f)
	}
	if !equalInts(res.Transactions[2].Frames, []int{p, a}) {
		t.Errorf("publish frames %v", res.Transactions[2].Frames)
	}
	if res.HasErrors() {
		t.Errorf("errors: %v", describeFindings(res))
	}
}

// A status URC the capture shows no cause for: the module lost the
// connection on its own side.
func TestStatusWithoutCloseIsConnectionLost(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	l.event(50, "+ECMTSTAT: 0,1", at.OpStatus, args(at.ArgConn, "0", "err_code", "1"), "")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeConnectionLost)
	if res.HasErrors() {
		t.Errorf("errors: %v", describeFindings(res))
	}
	// Without a capture the same URC is the module's report of a close.
	res = Analyze(&l.log, nil, Options{})
	requireCodes(t, res, CodeServerClosed)
}

// ESP-AT style: the client id and credentials come from a configure
// command, the connect command names only the broker and opens the TCP
// connection itself.
func TestConnectSettingsFromConfigure(t *testing.T) {
	l := newLog(0)
	l.log.Dialect = "espat"
	b := &capBuilder{}
	l.cmd(0, `AT+MQTTUSERCFG=0,1,"dev1","user","pass",0,0,""`, at.OpConfigure,
		args(at.ArgConn, "0", at.ArgClientID, "dev1", at.ArgUsername, "user", at.ArgPassword, "pass"), "OK", 0, "", nil)
	l.cmd(1, `AT+MQTTCONN=0,"10.0.0.1",1883,0`, at.OpConnect, args(at.ArgConn, "0", at.ArgHost, "10.0.0.1", at.ArgPort, "1883"),
		"OK", 1.2, "+MQTTCONNECTED:0,1,\"10.0.0.1\",\"1883\",\"\",0", nil)
	syn, synack := b.handshake(1.01, devConn)
	cp := b.pkt(1.03, devConn, true, connectPkt("dev1", "user", "pas", 120, true))
	ca := b.pkt(1.05, devConn, false, connack(4))
	res := Analyze(&l.log, b.recs, Options{})
	if !equalInts(res.Transactions[1].Frames, []int{syn, synack, cp, ca}) {
		t.Errorf("connect frames %v", res.Transactions[1].Frames)
	}
	requireCodes(t, res, CodeConnackRefused, CodeCredentialsMismatch)
	if f := findFinding(res, CodeCredentialsMismatch); !strings.Contains(f.Explanation, "cut to 3 bytes") {
		t.Errorf("credentials-mismatch %+v", f)
	}
	if l.log.Transactions[1].Args[at.ArgClientID] != "" {
		t.Error("Analyze modified the caller's log")
	}
}

func TestVersionDefaultDiffers(t *testing.T) {
	l := newLog(0)
	l.log.Dialect = "qmt"
	b := &capBuilder{}
	l.cmd(1, `AT+QMTCONN=0,"dev1"`, at.OpConnect, args(at.ArgConn, "0", at.ArgClientID, "dev1"), "OK", 1.08, "+QMTCONN: 0,0,0", args(at.ArgConn, "0", at.ArgResult, "0", at.ArgReturnCode, "0"))
	b.handshake(0.5, devConn)
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true)) // level 4, QMT documents 3
	b.pkt(1.05, devConn, false, connack(0))
	res := Analyze(&l.log, b.recs, Options{})
	f := findFinding(res, CodeVersionMismatch)
	if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Fix, `AT+QMTCFG="version",0,4`) {
		t.Errorf("version-mismatch %+v", f)
	}
}

// A log without the connect command (started late, or echo off with a
// terminal that records only what the module sent): the open command's
// broker picks the connection, its CONNACK refusal is still found.
func TestLogWithoutConnectCommand(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	other := mkConn(2, "10.0.0.7:50007", "10.0.0.1:1999")
	b.handshake(0.3, other)
	b.pkt(0.31, other, true, connectPkt("x", "", "", 60, true))
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(5))
	l.event(1.08, "+ECMTCONN: 0,0,5", at.OpConnect, args(at.ArgConn, "0", at.ArgResult, "0", at.ArgReturnCode, "5"), "")
	res := Analyze(&l.log, b.recs, Options{})
	if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != devConn.id {
		t.Fatalf("device %+v (%s)", res.Device.Connections, res.Device.Reason)
	}
	requireCodes(t, res, CodeConnackRefused, CodeNoCredentials)
	if len(res.Events[0].Frames) != 2 {
		t.Errorf("connect URC frames %v", res.Events[0].Frames)
	}
}

// The capture started after the device connected: no SYN, no CONNECT,
// but its PUBLISHes carry the log's content.
func TestMidstreamCapture(t *testing.T) {
	s := buildHealthy(30*time.Minute, false, true)
	var recs []netcap.Record
	for _, r := range s.recs {
		if r.Conn == devConn.id && r.Time.Before(capAt(2.5)) {
			continue // before the capture started
		}
		recs = append(recs, r)
	}
	res := Analyze(s.log, recs, Options{})
	if len(res.Device.Connections) != 1 || res.Device.Connections[0].Conn != devConn.id {
		t.Fatalf("device %+v: %s", res.Device.Connections, res.Device.Reason)
	}
	if !equalInts(res.Transactions[4].Frames, s.want[4]) {
		t.Errorf("QoS 1 publish frames %v, want %v", res.Transactions[4].Frames, s.want[4])
	}
	if res.HasErrors() {
		t.Errorf("errors: %v", describeFindings(res))
	}
	requireCodes(t, res, CodeNotOnWire) // the open, connect and subscribe before the capture
}

// A refused open with others' SYNs around: the SYN-only clock match must
// not crash device selection or pick another client's connection.
func TestRefusedOpenAmongOthers(t *testing.T) {
	l := newLog(90 * time.Second)
	b := &capBuilder{}
	for i := 0; i < 3; i++ {
		c := mkConn(10+i, "10.0.0.3"+string(rune('0'+i))+":5000", "10.0.0.1:1883")
		b.handshake(float64(i)*3, c)
		b.pkt(float64(i)*3+0.1, c, true, connectPkt("other", "", "", 60, true))
	}
	l.open(4, 4.2, "-1")
	syn := b.ev(4.05, devConn, netcap.EventSYN, "client", "")
	rst := b.ev(4.051, devConn, netcap.EventRST, "server", "connection refused: RST in answer to SYN")
	res := Analyze(&l.log, b.recs, Options{})
	requireCodes(t, res, CodeTCPRefused)
	if !equalInts(res.Transactions[0].Frames, []int{syn, rst}) {
		t.Errorf("open frames %v (clock %+v) device %s", res.Transactions[0].Frames, res.Clock, res.Device.Reason)
	}
}

func TestMQTT5Refusals(t *testing.T) {
	for _, c := range []struct {
		reason byte
		cause  string
	}{{0x87, CodeNoCredentials}, {0x84, CodeProtocolVersion}, {0x85, CodeClientIDRejected}} {
		b := &capBuilder{}
		b.handshake(0, devConn)
		p := connectPkt("dev1", "", "", 60, true)
		p.ProtocolLevel, p.Version = 5, mqtt.Version5
		b.pkt(0.1, devConn, true, p)
		b.pkt(0.2, devConn, false, &mqtt.Packet{Type: mqtt.CONNACK, Version: mqtt.Version5, ReasonCode: c.reason, HasReasonCode: true})
		res := Analyze(nil, b.recs, Options{})
		requireCodes(t, res, CodeConnackRefused, c.cause)
		if f := findFinding(res, CodeConnackRefused); f == nil || f.ConnackCode == nil || *f.ConnackCode != int(c.reason) {
			t.Errorf("0x%02X: %+v", c.reason, f)
		}
	}
}

func TestMQTT5SessionTakenOver(t *testing.T) {
	b := &capBuilder{}
	b.handshake(0, devConn)
	p := connectPkt("dev1", "", "", 60, true)
	p.ProtocolLevel = 5
	b.pkt(0.1, devConn, true, p)
	b.pkt(0.2, devConn, false, &mqtt.Packet{Type: mqtt.CONNACK, Version: mqtt.Version5})
	b.pkt(9, devConn, false, &mqtt.Packet{Type: mqtt.DISCONNECT, Version: mqtt.Version5, ReasonCode: 0x8E, HasReasonCode: true})
	res := Analyze(nil, b.recs, Options{})
	requireCodes(t, res, CodeClientIDTakeover)
	if findFinding(res, CodeServerClosed) != nil {
		t.Errorf("%v", describeFindings(res))
	}
}

// The module's own auto-reconnect replacing a half-dead connection is no
// takeover.
func TestOwnReconnectIsNoTakeover(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev1", "", "", "0")
	b.pkt(1.03, devConn, true, connectPkt("dev1", "", "", 120, true))
	b.pkt(1.05, devConn, false, connack(0))
	re := mkConn(2, "10.0.0.5:40002", "10.0.0.1:1883")
	b.handshake(20, re)
	b.pkt(20.01, re, true, connectPkt("dev1", "", "", 120, true))
	b.ev(20.011, devConn, netcap.EventFIN, "server", "")
	b.pkt(20.02, re, false, connack(0))
	l.event(20.03, "+ECMTCONN: 0,0,0", at.OpConnect, args(at.ArgConn, "0", at.ArgResult, "0", at.ArgReturnCode, "0"), "")
	res := Analyze(&l.log, b.recs, Options{})
	if len(res.Device.Connections) != 2 {
		t.Errorf("both connections are the device's: %s", res.Device.Reason)
	}
	if res.HasErrors() {
		t.Errorf("errors: %v", describeFindings(res))
	}
}

func TestATOnlyOpenResults(t *testing.T) {
	l := newLog(0)
	l.log.Dialect = "qmt"
	l.cmd(0, `AT+QMTOPEN=0,"brokr.example.com",1883`, at.OpOpen, args(at.ArgConn, "0", at.ArgHost, "brokr.example.com", at.ArgPort, "1883"),
		"OK", 2, "+QMTOPEN: 0,4", args(at.ArgConn, "0", at.ArgResult, "4"))
	l.cmd(3, `AT+QMTOPEN=1,"10.0.0.1",1883`, at.OpOpen, args(at.ArgConn, "1", at.ArgHost, "10.0.0.1", at.ArgPort, "1883"),
		"OK", 4, "+QMTOPEN: 1,2", args(at.ArgConn, "1", at.ArgResult, "2"))
	res := Analyze(&l.log, nil, Options{})
	requireCodes(t, res, CodeDNSFailure, CodeOpenFailed)
	if f := findFinding(res, CodeOpenFailed); !strings.Contains(f.Fix, "AT+QMTCLOSE=1") {
		t.Errorf("open-failed fix %q", f.Fix)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Explanation, "the capture shows") || !strings.Contains(f.Explanation, "no capture was given") {
			t.Errorf("%s: %s", f.Code, f.Explanation)
		}
	}
}

// A 5.0 CONNACK 0x8C (bad authentication method) answers a CONNECT that
// named an Authentication Method: the method is the cause, not missing
// credentials (the CONNECT carried no username or password).
func TestMQTT5BadAuthMethodIsNotNoCredentials(t *testing.T) {
	for _, reason := range []byte{0x8C, 0x87} {
		b := &capBuilder{}
		b.handshake(0, devConn)
		p := connectPkt("dev1", "", "", 60, true)
		p.ProtocolLevel, p.Version = 5, mqtt.Version5
		p.Properties = []mqtt.Property{{ID: mqtt.PropAuthenticationMethod, Name: "Authentication Method", Value: "SCRAM-SHA-1"}}
		b.pkt(0.1, devConn, true, p)
		b.pkt(0.2, devConn, false, &mqtt.Packet{Type: mqtt.CONNACK, Version: mqtt.Version5, ReasonCode: reason, HasReasonCode: true})
		res := Analyze(nil, b.recs, Options{})
		requireCodes(t, res, CodeConnackRefused)
		if findFinding(res, CodeNoCredentials) != nil {
			t.Errorf("0x%02X after a CONNECT with an Authentication Method diagnosed as no-credentials: %v", reason, describeFindings(res))
		}
		f := findFinding(res, CodeConnackRefused)
		if !strings.Contains(f.Explanation, `Authentication Method "SCRAM-SHA-1"`) {
			t.Errorf("0x%02X explanation does not name the method: %s", reason, f.Explanation)
		}
		if reason == 0x8C && !strings.Contains(f.Fix, `authentication method "SCRAM-SHA-1"`) {
			t.Errorf("0x8C fix: %s", f.Fix)
		}
	}
}
