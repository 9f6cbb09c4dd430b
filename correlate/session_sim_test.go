package correlate

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
)

// simDevice plays a live session as `atmq live` records it: an ECMT
// module on one serial clock with the capture (the host stamps both),
// opening, connecting as dev1 and publishing at Rate per second with
// QoS 1, every FailEvery-th publish refused by the module; beside it
// Others other clients publish at BrokerRate per second in total.
type simDevice struct {
	Rate       float64
	BrokerRate float64
	Others     int
	FailEvery  int

	line, frame int
	serial      func(record.SerialChunk)
	net         func(netcap.Record)
	dev         tconn
	others      []tconn
}

var simStart = time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)

func (d *simDevice) chunk(s float64, dir record.Direction, text string) {
	d.line++
	d.serial(record.SerialChunk{Dir: dir, Time: simStart.Add(sec(s)), Line: d.line + 1, Data: []byte(text)})
}

func (d *simDevice) rec(s float64, c tconn, fromClient bool, p *mqtt.Packet, ev *netcap.Event) {
	d.frame++
	r := netcap.Record{Frame: d.frame, Time: simStart.Add(sec(s)), Conn: c.id, Client: c.client, Server: c.server, FromClient: fromClient}
	if p != nil {
		if p.Version == 0 {
			p.Version = mqtt.Version311
		}
		r.Kind, r.Packet = netcap.KindPacket, p
	} else {
		r.Kind, r.Event = netcap.KindEvent, ev
	}
	d.net(r)
}

// run plays seconds of the session; tick, when set, is called every
// tickEvery seconds of session time.
func (d *simDevice) run(seconds float64, serial func(record.SerialChunk), net func(netcap.Record), tickEvery float64, tick func(s float64)) {
	d.serial, d.net = serial, net
	d.dev = tconn{1, netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.0.0.1:1883")}
	for i := 0; i < d.Others; i++ {
		d.others = append(d.others, tconn{2 + i, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000), d.dev.server})
	}
	d.chunk(0, record.DirHostToModule, "AT+ECMTOPEN=0,\"10.0.0.1\",1883\r")
	d.chunk(0.001, record.DirModuleToHost, "\r\nOK\r\n")
	d.rec(0.01, d.dev, true, nil, &netcap.Event{Type: netcap.EventSYN, By: "client"})
	d.rec(0.011, d.dev, false, nil, &netcap.Event{Type: netcap.EventSYNACK, By: "server"})
	d.chunk(0.02, record.DirModuleToHost, "\r\n+ECMTOPEN: 0,0\r\n")
	d.chunk(0.1, record.DirHostToModule, "AT+ECMTCONN=0,\"dev1\",\"user\",\"pass\"\r")
	d.chunk(0.101, record.DirModuleToHost, "\r\nOK\r\n")
	d.rec(0.11, d.dev, true, connectPkt("dev1", "user", "pass", 120, true), nil)
	d.rec(0.12, d.dev, false, connack(0), nil)
	d.chunk(0.13, record.DirModuleToHost, "\r\n+ECMTCONN: 0,0,0\r\n")
	for i, o := range d.others {
		s := 0.2 + 0.001*float64(i)
		d.rec(s, o, true, connectPkt(fmt.Sprintf("sensor-%d", i), "s", "p", 60, true), nil)
		d.rec(s+0.0005, o, false, connack(0), nil)
	}
	step := 1 / d.Rate
	brokerPer := d.BrokerRate / d.Rate
	owed, nextTick := 0.0, tickEvery
	for k := 0; ; k++ {
		s := 1 + float64(k)*step
		if s > seconds {
			break
		}
		id := k%65535 + 1
		payload := fmt.Sprintf("seq-%d", k)
		d.chunk(s, record.DirHostToModule, fmt.Sprintf("AT+ECMTPUB=0,%d,1,0,\"dev1/up\",\"%s\"\r", id, payload))
		d.chunk(s+0.001, record.DirModuleToHost, "\r\nOK\r\n")
		if d.FailEvery > 0 && k%d.FailEvery == d.FailEvery-1 {
			d.chunk(s+0.01, record.DirModuleToHost, fmt.Sprintf("\r\n+ECMTPUB: 0,%d,2\r\n", id))
		} else {
			d.rec(s+0.003, d.dev, true, publish("dev1/up", payload, 1, uint16(id)), nil)
			d.rec(s+0.006, d.dev, false, ack(mqtt.PUBACK, uint16(id)), nil)
			d.chunk(s+0.01, record.DirModuleToHost, fmt.Sprintf("\r\n+ECMTPUB: 0,%d,0\r\n", id))
		}
		for owed += brokerPer; owed >= 1 && len(d.others) > 0; owed-- {
			o := d.others[(d.frame)%len(d.others)]
			d.rec(s+0.02, o, true, publish("fleet/telemetry", payload, 0, 0), nil)
		}
		if tick != nil && s >= nextTick {
			tick(s)
			nextTick += tickEvery
		}
	}
}
