package correlate

import (
	"fmt"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// maxCandidates is how many packets one serial item may match by content
// and still vote on the clock. Content repeated more often than that (a
// heartbeat payload published every minute, a client id reconnecting all
// day) cannot tell which packet is the item's: such an item does not vote,
// which keeps the votes linear in the log's length (at most this many per
// item) instead of items × repeats.
const maxCandidates = 32

// estimateClock sets a.clock, a.timed and a.offset: from --clock-offset,
// else from content matches between the log and the capture.
func (a timedEvidence) estimateClock() {
	if a.log != nil {
		a.clock.SerialTimeSource = a.log.TimeSource
	}
	hasSerialTimes := a.serialHasTimes()
	if a.opts.ClockOffset != nil {
		a.offset = *a.opts.ClockOffset
		a.timed = hasSerialTimes
		a.clock.Method = "override"
		a.clock.OffsetSeconds = a.offset.Seconds()
		a.clock.Explanation = "given with --clock-offset: " + clockRelation(a.offset)
		if !hasSerialTimes {
			a.clock.Explanation += "; the log has no timestamps, so it is unused: matched by order and content"
		}
		return
	}
	if len(a.txs)+len(a.evs) == 0 || len(a.recs) == 0 {
		a.clock.Method = "none"
		a.clock.Explanation = "nothing to relate: only one side (serial log or capture) was given"
		return
	}
	if !hasSerialTimes {
		a.clock.Method = "order"
		a.clock.Explanation = "the serial log has no timestamps: commands matched to packets by order and content alone"
		return
	}
	ms := a.clockMatches()
	est, ok := estimateOffset(ms)
	if !ok {
		a.clock.Method = "order"
		a.clock.Explanation = "no command or URC matched a packet by content (client id, packet id and filter, topic and payload): matched by order alone"
		return
	}
	weak := true
	for _, m := range est.Accepted {
		weak = weak && m.Weight < 1
	}
	if weak && est.Ambiguous {
		a.clock.Method = "order"
		a.clock.Explanation = "only SYNs matched the open commands, and several fit equally: matched by order alone (give --clock-offset to place the log)"
		return
	}
	a.timed = true
	a.clockAccepted = est.Accepted
	a.offset = est.Offset
	a.spread = est.Spread
	a.clock = Clock{
		OffsetSeconds:    est.Offset.Seconds(),
		Method:           "content",
		Matches:          est.Matches,
		Outliers:         est.Outliers,
		SpreadSeconds:    est.Spread.Seconds(),
		SerialTimeSource: a.clock.SerialTimeSource,
		Explanation: fmt.Sprintf("%s: median of %d content matches (%s), spread ±%s, %d rejected as outliers",
			clockRelation(est.Offset), est.Matches, a.matchKinds(est.Accepted), fmtDur(est.Spread), est.Outliers),
	}
	if weak {
		a.clock.Explanation = clockRelation(est.Offset) + ", from the open command's SYN and its answer only (nothing else reached the wire)"
	}
	a.clock.Explanation += zoneNote(est.Offset)
	if est.Ambiguous {
		a.clock.Explanation += "; another offset fits the content as well, this one was chosen as the nearest to a whole time-zone step: check it, or give --clock-offset"
	}
}

// matchKind names the two sides of one kind of content match: the
// command's packet, the broker's answer to it (paired with the result
// URC) and the content both sides share.
type matchKind struct {
	sent, answer, by string
}

var matchKinds = map[at.Op]matchKind{
	at.OpOpen:        {"SYN", "SYN answer", "host and port"},
	at.OpConnect:     {"CONNECT", "CONNACK", "client id"},
	at.OpSubscribe:   {"SUBSCRIBE", "SUBACK", "packet id and filter"},
	at.OpUnsubscribe: {"UNSUBSCRIBE", "UNSUBACK", "packet id and filter"},
	at.OpPublish:     {"PUBLISH", "publish result", "topic and payload"},
	at.OpReceive:     {"received PUBLISH", "", "topic and payload"},
}

// matchKindOrder is the order kinds are listed in: a session's order.
var matchKindOrder = []at.Op{at.OpOpen, at.OpConnect, at.OpSubscribe, at.OpUnsubscribe, at.OpPublish, at.OpReceive}

// matchKinds says which kinds of content the accepted matches used, with
// counts, so a reader can judge the estimate: "2 CONNECT and 2 CONNACK by
// client id; 3 received PUBLISH by topic and payload".
func (a *inputs) matchKinds(ms []clockMatch) string {
	sent, answer := map[at.Op]int{}, map[at.Op]int{}
	for _, m := range ms {
		if m.Key >= a.eventKey(0) {
			sent[at.OpReceive]++
			continue
		}
		op := a.txs[m.Key/2].Op
		if m.Key == a.resultKey(m.Key/2) {
			answer[op]++
		} else {
			sent[op]++
		}
	}
	var parts []string
	for _, op := range matchKindOrder {
		k := matchKinds[op]
		var sides []string
		if n := sent[op]; n > 0 {
			sides = append(sides, fmt.Sprintf("%d %s", n, k.sent))
		}
		if n := answer[op]; n > 0 {
			label := k.answer
			if n > 1 && strings.ContainsRune(label, ' ') {
				label += "s" // "publish results"; packet names stay as they are
			}
			sides = append(sides, fmt.Sprintf("%d %s", n, label))
		}
		if len(sides) > 0 {
			parts = append(parts, strings.Join(sides, " and ")+" by "+k.by)
		}
	}
	return strings.Join(parts, "; ")
}

// zoneNote explains an offset of whole quarter hours: clocks in
// different time zones, the usual cause (a terminal program stamps local
// time, a capture is read in UTC), not a fault.
func zoneNote(d time.Duration) string {
	if absDur(d) < 15*time.Minute || zonePenalty(d) != 0 {
		return ""
	}
	h := d.Round(15 * time.Minute)
	sign := "+"
	if h < 0 {
		sign, h = "-", -h
	}
	zone := fmt.Sprintf("UTC%s%d", sign, int(h.Hours()))
	if m := int(h.Minutes()) % 60; m != 0 {
		zone += fmt.Sprintf(":%02d", m)
	}
	return fmt.Sprintf("; a whole time-zone step, not drift: the serial log keeps %s time if the capture keeps UTC", zone)
}

// clockRelation says how the serial clock stands to the capture's, for
// people: "serial clock is 3.012s ahead of the capture's".
func clockRelation(d time.Duration) string {
	d = d.Round(time.Millisecond)
	switch {
	case d == 0:
		return "serial clock agrees with the capture's (to the millisecond)"
	case d < 0:
		return "serial clock is " + (-d).String() + " behind the capture's"
	}
	return "serial clock is " + d.String() + " ahead of the capture's"
}

func (a *inputs) serialHasTimes() bool {
	for i := range a.txs {
		if !a.txs[i].Time.IsZero() {
			return true
		}
	}
	for i := range a.evs {
		if !a.evs[i].Time.IsZero() {
			return true
		}
	}
	return false
}

// Keys of serial items in clock matches: commands 2i, their result URCs
// 2i+1, events 2·len(txs)+j.
func (a *inputs) cmdKey(i int) int    { return 2 * i }
func (a *inputs) resultKey(i int) int { return 2*i + 1 }
func (a *inputs) eventKey(j int) int  { return 2*len(a.txs) + j }

// clockMatches lists every content match between serial items and packets.
// A command is matched with the packet it makes the module send; its
// result URC with the broker's answer, so module latency biases the two
// kinds in opposite directions and the median sits between them.
func (a evidence) clockMatches() []clockMatch {
	var ms []clockMatch
	add := func(serial time.Time, rec, key int, w float64) {
		if serial.IsZero() || rec < 0 {
			return
		}
		ms = append(ms, clockMatch{Serial: serial, Capture: a.recs[rec].Time, Key: key, Weight: w, Rec: rec})
	}
	for i := range a.txs {
		t := &a.txs[i]
		cs := a.txCandidates(i)
		if len(cs) > maxCandidates {
			continue // ambiguous content
		}
		for _, c := range cs {
			add(t.Time, c.rec, a.cmdKey(i), c.weight)
			if c.answer >= 0 {
				add(t.ResultTime, c.answer, a.resultKey(i), c.weight)
			}
		}
	}
	for j := range a.evs {
		e := &a.evs[j]
		if e.Op != at.OpReceive {
			continue
		}
		topic, hasTopic := arg(e.Args, at.ArgTopic)
		if !hasTopic {
			continue
		}
		payload, hasPayload := evPayload(e)
		w := 1.0
		if hasPayload && len(payload) > 0 {
			w = 2
		}
		var recs []int
		a.pubs.lookup(0, false, topic, payload, hasPayload, 0, func(i int) bool {
			if !a.receiveMatches(e, i) {
				return true // another payload with the same hash
			}
			recs = append(recs, i)
			return len(recs) <= maxCandidates
		})
		if len(recs) > maxCandidates {
			continue // ambiguous content
		}
		for _, i := range recs {
			add(e.Time, i, a.eventKey(j), w)
		}
	}
	return ms
}

// candidate is a packet a command may have caused, with the broker's
// answer to it (-1 when none is seen).
type candidate struct {
	rec, answer int
	weight      float64
}

// txCandidates lists the packets whose content matches a command; it
// stops after maxCandidates+1, which is enough to call the content
// ambiguous.
func (a evidence) txCandidates(ti int) []candidate {
	t := &a.txs[ti]
	if at.Refused(t.Final) {
		return nil
	}
	var out []candidate
	switch t.Op {
	case at.OpOpen:
		// A SYN to the command's host and port: weak (every client of the
		// broker sends one), but the only match when nothing else reached
		// the wire (a refused or unanswered open).
		tg, ok := a.targetOf(t)
		if !ok || (len(tg.addrs) == 0 && tg.port == 0) {
			return nil
		}
		for _, id := range a.connOrder {
			if len(out) > maxCandidates {
				break
			}
			c := a.conns[id]
			if len(c.recs) == 0 || !a.isEvent(c.recs[0], netcap.EventSYN) || !a.opened(ti, c) {
				continue
			}
			syn := c.recs[0]
			answer := a.nextOnConn(syn, func(j int) bool {
				return a.isEvent(j, netcap.EventSYNACK) || a.isEvent(j, netcap.EventRST)
			})
			out = append(out, candidate{syn, answer, 0.5})
		}
	case at.OpConnect:
		cid, ok := arg(t.Args, at.ArgClientID)
		if !ok {
			return nil
		}
		for _, i := range a.byClient[cid] {
			if len(out) > maxCandidates {
				break
			}
			_, w := a.connectMatches(t, i)
			ack := a.nextOnConn(i, func(j int) bool { return a.isPacket(j, mqtt.CONNACK, false) })
			out = append(out, candidate{i, ack, w})
		}
	case at.OpSubscribe, at.OpUnsubscribe:
		id, hasID := intArg(t.Args, at.ArgMsgID)
		_, hasTopic := arg(t.Args, at.ArgTopic)
		if !hasID || !hasTopic || id < 0 || id > 0xffff {
			return nil
		}
		idx, ackType := a.subByID[uint16(id)], mqtt.SUBACK
		if t.Op == at.OpUnsubscribe {
			idx, ackType = a.unsByID[uint16(id)], mqtt.UNSUBACK
		}
		for _, i := range idx {
			if len(out) > maxCandidates {
				break
			}
			if !a.subscribeMatches(t, i, true) {
				continue
			}
			p := a.recs[i].Packet
			ack := a.nextOnConn(i, func(j int) bool {
				return a.isPacket(j, ackType, false) && a.recs[j].Packet.PacketID == p.PacketID
			})
			out = append(out, candidate{i, ack, 2})
		}
	case at.OpPublish:
		topic, hasTopic := arg(t.Args, at.ArgTopic)
		payload, hasPayload := txPayload(t)
		if !hasTopic {
			return nil
		}
		id, hasID := intArg(t.Args, at.ArgMsgID)
		if !hasID {
			id = 0
		}
		a.pubs.lookup(0, true, topic, payload, hasPayload, id, func(i int) bool {
			ok, w := a.publishMatches(t, i, true, true)
			if !ok {
				return true
			}
			p := a.recs[i].Packet
			ack := i // QoS 0: the module reports as soon as it sent
			switch p.QoS {
			case 1:
				ack = a.nextOnConn(i, func(j int) bool {
					return a.isPacket(j, mqtt.PUBACK, false) && a.recs[j].Packet.PacketID == p.PacketID
				})
			case 2:
				ack = a.nextOnConn(i, func(j int) bool {
					return a.isPacket(j, mqtt.PUBCOMP, false) && a.recs[j].Packet.PacketID == p.PacketID
				})
			}
			out = append(out, candidate{i, ack, w})
			return len(out) <= maxCandidates
		})
	}
	return out
}

// hasFilter reports whether a SUBSCRIBE/UNSUBSCRIBE carries the filter.
func hasFilter(p *mqtt.Packet, filter string) bool {
	for _, s := range p.Subscriptions {
		if s.Filter == filter {
			return true
		}
	}
	return false
}

// fmtDur writes a short duration readably: milliseconds when it has
// them, microseconds below (loopback captures answer in µs).
func fmtDur(d time.Duration) string {
	if absDur(d) < 10*time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
