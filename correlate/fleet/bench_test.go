package fleet

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// sessionRecords feeds one short session (SYN, CONNECT, CONNACK, n
// PUBLISH, DISCONNECT, FINs) of client id on connection conn.
func sessionRecords(a func(netcap.Record), conn int, id string, t time.Time, n int, keepOpen bool) time.Time {
	client := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(conn >> 16), byte(conn >> 8), byte(conn)}), 40000)
	server := netip.MustParseAddrPort("10.0.0.1:1883")
	rec := func(fromClient bool, p *mqtt.Packet, e *netcap.Event) {
		t = t.Add(time.Millisecond)
		r := netcap.Record{Time: t, Conn: conn, Client: client, Server: server, FromClient: fromClient, Packet: p, Event: e, Kind: netcap.KindPacket}
		if e != nil {
			r.Kind = netcap.KindEvent
		}
		a(r)
	}
	rec(true, nil, &netcap.Event{Type: netcap.EventSYN, By: "client"})
	rec(false, nil, &netcap.Event{Type: netcap.EventSYNACK, By: "server"})
	rec(true, &mqtt.Packet{Type: mqtt.CONNECT, ClientID: id, KeepAlive: 60, Version: mqtt.Version311}, nil)
	rec(false, &mqtt.Packet{Type: mqtt.CONNACK, Version: mqtt.Version311}, nil)
	pub := &mqtt.Packet{Type: mqtt.PUBLISH, Topic: "t", Payload: []byte("1")}
	for range n {
		rec(true, pub, nil)
	}
	if keepOpen {
		return t
	}
	rec(true, &mqtt.Packet{Type: mqtt.DISCONNECT}, nil)
	rec(true, nil, &netcap.Event{Type: netcap.EventFIN, By: "client"})
	rec(false, nil, &netcap.Event{Type: netcap.EventFIN, By: "server"})
	return t
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkManyClients: 100,000 client ids, one short session each; the
// report keeps a small entry per client id and nothing per closed
// connection. live-B/client is the heap the analyzer holds per client id.
func BenchmarkManyClients(b *testing.B) {
	const clients = 100_000
	ids := make([]string, clients)
	for i := range ids {
		ids[i] = fmt.Sprintf("dev-%06d", i)
	}
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		before := liveHeap()
		a := New(Options{})
		t := base
		for i, id := range ids {
			t = sessionRecords(a.Add, i+1, id, t, 1, false)
		}
		b.ReportMetric(float64(liveHeap()-before)/clients, "live-B/client")
		if r := a.Report(); r.Summary.ClientIDs != clients {
			b.Fatal(r.Summary)
		}
	}
}

// BenchmarkLiveConnections: 100,000 connections open at once, the state
// the analyzer holds for each while it is live (client entry included).
func BenchmarkLiveConnections(b *testing.B) {
	const conns = 100_000
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		before := liveHeap()
		a := New(Options{})
		for i := range conns {
			sessionRecords(a.Add, i+1, fmt.Sprintf("dev-%06d", i), base, 0, true)
		}
		b.ReportMetric(float64(liveHeap()-before)/conns, "live-B/conn")
		a.Report()
	}
}

// BenchmarkPublishes: per-packet cost of a million small PUBLISHes on 100
// connections: no allocation, no state per packet.
func BenchmarkPublishes(b *testing.B) {
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		a := New(Options{})
		for c := range 100 {
			sessionRecords(a.Add, c+1, fmt.Sprintf("dev-%03d", c), base, 10_000, false)
		}
		a.Report()
	}
}

// The live connections are bounded like the decoder's table: past the
// bound the ones silent longest are ended (counted as open at the end).
func TestLiveConnectionsBounded(t *testing.T) {
	a := New(Options{})
	a.maxLive = 8
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range 20 {
		sessionRecords(a.Add, i+1, fmt.Sprintf("dev-%02d", i), base.Add(time.Duration(i)*time.Second), 0, true)
		if len(a.conns) > 8 {
			t.Fatalf("%d live connections, bound 8", len(a.conns))
		}
	}
	r := a.Report()
	if r.Summary.Connects != 20 || r.Summary.OpenAtEnd != 20 || r.Summary.Connections != 20 {
		t.Errorf("summary %+v", r.Summary)
	}
}
