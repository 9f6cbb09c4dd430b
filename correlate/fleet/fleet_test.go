package fleet_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/bench/fleetgen"
	"github.com/atmq/atmq/correlate/fleet"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// population is a broker's day in miniature, every kind of client at once.
var population = fleetgen.Population{
	Healthy: 40, OpenAtEnd: 7, NoUsername: 29, UnknownUser: 11, WrongPassword: 3,
	TakeoverLoops: 4, Keepalive60: 24, Keepalive30: 1, Storms: 2,
	Unanswered: 5, TLSUnknownCA: 6, DNSFailures: 3,
}

func analyzeCapture(t *testing.T, p fleetgen.Population, opts fleet.Options) *fleet.Report {
	t.Helper()
	path := filepath.Join(t.TempDir(), "broker.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fleetgen.Write(f, p); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	a := fleet.New(opts)
	if _, err := netcap.ReadFile(path, netcap.Options{}, a.Add); err != nil {
		t.Fatal(err)
	}
	return a.Report()
}

func findingsByCode(r *fleet.Report) map[string][]fleet.Finding {
	out := map[string][]fleet.Finding{}
	for _, f := range r.Findings {
		out[f.Code] = append(out[f.Code], f)
	}
	return out
}

func TestSummaryCountsKnownPopulation(t *testing.T) {
	p := population
	r := analyzeCapture(t, p, fleet.Options{})
	s := r.Summary
	rounds, storms := 6, 40 // fleetgen's defaults
	connects := p.Healthy + p.OpenAtEnd + p.NoUsername + p.UnknownUser + p.WrongPassword +
		p.TakeoverLoops*rounds + p.Keepalive60 + p.Keepalive30 + p.Storms*storms
	refused := p.NoUsername + p.UnknownUser + p.WrongPassword
	want := map[string][2]int{
		"client ids":      {s.ClientIDs, p.Clients()},
		"connects":        {s.Connects, connects},
		"accepted":        {s.Accepted, connects - refused},
		"refused":         {s.Refused, refused},
		"open at end":     {s.OpenAtEnd, p.OpenAtEnd},
		"disconnected":    {s.Disconnected, p.Healthy + p.Storms*storms + p.TakeoverLoops},
		"TLS connections": {s.TLSConnections, p.TLSUnknownCA},
		"connections":     {s.Connections, connects + p.Unanswered + p.TLSUnknownCA},
		"without connect": {s.WithoutConnect, 0},
		"with problems":   {s.ClientsWithProblems, refused + p.TakeoverLoops + p.Keepalive60 + p.Keepalive30 + p.Storms},
	}
	for what, got := range want {
		if got[0] != got[1] {
			t.Errorf("summary %s: %d, want %d", what, got[0], got[1])
		}
	}

	by := findingsByCode(r)
	refusals := by[fleet.CodeConnackRefused]
	if len(refusals) != 2 {
		t.Fatalf("want one refusal finding per CONNACK code (4 and 5), got %+v", refusals)
	}
	four, five := refusals[0], refusals[1]
	if *four.ConnackCode == 5 {
		four, five = five, four
	}
	if *four.ConnackCode != 4 || four.Clients != p.WrongPassword || len(four.Causes) != 1 || four.Causes[0].Cause != "known-username" {
		t.Errorf("CONNACK 4: %+v", four)
	}
	if *five.ConnackCode != 5 || five.Clients != p.NoUsername+p.UnknownUser || len(five.Causes) != 2 ||
		five.Causes[0].Cause != "no-username" || five.Causes[0].Clients != p.NoUsername ||
		five.Causes[1].Cause != "unknown-username" || five.Causes[1].Clients != p.UnknownUser {
		t.Errorf("CONNACK 5: %+v", five)
	}
	if !strings.Contains(five.Summary, "40 clients refused with CONNACK 5 not authorized") ||
		!strings.Contains(five.Summary, `29 sent no username ("anon-0000"`) ||
		!strings.Contains(five.Summary, "11 a username unknown to the accepted clients") {
		t.Errorf("CONNACK 5 summary: %s", five.Summary)
	}

	take := by[fleet.CodeTakeover]
	if len(take) != 1 || take[0].Loops != p.TakeoverLoops || take[0].Clients != p.TakeoverLoops ||
		take[0].Connections != p.TakeoverLoops*(rounds-1) ||
		take[0].IntervalSeconds == nil || take[0].IntervalSeconds.Min != 3 || take[0].IntervalSeconds.Max != 5 {
		t.Errorf("takeover: %+v", take)
	} else if !strings.Contains(take[0].Summary, "4 client ids taken over in a loop: two connections with the same id replace each other every 3s–5s") {
		t.Errorf("takeover summary: %s", take[0].Summary)
	}

	ka := by[fleet.CodeKeepalive]
	if len(ka) != 1 || ka[0].Connections != 25 || ka[0].Clients != 25 || len(ka[0].Keepalive) != 2 ||
		ka[0].Keepalive[0] != (fleet.KeepaliveCount{Seconds: 60, Connections: 24}) {
		t.Errorf("keepalive: %+v", ka)
	} else if !strings.Contains(ka[0].Summary, "25 connections closed after 1.5 × keepalive of silence") || !strings.Contains(ka[0].Summary, "96% of them with keepalive 60") {
		t.Errorf("keepalive summary: %s", ka[0].Summary)
	}

	st := by[fleet.CodeReconnectStorm]
	if len(st) != 1 || st[0].Clients != p.Storms || st[0].Storms[0].Connects != 40 {
		t.Errorf("storm (takeover loops must not count as storms): %+v", st)
	}
	syn := by[fleet.CodeTCPTimeout]
	if len(syn) != 1 || syn[0].Connections != p.Unanswered || syn[0].Server != "10.0.0.1:1883" {
		t.Errorf("unanswered SYNs: %+v", syn)
	}
	tls := by[fleet.CodeTLSAlert]
	if len(tls) != 1 || tls[0].Connections != p.TLSUnknownCA || tls[0].ServerName != "mqtt.example.com" || !strings.Contains(tls[0].Summary, "unknown_ca") {
		t.Errorf("TLS alerts: %+v", tls)
	}
	dns := by[fleet.CodeDNSFailure]
	if len(dns) != 1 || dns[0].Connections != p.DNSFailures || dns[0].Addresses != p.DNSFailures || dns[0].Name != "mqtt.example.invalid" || !strings.Contains(dns[0].Summary, "NXDOMAIN") {
		t.Errorf("DNS failures: %+v", dns)
	}
	if len(s.TLS) != 1 || s.TLS[0].ServerName != "mqtt.example.com" || s.TLS[0].Connections != p.TLSUnknownCA {
		t.Errorf("TLS per server name: %+v", s.TLS)
	}
	for _, code := range []string{fleet.CodeServerClosed, fleet.CodeNoConnack, fleet.CodeConnectionLost, fleet.CodeClosedAfterReq, fleet.CodeTCPRefused} {
		if len(by[code]) != 0 {
			t.Errorf("unexpected %s: %+v", code, by[code])
		}
	}

	// The client table: one row per troubled client id, the most troubled first.
	if len(r.Clients) != s.ClientsWithProblems {
		t.Fatalf("client rows: %d, want %d", len(r.Clients), s.ClientsWithProblems)
	}
	if top := r.Clients[0]; !strings.HasPrefix(top.ClientID, "flappy-") || top.Connections != 40 || !strings.Contains(top.Cause, "reconnect storm: 40 connects") {
		t.Errorf("first row: %+v", top)
	}
	rows := map[string]fleet.Client{}
	for _, c := range r.Clients {
		rows[c.ClientID] = c
	}
	if c := rows["twin-0000"]; c.Connections != rounds || c.LastResult != "disconnected" || !strings.Contains(c.Cause, "takeover loop") || c.Problems["client-id-takeover"] != rounds-1 {
		t.Errorf("takeover row: %+v", c)
	}
	if c := rows["anon-0003"]; c.Refused != 1 || c.LastResult != "refused 5 not authorized" || c.Cause != "refused: no username sent" {
		t.Errorf("refused row: %+v", c)
	}
	if c := rows["sleepy60-0001"]; c.LastResult != "keepalive expired" || c.Cause != "keepalive expired (keepalive 60 s)" {
		t.Errorf("keepalive row: %+v", c)
	}
	if _, ok := rows["sensor-00001"]; ok {
		t.Error("a healthy client is listed without --all")
	}
}

func TestAllClientsAndJSON(t *testing.T) {
	p := fleetgen.Population{Healthy: 3, NoUsername: 2}
	r := analyzeCapture(t, p, fleet.Options{AllClients: true})
	if len(r.Clients) != 5 {
		t.Fatalf("--all: %d rows, want 5", len(r.Clients))
	}
	if r.Clients[0].Refused != 1 || r.Clients[4].LastResult != "disconnected" {
		t.Errorf("rows: troubled first, then the rest in order of appearance: %+v", r.Clients)
	}
	var buf bytes.Buffer
	if err := fleet.JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 3 || doc["summary"] == nil || doc["clients"] == nil || doc["findings"] == nil {
		t.Errorf("want {summary, clients, findings}, got %s", buf.String())
	}
	buf.Reset()
	if err := fleet.Table(&buf, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"5 CONNECTs from 5 client ids: 3 accepted, 2 refused", "Clients with problems: 2 of 5", "connack-refused", "anon-0000", "sensor-00002"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}

// A healthy fleet reports no problem and lists no client.
func TestHealthyFleet(t *testing.T) {
	r := analyzeCapture(t, fleetgen.Population{Healthy: 20, OpenAtEnd: 3}, fleet.Options{})
	if len(r.Findings) != 0 || len(r.Clients) != 0 || r.HasErrors() {
		t.Errorf("healthy fleet: findings %+v, clients %+v", r.Findings, r.Clients)
	}
	var buf bytes.Buffer
	if err := fleet.Table(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Problems: none") {
		t.Errorf("table:\n%s", buf.String())
	}
}

// Client ids of 60,000 bytes are kept as a bounded key that still tells
// them apart.
func TestHugeClientIDsBounded(t *testing.T) {
	a := fleet.New(fleet.Options{AllClients: true})
	for i := range 3 {
		id := strings.Repeat("x", 60_000) + string(rune('a'+i))
		sessionOf(a, i+1, id)
	}
	r := a.Report()
	if r.Summary.ClientIDs != 3 || len(r.Clients) != 3 {
		t.Fatalf("summary %+v", r.Summary)
	}
	for _, c := range r.Clients {
		if len(c.ClientID) > 300 || !strings.Contains(c.ClientID, "60001 bytes") {
			t.Errorf("client id kept as %d bytes: %.80s…", len(c.ClientID), c.ClientID)
		}
	}
	var buf bytes.Buffer
	if err := fleet.Table(&buf, r); err != nil || buf.Len() > 20_000 {
		t.Errorf("table: %d bytes, %v", buf.Len(), err)
	}
}

// sessionOf feeds a refused session of client id on connection conn.
func sessionOf(a *fleet.Analyzer, conn int, id string) {
	client := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(conn)}), 40000)
	server := netip.MustParseAddrPort("10.0.0.1:1883")
	t := time.Date(2026, 11, 26, 0, 0, conn, 0, time.UTC)
	a.Add(netcap.Record{Kind: netcap.KindPacket, Time: t, Conn: conn, Client: client, Server: server, FromClient: true,
		Packet: &mqtt.Packet{Type: mqtt.CONNECT, ClientID: id, Version: mqtt.Version311}})
	a.Add(netcap.Record{Kind: netcap.KindPacket, Time: t, Conn: conn, Client: client, Server: server,
		Packet: &mqtt.Packet{Type: mqtt.CONNACK, ReturnCode: 5, Version: mqtt.Version311}})
}
