package correlate

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// target is where an open (or connect-with-host) command pointed.
type target struct {
	tx    int
	host  string
	port  int // 0 when not given
	addrs []netip.Addr
}

// openTargets lists the host/port of every command that names one.
func (a evidence) openTargets() []target {
	var out []target
	for i := range a.txs {
		t := &a.txs[i]
		if t.Op != at.OpOpen && t.Op != at.OpConnect {
			continue
		}
		host, ok := arg(t.Args, at.ArgHost)
		if !ok || host == "" {
			continue
		}
		port, _ := intArg(t.Args, at.ArgPort)
		out = append(out, target{tx: i, host: host, port: port, addrs: a.resolve(host)})
	}
	return out
}

func (tg target) matches(server netip.AddrPort) bool {
	if tg.port != 0 && int(server.Port()) != tg.port {
		return false
	}
	if len(tg.addrs) == 0 {
		return tg.port != 0 // unresolved name: the port is all we have
	}
	for _, ip := range tg.addrs {
		if ip == server.Addr().Unmap() {
			return true
		}
	}
	return false
}

// connectAttempts lists the times (serial clock) at which the module sent
// a CONNECT: connect commands it accepted and auto-reconnect URCs.
func (a *inputs) connectAttempts() []time.Time {
	var out []time.Time
	for i := range a.txs {
		t := &a.txs[i]
		if t.Op == at.OpConnect && !at.Refused(t.Final) {
			out = append(out, t.Time)
		}
	}
	for j := range a.evs {
		if a.evs[j].Op == at.OpConnect {
			out = append(out, a.evs[j].Time)
		}
	}
	return out
}

// selectDevice decides which connections are the device's.
func (a deviceEvidence) selectDevice() {
	a.device = map[int]bool{}
	a.deviceIDs = map[string]bool{}
	var reasons []string
	defer func() {
		for _, id := range a.connOrder {
			if a.device[id] {
				a.deviceConns = append(a.deviceConns, id)
			}
		}
		a.deviceReason = strings.Join(reasons, "; ")
		for i := range a.recs {
			if a.isDeviceRec(i) {
				a.devRecs = append(a.devRecs, i)
			}
		}
	}()
	if a.opts.ClientID != "" {
		a.deviceIDs[a.opts.ClientID] = true
	} else {
		for i := range a.txs {
			if a.txs[i].Op == at.OpConnect {
				if cid, ok := arg(a.txs[i].Args, at.ArgClientID); ok {
					a.deviceIDs[cid] = true
				}
			}
		}
	}
	if len(a.conns) == 0 {
		if len(a.recs) > 0 {
			reasons = append(reasons, "the capture holds no TCP connection")
		} else {
			reasons = append(reasons, "no capture given")
		}
		return
	}

	if a.opts.Device != "" {
		a.selectByAddress(&reasons)
		return
	}
	if len(a.txs) == 0 && a.opts.ClientID == "" {
		for _, id := range a.connOrder {
			a.device[id] = true
		}
		what := "no serial log"
		if len(a.evs) > 0 {
			what = "the serial log holds no command (the module's side only, echo off)"
		}
		reasons = append(reasons, fmt.Sprintf("%s and no --client-id/--device: all %d connections are diagnosed", what, len(a.connOrder)))
		return
	}

	// 1. Connections whose CONNECT carries the device's client id.
	var byID []int
	for _, id := range a.connOrder {
		if p := a.connectPacket(a.conns[id]); p != nil && a.deviceIDs[p.ClientID] {
			byID = append(byID, id)
		}
	}
	byID = a.dropForeignHolders(byID, &reasons)
	for _, id := range byID {
		a.device[id] = true
		c := a.conns[id]
		p := a.connectPacket(c)
		why := fmt.Sprintf("conn %d (%s → %s): CONNECT client id %q", id, c.client, c.server, p.ClientID)
		if a.opts.ClientID != "" {
			why += " = --client-id"
		} else if ti := a.connectTxFor(p.ClientID); ti >= 0 {
			why += fmt.Sprintf(" = connect command line %d", a.txs[ti].Line)
			t := &a.txs[ti]
			if u, ok := arg(t.Args, at.ArgUsername); ok && p.UsernameFlag && p.Username == u {
				why += ", same username"
			}
		}
		if a.timed {
			why += ", at the command's time"
		}
		reasons = append(reasons, why)
	}

	// 2. Connections that never carried a CONNECT but go where an open
	// command pointed (refused, unanswered, or closed before CONNECT).
	targets := a.openTargets()
	deviceIPs := map[netip.Addr]bool{}
	for _, id := range byID {
		deviceIPs[a.conns[id].client.Addr().Unmap()] = true
	}
	ambiguous := a.selectByTarget(targets, deviceIPs, &reasons)
	// 3. Connections the capture joined mid-stream (no CONNECT, no SYN)
	// that carry the content of the log's commands: the packets the
	// clock estimate matched.
	for _, m := range a.clockAccepted {
		r := &a.recs[m.Rec]
		c := a.conns[r.Conn]
		if c == nil || r.Packet == nil || a.device[c.id] || c.connect >= 0 || (len(deviceIPs) > 0 && !deviceIPs[c.client.Addr().Unmap()]) {
			continue
		}
		a.device[c.id] = true
		reasons = append(reasons, fmt.Sprintf("conn %d (%s → %s): the capture starts inside it (no CONNECT), but its %s at frame %d matches the log's content at its time",
			c.id, c.client, c.server, r.Packet.Type, r.Frame))
	}
	if len(a.device) == 0 && len(a.deviceIDs) == 0 && len(targets) == 0 {
		// The log names neither client id nor broker: diagnose everything.
		for _, id := range a.connOrder {
			a.device[id] = true
		}
		reasons = append(reasons, fmt.Sprintf("the serial log names no client id and no broker: all %d connections are diagnosed (give --client-id or --device to pick one)", len(a.connOrder)))
		return
	}
	if len(a.device) == 0 && !ambiguous {
		var ids []string
		for id := range a.deviceIDs {
			ids = append(ids, strconv.Quote(id))
		}
		sort.Strings(ids)
		what := "no connect command gave a client id"
		if len(ids) > 0 {
			what = "no CONNECT carries client id " + strings.Join(ids, " or ")
		}
		reasons = append(reasons, what+", and no connection goes to the host and port of an open command at its time: the device's traffic is not in the capture")
	}
}

func resolvedVia(tg target) string {
	if _, err := netip.ParseAddr(tg.host); err == nil || len(tg.addrs) == 0 {
		return ""
	}
	return " (resolved through the capture's DNS answers)"
}

// selectByTarget takes the connections that go where an open command
// pointed (refused, unanswered, or closed before CONNECT; or any, when
// the log names no client id). Every clue decides: host, port and DNS,
// the handshake's outcome against the open's result, the CONNACK against
// the connect's result (the dialect maps vendor codes), and the time. When
// several MQTT clients still fit one command, it reports the choice
// ambiguous (in reasons and an info finding) instead of choosing.
func (a deviceEvidence) selectByTarget(targets []target, deviceIPs map[netip.Addr]bool, reasons *[]string) (ambiguous bool) {
	claimed := map[int]bool{}
	for k, tg := range targets {
		var fit []int
		for _, id := range a.connOrder {
			c := a.conns[id]
			// Only a connection whose start the capture holds can be what
			// an open command started; one seen mid-stream (a FIN of an
			// earlier session) cannot. When the log names no client id
			// (the connect command gives none, or is not in the log),
			// CONNECTs cannot decide, so connections with one are taken by
			// where, when and how they go too.
			if a.device[id] || claimed[id] || (c.connect >= 0 && len(a.deviceIDs) > 0) || !a.startsWithSYN(c) {
				continue
			}
			if len(deviceIPs) > 0 && !deviceIPs[c.client.Addr().Unmap()] {
				continue
			}
			if a.nearOpen(c, tg) && a.opened(tg.tx, c) {
				fit = append(fit, id)
			}
		}
		var clients []int // fitting connections that carry a CONNECT: distinct MQTT clients
		for _, id := range fit {
			if a.conns[id].connect >= 0 {
				clients = append(clients, id)
			}
		}
		// Later commands to the same place take later connections: by
		// order, n commands explain n connections.
		same := 0
		for _, o := range targets[k:] {
			if o.host == tg.host && o.port == tg.port {
				same++
			}
		}
		if len(clients) > 1 && (a.timed || same < len(clients)) {
			a.reportAmbiguous(tg, clients, reasons)
			for _, id := range clients {
				claimed[id] = true
			}
			ambiguous = true
			continue
		}
		for _, id := range fit {
			c := a.conns[id]
			if len(clients) == 1 && c.connect >= 0 && id != clients[0] {
				continue
			}
			if len(clients) > 1 && id != clients[0] && c.connect >= 0 {
				continue // by order: this command's is the first
			}
			a.device[id] = true
			claimed[id] = true
			what := "no CONNECT, but goes"
			if c.connect >= 0 {
				what = "the log gives no client id; goes"
			}
			why := fmt.Sprintf("conn %d (%s → %s): %s to %s:%d of the command on line %d%s",
				id, c.client, c.server, what, tg.host, tg.port, a.txs[tg.tx].Line, resolvedVia(tg))
			if ct := a.connectFor(tg.tx); c.connack >= 0 && ct != nil {
				if rc, ok := a.expectedConnack(ct); ok {
					why += fmt.Sprintf(", and its CONNACK %d is what the module reports on line %d", rc, ct.ResultLine)
				}
			}
			*reasons = append(*reasons, why)
		}
	}
	return ambiguous
}

// reportAmbiguous says which connections fit one command equally.
func (a deviceEvidence) reportAmbiguous(tg target, ids []int, reasons *[]string) {
	var names []string
	for _, id := range ids {
		c := a.conns[id]
		names = append(names, fmt.Sprintf("conn %d (%s, client id %q)", id, c.client, a.connectPacket(c).ClientID))
	}
	t := &a.txs[tg.tx]
	clue := "the same host and port"
	if ct := a.connectFor(tg.tx); ct != nil {
		if rc, ok := a.expectedConnack(ct); ok {
			clue += fmt.Sprintf(" and the CONNACK %d the module reports on line %d", rc, ct.ResultLine)
		}
	}
	if a.timed {
		clue += ", at the command's time"
	}
	list := strings.Join(names, ", ")
	*reasons = append(*reasons, fmt.Sprintf("ambiguous: %s all fit the command on line %d (%s): none is taken as the device's", list, t.Line, clue))
	a.deviceFindings = append(a.deviceFindings, Finding{
		Code: CodeDeviceAmbiguous, Severity: SeverityInfo, Line: t.Line,
		Summary:     fmt.Sprintf("%d connections fit the device equally: the capture's side of the session is not analysed", len(ids)),
		Explanation: fmt.Sprintf("the log gives no client id, and %s all go to %s:%d with %s", list, tg.host, tg.port, clue),
		Fix:         "give the device's client id (--client-id) or address (--device), or log the connect command with its client id",
	})
}

// nearOpen reports whether connection c started when an open command
// could have started it (always true without a clock).
func (a timedEvidence) nearOpen(c *connInfo, tg target) bool {
	t := &a.txs[tg.tx]
	start, ok := a.toCapture(t.Time)
	if !ok || len(c.recs) == 0 {
		return true
	}
	end := start.Add(a.slack() + 90*time.Second) // QMTOPEN may take 75 s
	if rt, ok := a.toCapture(t.ResultTime); ok {
		end = rt.Add(a.slack())
	}
	first := a.recs[c.recs[0]].Time
	return !first.Before(start.Add(-a.slack())) && !first.After(end)
}

// dropForeignHolders removes, when the clock is known, connections that
// carry the device's client id but whose CONNECT no connect command or
// auto-reconnect URC explains: another client using the same id.
func (a deviceEvidence) dropForeignHolders(ids []int, reasons *[]string) []int {
	attempts := a.connectAttempts()
	if !a.timed || len(attempts) == 0 || len(ids) <= 1 {
		return ids
	}
	// Each attempt claims the CONNECT closest to it in time (within the
	// slack); connections no attempt claims are someone else's.
	claimed := map[int]bool{}
	for _, at := range attempts {
		st, good := a.toCapture(at)
		if !good {
			continue
		}
		best, bestD := -1, a.slack()+1
		for _, id := range ids {
			if d := absDur(st.Sub(a.recs[a.conns[id].connect].Time)); d <= a.slack() && d < bestD && !claimed[id] {
				best, bestD = id, d
			}
		}
		if best >= 0 {
			claimed[best] = true
		}
	}
	var keep, drop []int
	for _, id := range ids {
		if claimed[id] {
			keep = append(keep, id)
		} else {
			drop = append(drop, id)
		}
	}
	if len(keep) == 0 {
		return ids
	}
	for _, id := range drop {
		c := a.conns[id]
		*reasons = append(*reasons, fmt.Sprintf("conn %d (%s) carries the same client id but no connect command or reconnect URC matches its CONNECT time: another client", id, c.client))
	}
	return keep
}

// selectByAddress applies --device.
func (a deviceEvidence) selectByAddress(reasons *[]string) {
	dev := a.opts.Device
	var ap netip.AddrPort
	var ip netip.Addr
	var err error
	if ap, err = netip.ParseAddrPort(dev); err == nil {
		ip = ap.Addr().Unmap()
	} else if ip, err = netip.ParseAddr(dev); err == nil {
		ip = ip.Unmap()
	} else {
		*reasons = append(*reasons, fmt.Sprintf("--device %q is not an IP or IP:port", dev))
		return
	}
	for _, id := range a.connOrder {
		c := a.conns[id]
		if c.client.Addr().Unmap() != ip || (ap.IsValid() && c.client.Port() != ap.Port()) {
			continue
		}
		a.device[id] = true
	}
	*reasons = append(*reasons, fmt.Sprintf("--device %s: %d connection(s) from that address", dev, len(a.device)))
}

// connectTxFor returns the first connect transaction giving client id cid.
func (a *inputs) connectTxFor(cid string) int {
	for i := range a.txs {
		if a.txs[i].Op == at.OpConnect {
			if v, ok := arg(a.txs[i].Args, at.ArgClientID); ok && v == cid {
				return i
			}
		}
	}
	return -1
}

// deviceSummary renders the selection for the Result.
func (a deviceEvidence) deviceSummary() Device {
	d := Device{Reason: a.deviceReason, Connections: []Connection{}}
	addrs := map[string]bool{}
	servers := map[string]bool{}
	for _, id := range a.deviceConns {
		c := a.conns[id]
		conn := Connection{Conn: id, Client: c.client.String(), Server: c.server.String()}
		if p := a.connectPacket(c); p != nil {
			conn.ClientID = p.ClientID
			if d.ClientID == "" {
				d.ClientID = p.ClientID
			}
		}
		if len(c.recs) > 0 {
			conn.FirstFrame = a.recs[c.recs[0]].Frame
			conn.LastFrame = a.recs[c.recs[len(c.recs)-1]].Frame
		}
		d.Connections = append(d.Connections, conn)
		addrs[c.client.Addr().String()] = true
		servers[c.server.String()] = true
	}
	if d.ClientID == "" {
		if a.opts.ClientID != "" {
			d.ClientID = a.opts.ClientID
		} else if ti := a.firstConnectTx(); ti >= 0 {
			d.ClientID, _ = arg(a.txs[ti].Args, at.ArgClientID)
		}
	}
	d.Address = joinKeys(addrs)
	d.Server = joinKeys(servers)
	return d
}

func (a *inputs) firstConnectTx() int {
	for i := range a.txs {
		if a.txs[i].Op == at.OpConnect {
			return i
		}
	}
	return -1
}

func joinKeys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// isDeviceRec reports whether record i belongs to a device connection.
func (a deviceEvidence) isDeviceRec(i int) bool {
	return a.recs[i].Conn != 0 && a.device[a.recs[i].Conn]
}

// startsWithSYN reports whether the capture holds the connection's SYN
// (answered or not).
func (a *captureIndex) startsWithSYN(c *connInfo) bool {
	for _, i := range c.recs {
		if a.isEvent(i, netcap.EventSYN) || a.isEvent(i, netcap.EventSYNUnanswered) {
			return true
		}
	}
	return false
}

// outcomeAgrees reports whether connection c ended its handshake the way
// the open command's result says: a SYN-ACK for a successful open, RST or
// silence for a failed one. Commands without a result agree with all.
func (a evidence) outcomeAgrees(t *at.Transaction, c *connInfo) bool {
	if t.Result == "" || c == nil {
		return true
	}
	accepted := false
	for _, i := range c.recs {
		if a.isEvent(i, netcap.EventSYNACK) {
			accepted = true
			break
		}
	}
	if txSucceeded(t) {
		return accepted
	}
	// A failed open over TLS: the TCP handshake succeeded but the TLS
	// one never finished (an alert, a close after the hello).
	return !accepted || a.tlsHandshakeFailed(c)
}

// tlsHandshakeFailed reports whether connection c started a TLS handshake
// (a ClientHello) that never finished.
func (a evidence) tlsHandshakeFailed(c *connInfo) bool {
	hello := false
	for _, i := range c.recs {
		if a.isEvent(i, netcap.EventTLSHandshakeDone) {
			return false
		}
		hello = hello || a.isEvent(i, netcap.EventTLSHello)
	}
	return hello
}
