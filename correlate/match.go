package correlate

import (
	"bytes"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// The one matcher: which connections and packets a command caused. The
// clock estimate (txCandidates), the device choice (selectDevice) and the
// pairing (pairOpen, pairConnect) all ask it, so the three cannot
// disagree about the same command.

// targetOf is where an open (or connect-with-host) command points; ok is
// false when it names no host.
func (a evidence) targetOf(t *at.Transaction) (target, bool) {
	host, _ := arg(t.Args, at.ArgHost)
	port, _ := intArg(t.Args, at.ArgPort)
	tg := target{host: host, port: port, addrs: a.resolve(host)}
	return tg, host != ""
}

// connectFor returns the connect command that used the connection open
// command ti opened: ti itself when the command opens and connects in one
// (ESP-AT, SIMCom); else the first connect on the same index after it,
// before the next open on that index. nil when there is none.
func (a *inputs) connectFor(ti int) *at.Transaction {
	t := &a.txs[ti]
	if t.Op == at.OpConnect {
		return t
	}
	idx := connIndex(t)
	for k := ti + 1; k < len(a.txs); k++ {
		o := &a.txs[k]
		if connIndex(o) != idx {
			continue
		}
		switch o.Op {
		case at.OpOpen:
			return nil
		case at.OpConnect:
			return o
		}
	}
	return nil
}

// expectedConnack is the CONNACK return code the module's answer to a
// connect command stands for (0 accepted, 1–5 refused, the dialect
// mapping vendor codes); ok is false when the answer does not say.
func (a *inputs) expectedConnack(t *at.Transaction) (rc int, ok bool) {
	if t == nil || t.Result == "" || at.Refused(t.Final) {
		return 0, false
	}
	if fl := a.dialectOf(t).AttemptFailure(t.Op, t.ResultArgs, t.Final, t.Outcome); fl.Kind == at.FailConnack {
		return fl.Connack, true
	} else if fl.Kind != at.FailNone {
		return 0, false
	}
	if txSucceeded(t) {
		return 0, true
	}
	return 0, false
}

// connackAgrees reports whether connection c's CONNACK is the one connect
// command t's answer stands for. A connection without a CONNACK, or a
// command whose answer names none, agrees (no evidence against).
func (a evidence) connackAgrees(t *at.Transaction, c *connInfo) bool {
	rc, ok := a.expectedConnack(t)
	if !ok || c == nil || c.connack < 0 {
		return true
	}
	p := a.recs[c.connack].Packet
	if p.Version == mqtt.Version5 {
		return (rc == 0) == (p.ReasonCode == 0)
	}
	return int(p.ReturnCode) == rc
}

// opened reports whether connection c is one open command ti could have
// started: it goes to the command's host and port, its handshake ended as
// the command's result says (SYN-ACK for success, RST or silence for
// failure), and its CONNACK is the one the following connect's result
// stands for.
func (a evidence) opened(ti int, c *connInfo) bool {
	t := &a.txs[ti]
	tg, ok := a.targetOf(t)
	if !ok || c == nil || !tg.matches(c.server) || !a.outcomeAgrees(t, c) {
		return false
	}
	return a.connackAgrees(a.connectFor(ti), c)
}

// connectMatches reports whether a CONNECT (record i) carries what connect
// command t asked for, and how strongly: the client id (when the command
// gives one) must match; the same username and password add weight.
func (a *captureIndex) connectMatches(t *at.Transaction, i int) (bool, float64) {
	p := a.recs[i].Packet
	if p == nil || p.Type != mqtt.CONNECT {
		return false, 0
	}
	cid, hasCID := arg(t.Args, at.ArgClientID)
	if hasCID && p.ClientID != cid {
		return false, 0
	}
	w := 2.0
	if !hasCID {
		w = 0.5
	}
	if user, ok := arg(t.Args, at.ArgUsername); ok && p.UsernameFlag && p.Username == user {
		w++
	}
	if pass, ok := arg(t.Args, at.ArgPassword); ok && p.PasswordFlag && string(p.Password) == pass {
		w++
	}
	return true, w
}

// isConnStart reports whether record i starts a connection (its SYN,
// answered or not).
func (a *captureIndex) isConnStart(i int) bool {
	return a.isEvent(i, netcap.EventSYN) || a.isEvent(i, netcap.EventSYNUnanswered)
}

// subscribeMatches reports whether record i is the SUBSCRIBE (for an
// unsubscribe command, UNSUBSCRIBE) command t asked for: sent by the
// client, carrying t's filter and, when byID, t's msg id as packet id
// (some firmwares number packets themselves: pairing then tries the
// filter alone).
func (a *captureIndex) subscribeMatches(t *at.Transaction, i int, byID bool) bool {
	req := mqtt.SUBSCRIBE
	if t.Op == at.OpUnsubscribe {
		req = mqtt.UNSUBSCRIBE
	}
	if !a.isPacket(i, req, true) {
		return false
	}
	p := a.recs[i].Packet
	if id, ok := intArg(t.Args, at.ArgMsgID); byID && ok && int(p.PacketID) != id {
		return false
	}
	topic, ok := arg(t.Args, at.ArgTopic)
	return !ok || hasFilter(p, topic)
}

// publishMatches reports whether record i is the PUBLISH command t asked
// for, and how strongly: an original (not DUP) client PUBLISH with t's
// topic, its payload when byPayload, and for QoS > 0 its msg id as packet
// id when byID. The last pairing attempt ignores the payload, to find a
// PUBLISH the module altered (the intent check reports it).
func (a *captureIndex) publishMatches(t *at.Transaction, i int, byID, byPayload bool) (bool, float64) {
	if !a.isPacket(i, mqtt.PUBLISH, true) {
		return false, 0
	}
	p := a.recs[i].Packet
	if p.Dup {
		return false, 0
	}
	if topic, ok := arg(t.Args, at.ArgTopic); ok && p.Topic != topic {
		return false, 0
	}
	payload, hasPayload := txPayload(t)
	if byPayload && hasPayload && !bytes.Equal(p.Payload, payload) {
		return false, 0
	}
	w := 1.0
	if byPayload && hasPayload && len(payload) > 0 {
		w = 2
	}
	if id, ok := intArg(t.Args, at.ArgMsgID); ok && id > 0 && p.QoS > 0 {
		switch {
		case int(p.PacketID) == id:
			w++
		case byID:
			return false, 0
		}
	}
	return true, w
}

// receiveMatches reports whether record i is the inbound PUBLISH receive
// URC e reports: the broker's, with e's topic, payload and (QoS > 0) msg
// id, as far as the URC gives them.
func (a *captureIndex) receiveMatches(e *at.Event, i int) bool {
	if !a.isPacket(i, mqtt.PUBLISH, false) {
		return false
	}
	p := a.recs[i].Packet
	if topic, ok := arg(e.Args, at.ArgTopic); ok && p.Topic != topic {
		return false
	}
	if payload, ok := evPayload(e); ok && !bytes.Equal(p.Payload, payload) {
		return false
	}
	id, ok := intArg(e.Args, at.ArgMsgID)
	return !ok || id == 0 || p.QoS == 0 || int(p.PacketID) == id
}
