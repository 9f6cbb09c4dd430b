package correlate

import (
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
