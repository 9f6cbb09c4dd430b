package correlate

import (
	"net/netip"
	"sort"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// Pairing walks the serial items (commands and URCs) in log order and
// gives each the device's packets and TCP/DNS events it caused. With a
// clock each item searches a time window around its own time (shifted by
// the offset); without one it searches forward from the previous item's
// first frame, so order and content alone decide.

// serialItem is a command (tx ≥ 0) or an event (ev ≥ 0).
type serialItem struct {
	tx, ev int
	line   int
}

// closeAfterRefusal is how soon after an unanswered request a broker's
// close counts as its answer (mosquitto closes within milliseconds).
const closeAfterRefusal = 2 * time.Second

// receiveLookback is how long before a receive/status URC its packet may
// have arrived.
const receiveLookback = 30 * time.Second

func (a pairedEvidence) pair() {
	if len(a.recs) == 0 {
		return
	}
	items := make([]serialItem, 0, len(a.txs)+len(a.evs))
	for i := range a.txs {
		items = append(items, serialItem{tx: i, ev: -1, line: a.txs[i].Line})
	}
	for j := range a.evs {
		items = append(items, serialItem{tx: -1, ev: j, line: a.evs[j].Line})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].line < items[j].line })
	a.pairSocketPackets()
	cursor := 0
	for _, it := range items {
		var got []int
		if it.tx >= 0 {
			got = a.pairTx(it.tx, cursor)
			a.txRecs[it.tx] = mergeRecs(a.txRecs[it.tx], got)
			for _, r := range got {
				if a.recTx[r] == 0 {
					a.recTx[r] = it.tx + 1
				}
			}
		} else {
			got = a.pairEvent(it.ev, cursor)
			a.evRecs[it.ev] = mergeRecs(a.evRecs[it.ev], got)
			for _, r := range got {
				if a.recEv[r] == 0 && a.recTx[r] == 0 {
					a.recEv[r] = it.ev + 1
				}
			}
		}
		if len(got) > 0 {
			first := got[0]
			for _, r := range got {
				first = min(first, r)
			}
			cursor = max(cursor, first)
		}
	}
}

// find returns the first unused device record in [lo, hi) satisfying pred.
// It walks only the device's records, so a server capture full of other
// clients costs nothing here.
func (a pairedEvidence) find(lo, hi int, pred func(i int) bool) int {
	for k := sort.SearchInts(a.devRecs, lo); k < len(a.devRecs); k++ {
		i := a.devRecs[k]
		if i >= hi {
			break
		}
		if !a.used[i] && pred(i) {
			return i
		}
	}
	return -1
}

// txWindow returns the record range where a command's first packet may be.
func (a pairedEvidence) txWindow(ti, cursor int) (lo, hi int) {
	t := &a.txs[ti]
	st, ok := a.toCapture(t.Time)
	if !ok {
		return cursor, len(a.recs)
	}
	lo = a.firstAtOrAfter(st.Add(-a.slack()))
	hi = len(a.recs)
	if rt, ok := a.toCapture(t.ResultTime); ok {
		return lo, a.firstAtOrAfter(rt.Add(a.slack() + 1))
	}
	// No result URC: the next command of the same kind bounds the search,
	// so a packet it caused is not taken for this one's.
	for k := ti + 1; k < len(a.txs); k++ {
		if a.txs[k].Op == t.Op && !at.Refused(a.txs[k].Final) {
			if nt, ok := a.toCapture(a.txs[k].Time); ok {
				hi = max(lo, a.firstAtOrAfter(nt))
			}
			break
		}
	}
	return lo, hi
}

// evWindow returns the record range where a URC's cause may be.
func (a pairedEvidence) evWindow(e *at.Event, cursor int) (lo, hi int, timed bool) {
	st, ok := a.toCapture(e.Time)
	if !ok {
		return cursor, len(a.recs), false
	}
	return a.firstAtOrAfter(st.Add(-receiveLookback - a.slack())), a.firstAtOrAfter(st.Add(a.slack() + 1)), true
}

// taker accumulates paired records, marking them used.
type taker struct {
	a   pairedEvidence
	got []int
}

func (tk *taker) take(i int) {
	if i < 0 {
		return
	}
	for _, g := range tk.got {
		if g == i {
			return
		}
	}
	tk.a.used[i] = true
	tk.got = append(tk.got, i)
}

func (a pairedEvidence) pairTx(ti, cursor int) []int {
	t := &a.txs[ti]
	if at.Refused(t.Final) {
		return nil // refused by the module: nothing went out
	}
	lo, hi := a.txWindow(ti, cursor)
	tk := &taker{a: a}
	switch t.Op {
	case at.OpOpen:
		a.pairOpen(tk, ti, lo, hi)
	case at.OpConnect:
		a.pairConnect(tk, ti, lo, hi)
	case at.OpSubscribe:
		a.pairSubscribe(tk, t, lo, hi, mqtt.SUBSCRIBE, mqtt.SUBACK)
	case at.OpUnsubscribe:
		a.pairSubscribe(tk, t, lo, hi, mqtt.UNSUBSCRIBE, mqtt.UNSUBACK)
	case at.OpPublish:
		a.pairPublish(tk, t, lo, hi)
	case at.OpDisconnect, at.OpClose:
		a.pairClose(tk, lo, hi)
	}
	return tk.got
}

// pairOpen takes the DNS lookup of the command's host, then the SYN of the
// device connection it opened and the handshake's outcome.
func (a pairedEvidence) pairOpen(tk *taker, ti, lo, hi int) int {
	t := &a.txs[ti]
	tg, _ := a.targetOf(t)
	host := tg.host
	a.takeDNS(tk, host, lo, hi)
	isStart := a.isConnStart
	syn := a.find(lo, hi, func(i int) bool {
		if host == "" {
			return isStart(i) && a.outcomeAgrees(t, a.connOf(i))
		}
		return isStart(i) && a.opened(ti, a.connOf(i))
	})
	if syn < 0 {
		syn = a.find(lo, hi, func(i int) bool { return isStart(i) && (host == "" || tg.matches(a.recs[i].Server)) })
	}
	if syn < 0 {
		// Port forwarding or NAT on the broker side: any device SYN.
		syn = a.find(lo, hi, isStart)
	}
	if syn < 0 {
		return -1
	}
	tk.take(syn)
	a.takeHandshake(tk, syn)
	return syn
}

// takeDNS takes the capture's DNS queries and answers for host in the
// window, up to the first answer that resolved it.
func (a pairedEvidence) takeDNS(tk *taker, host string, lo, hi int) {
	if host == "" {
		return
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return
	}
	for _, i := range a.dns[sort.SearchInts(a.dns, lo):] {
		if i >= hi {
			break
		}
		if a.used[i] {
			continue
		}
		d := a.recs[i].Event.DNS
		if dnsName(d.Name) != dnsName(host) {
			continue
		}
		tk.take(i)
		if d.Response && d.Rcode == 0 && len(d.Answers) > 0 {
			return
		}
	}
}

// takeHandshake takes the TCP events following a connection's first SYN
// up to its first MQTT packet: SYN-ACK, the RST that refused it, the
// report that it went unanswered.
func (a pairedEvidence) takeHandshake(tk *taker, syn int) {
	c := a.connOf(syn)
	if c == nil {
		return
	}
	for _, i := range c.recs {
		r := &a.recs[i]
		if r.Kind == netcap.KindPacket {
			break
		}
		if a.used[i] || r.Event == nil {
			continue
		}
		switch r.Event.Type {
		case netcap.EventSYN, netcap.EventSYNACK, netcap.EventSYNUnanswered, netcap.EventTLSHello, netcap.EventTLSAlert:
			tk.take(i)
		case netcap.EventRST:
			tk.take(i)
			return
		}
	}
}

// pairConnect takes the CONNECT carrying the command's client id, its
// CONNACK, and the broker's close after a refusal. Dialects whose connect
// command also opens the socket (ESP-AT, SIMCom) get the handshake too.
func (a pairedEvidence) pairConnect(tk *taker, ti, lo, hi int) {
	t := &a.txs[ti]
	conn := a.find(lo, hi, func(i int) bool {
		ok, _ := a.connectMatches(t, i)
		return ok && a.isPacket(i, mqtt.CONNECT, true)
	})
	if conn < 0 {
		if host, ok := arg(t.Args, at.ArgHost); ok && host != "" {
			a.pairOpen(tk, ti, lo, hi)
		}
		return
	}
	if _, ok := arg(t.Args, at.ArgHost); ok && a.connOf(conn) != nil {
		a.takeDNS(tk, t.Args[at.ArgHost], lo, hi)
		a.takeHandshakeBefore(tk, conn)
	}
	tk.take(conn)
	a.connAttempt[a.recs[conn].Conn] = ti + 1
	a.takeSession(tk, conn)
}

// takeHandshakeBefore takes the handshake of the connection a CONNECT
// (record conn) went on: its SYNs before the CONNECT and what answered
// them. Used where one step both opens the socket and connects (ESP-AT,
// SIMCom connect commands, auto-reconnect URCs).
func (a pairedEvidence) takeHandshakeBefore(tk *taker, conn int) {
	c := a.connOf(conn)
	if c == nil {
		return
	}
	for _, i := range c.recs {
		if i >= conn {
			break
		}
		if a.isEvent(i, netcap.EventSYN) && !a.used[i] {
			tk.take(i)
			a.takeHandshake(tk, i)
		}
	}
}

// takeSession takes the CONNACK answering the CONNECT at rec, and the
// broker's close when it refused or never answered.
func (a pairedEvidence) takeSession(tk *taker, connect int) {
	ack := a.nextOnConn(connect, func(j int) bool { return a.isPacket(j, mqtt.CONNACK, false) })
	if ack >= 0 && !a.used[ack] {
		tk.take(ack)
	}
	if ack < 0 || connackRefused(a.recs[ack].Packet) {
		from := connect
		if ack >= 0 {
			from = ack
		}
		a.takeCloseAfter(tk, from, closeAfterRefusal)
	}
}

// takeCloseAfter takes the connection's close events (FIN, RST, either
// side) that come within d after record i and before any other packet.
func (a pairedEvidence) takeCloseAfter(tk *taker, i int, d time.Duration) {
	limit := a.recs[i].Time.Add(d)
	c := a.connOf(i)
	if c == nil {
		return
	}
	p := posInConn(c, i)
	for k := p + 1; k < len(c.recs) && k <= p+maxConnScan; k++ {
		j := c.recs[k]
		r := &a.recs[j]
		if r.Time.After(limit) {
			return
		}
		if r.Kind == netcap.KindPacket && r.Packet != nil && r.Packet.Type != mqtt.DISCONNECT {
			return
		}
		if a.isServerClose(j) || a.isClientClose(j) {
			tk.take(j)
		}
	}
}

// pairSubscribe takes the SUBSCRIBE (UNSUBSCRIBE) whose packet id is the
// command's msg id and whose filter is its topic, retransmissions of it,
// and its SUBACK (UNSUBACK) — or the broker's close instead.
func (a pairedEvidence) pairSubscribe(tk *taker, t *at.Transaction, lo, hi int, req, ack mqtt.Type) {
	_, hasTopic := arg(t.Args, at.ArgTopic)
	sub := a.find(lo, hi, func(i int) bool { return a.subscribeMatches(t, i, true) })
	if sub < 0 && hasTopic {
		// Some firmwares number packets themselves: the filter alone.
		sub = a.find(lo, hi, func(i int) bool { return a.subscribeMatches(t, i, false) })
	}
	if sub < 0 {
		return
	}
	tk.take(sub)
	pid := a.recs[sub].Packet.PacketID
	done := false
	for j := sub; !done; {
		j = a.nextOnConn(j, func(k int) bool {
			p := a.recs[k].Packet
			return p != nil && p.PacketID == pid && (a.isPacket(k, req, true) || a.isPacket(k, ack, false))
		})
		if j < 0 {
			break
		}
		tk.take(j)
		done = a.isPacket(j, ack, false)
	}
	if !done {
		a.takeCloseAfter(tk, sub, closeAfterRefusal)
	}
}

// pairPublish takes the PUBLISH with the command's topic and payload (and
// packet id = msg id for QoS > 0), its DUP retransmissions and the QoS 1
// or 2 flow (PUBACK; PUBREC, PUBREL, PUBCOMP).
func (a pairedEvidence) pairPublish(tk *taker, t *at.Transaction, lo, hi int) {
	topic, hasTopic := arg(t.Args, at.ArgTopic)
	payload, hasPayload := txPayload(t)
	id, hasID := intArg(t.Args, at.ArgMsgID)
	match := func(i int, byID, byPayload bool) bool {
		ok, _ := a.publishMatches(t, i, byID, byPayload)
		return ok
	}
	// Most specific first; the last attempt (topic and packet id, payload
	// ignored) finds a PUBLISH whose payload the module altered, which
	// the intent check then reports.
	pub := -1
	for _, try := range [][2]bool{{true, true}, {false, true}, {true, false}} {
		byID, byPayload := try[0], try[1]
		pred := func(i int) bool { return match(i, byID, byPayload) }
		if !hasTopic {
			pub = a.find(lo, hi, pred)
		} else {
			key := 0
			if byID && hasID {
				key = id
			}
			pub = a.findPublish(lo, hi, true, topic, payload, byPayload && hasPayload, key, pred)
		}
		if pub >= 0 {
			break
		}
	}
	if pub < 0 {
		return
	}
	tk.take(pub)
	a.takeQoSFlow(tk, pub, true)
}

// takeQoSFlow follows a PUBLISH's QoS 1/2 exchange on its connection. out
// says the PUBLISH went client → server.
func (a pairedEvidence) takeQoSFlow(tk *taker, pub int, out bool) {
	p := a.recs[pub].Packet
	if p.QoS == 0 {
		return
	}
	pid := p.PacketID
	sender, receiver := out, !out
	j := pub
	for {
		j = a.nextOnConn(j, func(k int) bool {
			q := a.recs[k].Packet
			if q == nil || q.PacketID != pid || a.used[k] {
				return false
			}
			fc := a.recs[k].FromClient
			switch q.Type {
			case mqtt.PUBLISH:
				return fc == sender && q.Dup
			case mqtt.PUBACK, mqtt.PUBREC, mqtt.PUBCOMP:
				return fc == receiver
			case mqtt.PUBREL:
				return fc == sender
			}
			return false
		})
		if j < 0 {
			// The flow never completed: the broker's close may be why.
			if out {
				a.takeCloseAfter(tk, pub, closeAfterRefusal)
			}
			return
		}
		tk.take(j)
		if t := a.recs[j].Packet.Type; t == mqtt.PUBCOMP || (t == mqtt.PUBACK && p.QoS == 1) {
			return
		}
	}
}

// pairClose takes the device's DISCONNECT (or FIN when it sent none) and
// the connection's close events after it.
func (a pairedEvidence) pairClose(tk *taker, lo, hi int) {
	i := a.find(lo, hi, func(i int) bool { return a.isPacket(i, mqtt.DISCONNECT, true) })
	if i < 0 {
		i = a.find(lo, hi, func(i int) bool {
			return a.isEvent(i, netcap.EventFIN) && a.recs[i].FromClient
		})
	}
	if i < 0 {
		return
	}
	tk.take(i)
	c := a.connOf(i)
	for _, j := range c.recs[posInConn(c, i)+1:] {
		if a.isServerClose(j) || a.isClientClose(j) {
			if !a.used[j] {
				tk.take(j)
			}
		}
	}
}

func (a pairedEvidence) pairEvent(ej, cursor int) []int {
	e := &a.evs[ej]
	lo, hi, timed := a.evWindow(e, cursor)
	tk := &taker{a: a}
	switch e.Op {
	case at.OpReceive:
		a.pairReceive(tk, e, lo, hi)
	case at.OpStatus:
		a.pairStatus(tk, lo, hi, timed)
	case at.OpConnect:
		conn := a.find(lo, hi, func(i int) bool {
			return a.isPacket(i, mqtt.CONNECT, true) && (len(a.deviceIDs) == 0 || a.deviceIDs[a.recs[i].Packet.ClientID])
		})
		if conn >= 0 {
			a.takeHandshakeBefore(tk, conn)
			tk.take(conn)
			a.connAttempt[a.recs[conn].Conn] = -(ej + 1)
			a.takeSession(tk, conn)
		}
	}
	return tk.got
}

// pairReceive takes the inbound PUBLISH a receive URC reports and the
// module's acknowledgement of it.
func (a pairedEvidence) pairReceive(tk *taker, e *at.Event, lo, hi int) {
	topic, hasTopic := arg(e.Args, at.ArgTopic)
	payload, hasPayload := evPayload(e)
	id, hasID := intArg(e.Args, at.ArgMsgID)
	match := func(i int) bool {
		if a.recs[i].Packet != nil && a.recs[i].Packet.Dup && a.used[i] {
			return false
		}
		return a.receiveMatches(e, i)
	}
	var pub int
	if hasTopic {
		key := 0
		if hasID {
			key = id
		}
		pub = a.findPublish(lo, hi, false, topic, payload, hasPayload, key, match)
	} else {
		pub = a.find(lo, hi, match)
	}
	if pub < 0 {
		return
	}
	tk.take(pub)
	a.takeQoSFlow(tk, pub, false)
}

// pairStatus takes the broker's close (FIN, RST, DISCONNECT) that made the
// module report the connection lost: the latest one before the URC when
// timed, the next one otherwise. Nothing found means silence (the module
// gave up on its own, e.g. PINGRESP missing).
func (a pairedEvidence) pairStatus(tk *taker, lo, hi int, timed bool) {
	isClose := func(i int) bool {
		return a.isServerClose(i) || a.isEvent(i, netcap.EventRST) || a.isEvent(i, netcap.EventSYNUnanswered)
	}
	// A close already paired with a command (the broker closing on a bad
	// SUBSCRIBE) may also be this URC's cause, unless another status URC
	// already claimed it.
	ok := func(i int) bool { return a.isDeviceRec(i) && isClose(i) && !a.statusClaimed[i] }
	pick := -1
	from := sort.SearchInts(a.devRecs, lo)
	if timed {
		for k := sort.SearchInts(a.devRecs, hi) - 1; k >= from; k-- {
			if i := a.devRecs[k]; ok(i) {
				pick = i
				break
			}
		}
	} else {
		for k := from; k < len(a.devRecs); k++ {
			if i := a.devRecs[k]; ok(i) {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		return
	}
	a.statusClaimed[pick] = true
	if a.used[pick] {
		tk.got = append(tk.got, pick)
		return
	}
	tk.take(pick)
}
