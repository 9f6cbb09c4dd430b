package correlate

import (
	"net/netip"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// Builders for synthetic sessions: a capture (records as decode/netcap
// emits them) and a serial log (transactions and events as decode/at
// emits them), on clocks that differ by a chosen offset.

var capStart = time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

type capBuilder struct {
	frame int
	recs  []netcap.Record
}

type tconn struct {
	id             int
	client, server netip.AddrPort
}

func mkConn(id int, client, server string) tconn {
	return tconn{id, netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)}
}

// at returns capture time s seconds after capStart.
func capAt(s float64) time.Time { return capStart.Add(sec(s)) }

func (b *capBuilder) add(r netcap.Record) int {
	b.frame++
	r.Frame = b.frame
	b.recs = append(b.recs, r)
	return b.frame
}

func (b *capBuilder) ev(s float64, c tconn, typ, by, detail string) int {
	return b.add(netcap.Record{Kind: netcap.KindEvent, Time: capAt(s), Conn: c.id, Client: c.client, Server: c.server,
		FromClient: by == "client", Event: &netcap.Event{Type: typ, By: by, Detail: detail}})
}

func (b *capBuilder) pkt(s float64, c tconn, fromClient bool, p *mqtt.Packet) int {
	if p.Version == 0 {
		p.Version = mqtt.Version311
	}
	return b.add(netcap.Record{Kind: netcap.KindPacket, Time: capAt(s), Conn: c.id, Client: c.client, Server: c.server,
		FromClient: fromClient, Packet: p})
}

func (b *capBuilder) dns(s float64, name string, response bool, rcode int, answers ...string) int {
	d := &netcap.DNS{ID: 7, Response: response, Name: name, Rcode: rcode,
		Client: netip.MustParseAddrPort("10.0.0.5:5353"), Resolver: netip.MustParseAddrPort("10.0.0.53:53")}
	for _, a := range answers {
		d.Answers = append(d.Answers, netip.MustParseAddr(a))
	}
	return b.add(netcap.Record{Kind: netcap.KindEvent, Time: capAt(s), FromClient: !response,
		Event: &netcap.Event{Type: netcap.EventDNS, DNS: d}})
}

// handshake adds SYN and SYN-ACK.
func (b *capBuilder) handshake(s float64, c tconn) (syn, synack int) {
	return b.ev(s, c, netcap.EventSYN, "client", ""), b.ev(s+0.001, c, netcap.EventSYNACK, "server", "")
}

func connectPkt(cid, user, pass string, ka uint16, clean bool) *mqtt.Packet {
	p := &mqtt.Packet{Type: mqtt.CONNECT, ProtocolName: "MQTT", ProtocolLevel: 4, ClientID: cid, KeepAlive: ka, CleanSession: clean}
	if user != "" {
		p.UsernameFlag, p.Username = true, user
	}
	if pass != "" {
		p.PasswordFlag, p.Password = true, []byte(pass)
	}
	return p
}

func connack(rc byte) *mqtt.Packet { return &mqtt.Packet{Type: mqtt.CONNACK, ReturnCode: rc} }

func publish(topic, payload string, qos byte, id uint16) *mqtt.Packet {
	return &mqtt.Packet{Type: mqtt.PUBLISH, Topic: topic, Payload: []byte(payload), QoS: qos, PacketID: id}
}

func ack(t mqtt.Type, id uint16) *mqtt.Packet { return &mqtt.Packet{Type: t, PacketID: id} }

func subscribe(id uint16, filter string, qos byte) *mqtt.Packet {
	return &mqtt.Packet{Type: mqtt.SUBSCRIBE, PacketID: id, Subscriptions: []mqtt.Subscription{{Filter: filter, QoS: qos}}}
}

// logBuilder writes transactions whose serial times are capture time +
// offset (zero times when untimed).
type logBuilder struct {
	offset time.Duration
	untime bool
	line   int
	log    at.Log
}

func newLog(offset time.Duration) *logBuilder {
	return &logBuilder{offset: offset, log: at.Log{Format: "atmq", Dialect: "ecmt", TimeSource: "log", Config: map[int]at.ConnConfig{}}}
}

func (l *logBuilder) serial(s float64) time.Time {
	if l.untime {
		return time.Time{}
	}
	return capAt(s).Add(l.offset)
}

// cmd adds a transaction: command at s, final OK right after, result URC
// at rs (none when result is "").
func (l *logBuilder) cmd(s float64, command string, op at.Op, args map[string]string, final string, rs float64, result string, resultArgs map[string]string) *at.Transaction {
	l.line++
	t := at.Transaction{Line: l.line, Time: l.serial(s), Command: command, Dialect: l.log.Dialect, Op: op, Args: args,
		Final: final, FinalLine: l.line + 1, FinalTime: l.serial(s + 0.002)}
	l.line++
	if result != "" {
		l.line++
		t.Result, t.ResultLine, t.ResultTime, t.ResultArgs = result, l.line, l.serial(rs), resultArgs
	}
	l.log.Transactions = append(l.log.Transactions, t)
	return &l.log.Transactions[len(l.log.Transactions)-1]
}

func (l *logBuilder) event(s float64, text string, op at.Op, args map[string]string, payload string) {
	l.line++
	e := at.Event{Line: l.line, Time: l.serial(s), Text: text, Dialect: l.log.Dialect, Op: op, Args: args}
	if payload != "" {
		e.Payload = []byte(payload)
	}
	l.log.Events = append(l.log.Events, e)
}

func args(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

var (
	devConn = mkConn(1, "10.0.0.5:40001", "10.0.0.1:1883")
)

// Standard ECMT commands.
func (l *logBuilder) open(s, rs float64, result string) {
	l.cmd(s, `AT+ECMTOPEN=0,"10.0.0.1",1883`, at.OpOpen, args(at.ArgConn, "0", at.ArgHost, "10.0.0.1", at.ArgPort, "1883"),
		"OK", rs, "+ECMTOPEN: 0,"+result, args(at.ArgConn, "0", at.ArgResult, result))
}

func (l *logBuilder) connect(s, rs float64, cid, user, pass string, rc string) *at.Transaction {
	cmd := `AT+ECMTCONN=0,"` + cid + `"`
	a := args(at.ArgConn, "0", at.ArgClientID, cid)
	if user != "" {
		cmd += `,"` + user + `","` + pass + `"`
		a[at.ArgUsername], a[at.ArgPassword] = user, pass
	}
	result := ""
	if rc != "" {
		result = "+ECMTCONN: 0,0," + rc
	}
	return l.cmd(s, cmd, at.OpConnect, a, "OK", rs, result, args(at.ArgConn, "0", at.ArgResult, "0", at.ArgReturnCode, rc))
}

// findingCodes lists the codes of res's findings with the given severity
// ("" for all).
func findingCodes(res *Result, sev string) []string {
	var out []string
	for _, f := range res.Findings {
		if sev == "" || f.Severity == sev {
			out = append(out, f.Code)
		}
	}
	return out
}

func findFinding(res *Result, code string) *Finding {
	for i := range res.Findings {
		if res.Findings[i].Code == code {
			return &res.Findings[i]
		}
	}
	return nil
}

func requireCodes(t *testing.T, res *Result, codes ...string) {
	t.Helper()
	for _, c := range codes {
		if findFinding(res, c) == nil {
			t.Errorf("want finding %s; got %v", c, describeFindings(res))
		}
	}
}

func describeFindings(res *Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Severity+" "+f.Code+": "+f.Summary)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
