package correlate

import (
	"fmt"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// diagnose turns the evidence into findings: the wire first (it says what
// really happened), then the module's view for what the wire cannot show.
func (a *analysis) diagnose() {
	a.diagnoseDNS()
	for _, id := range a.deviceConns {
		a.diagnoseConn(a.conns[id])
		a.diagnoseTLS(a.conns[id])
	}
	a.diagnoseIntent()
	a.diagnoseCommands()
	a.diagnoseNotOnWire()
}

// takeoverWindow is how soon after another connection's CONNECT the
// broker's close of the device's connection counts as a takeover
// (mosquitto: within a millisecond).
const takeoverWindow = time.Second

// diagnoseConn explains one device connection: refused TCP, refused
// CONNACK, and why the broker closed it.
func (a *analysis) diagnoseConn(c *connInfo) {
	var syn, synack, serverClose, clientClose, unanswered = -1, -1, -1, -1, -1
	for _, i := range c.recs {
		r := &a.recs[i]
		switch {
		case a.isEvent(i, netcap.EventSYN) && syn < 0:
			syn = i
		case a.isEvent(i, netcap.EventSYNACK) && synack < 0:
			synack = i
		case a.isEvent(i, netcap.EventSYNUnanswered) && unanswered < 0:
			unanswered = i
		case a.isServerClose(i) && serverClose < 0:
			serverClose = i
		case a.isClientClose(i) && clientClose < 0:
			clientClose = i
		}
		if r.Kind == netcap.KindPacket && r.Packet != nil && r.Packet.Type == mqtt.SUBACK && !r.FromClient {
			a.checkSuback(c, i)
		}
	}
	line := a.connLine(c.id)
	if line == 0 && syn >= 0 {
		line = a.lineOf(syn)
	}
	if unanswered >= 0 && synack < 0 {
		a.add(Finding{
			Code: CodeTCPTimeout, Severity: SeverityError, Line: line,
			Frames:      a.frames([]int{syn, unanswered}),
			Summary:     fmt.Sprintf("no answer to the module's SYN to %s", c.server),
			Explanation: fmt.Sprintf("the module sent SYN to %s and nothing came back (%s): a firewall drops the packets, the address is wrong or unreachable from the module's network, or the broker host is down", c.server, a.recs[unanswered].Event.Detail),
			Fix:         "check the host and port in the open command, that the broker listens on that address from the module's network (private addresses are not reachable from a cellular network), and firewall rules",
		})
		return
	}
	if serverClose >= 0 && synack < 0 && a.isEvent(serverClose, netcap.EventRST) && c.connect < 0 {
		a.add(Finding{
			Code: CodeTCPRefused, Severity: SeverityError, Line: line,
			Frames:      a.frames([]int{syn, serverClose}),
			Summary:     fmt.Sprintf("%s refused the TCP connection (RST to SYN)", c.server),
			Explanation: fmt.Sprintf("the module's SYN to %s was answered by RST: the host is up but nothing listens on port %d", c.server, c.server.Port()),
			Fix:         fmt.Sprintf("check the port in the open command, and that the broker runs and listens on port %d (mosquitto: `listener %d`)", c.server.Port(), c.server.Port()),
		})
		return
	}
	p := a.connectPacket(c)
	if p != nil && c.connack >= 0 && connackRefused(a.recs[c.connack].Packet) {
		a.connackRefused(c, c.connect, c.connack)
		return
	}
	if serverClose < 0 {
		a.checkUnansweredPing(c, clientClose)
		return
	}
	if clientClose >= 0 && clientClose < serverClose {
		return // the device closed first: the broker's FIN only answers it
	}
	a.explainServerClose(c, serverClose)
}

// connackRefused reports whether a CONNACK refuses the connection.
func connackRefused(p *mqtt.Packet) bool {
	if p == nil {
		return false
	}
	if p.Version == mqtt.Version5 {
		return p.ReasonCode >= 0x80
	}
	return p.ReturnCode != 0
}

// explainServerClose finds the most specific reason the broker closed an
// accepted (or not yet accepted) connection.
func (a *analysis) explainServerClose(c *connInfo, sc int) {
	scRec := &a.recs[sc]
	p := a.connectPacket(c)
	line := a.connLine(c.id)
	// The broker says why (MQTT 5.0 DISCONNECT reason code).
	if a.isPacket(sc, mqtt.DISCONNECT, false) && scRec.Packet.HasReasonCode {
		switch scRec.Packet.ReasonCode {
		case 0x8E:
			if a.reportTakeover(c, sc, true) {
				return
			}
		case 0x8D:
			a.keepaliveFinding(c, sc, -1, "the broker's DISCONNECT says: keep alive timeout (0x8D)")
			return
		}
	}
	// Another connection took the client id over.
	if p != nil && a.reportTakeover(c, sc, false) {
		return
	}
	// The broker refused the last request by closing.
	if last := a.lastClientPacket(c, sc); last >= 0 && a.unansweredRequest(c, last, sc) {
		if a.recs[last].Packet.Type == mqtt.PINGREQ {
			a.keepaliveFinding(c, sc, last, fmt.Sprintf("the module's PINGREQ (frame %d) got no PINGRESP before the broker closed", a.recs[last].Frame))
			return
		}
		if scRec.Time.Sub(a.recs[last].Time) <= closeAfterRefusal {
			a.invalidTopicByClose(c, last, sc)
			return
		}
	}
	// Keepalive: the device stayed silent for about 1.5 × keepalive.
	if p != nil && p.KeepAlive > 0 {
		last := a.lastClientActivity(c, sc)
		if last >= 0 {
			silence := scRec.Time.Sub(a.recs[last].Time)
			ka := time.Duration(p.KeepAlive) * time.Second
			if silence >= ka && silence <= ka*5/2+time.Second {
				a.keepaliveFinding(c, sc, last, fmt.Sprintf("the module sent nothing for %s with a keepalive of %d s (a broker closes after 1.5 × keepalive [MQTT-3.1.2-24])",
					silence.Round(time.Millisecond), p.KeepAlive))
				return
			}
		}
	}
	what := "FIN"
	switch {
	case a.isEvent(sc, netcap.EventRST):
		what = "RST"
	case a.isPacket(sc, mqtt.DISCONNECT, false):
		what = "DISCONNECT"
		if scRec.Packet.HasReasonCode {
			what += " " + mqtt.ReasonCodeFor(mqtt.DISCONNECT, scRec.Packet.ReasonCode).String()
		}
	}
	a.add(Finding{
		Code: CodeServerClosed, Severity: SeverityError, Line: line,
		Frames:      a.frames([]int{sc}),
		Summary:     fmt.Sprintf("the broker closed the device's connection %d (%s)", c.id, what),
		Explanation: fmt.Sprintf("the broker %s sent %s at frame %d with no request of the device pending and no takeover or keepalive expiry in the capture", c.server, what, scRec.Frame),
		Fix:         "read the broker's log at that time (mosquitto: `log_type all`): ACL denials, message size limits and administrative disconnects are only logged there",
	})
}

// lastClientPacket returns the device's last MQTT packet on c before
// record before, or -1.
func (a *analysis) lastClientPacket(c *connInfo, before int) int {
	last := -1
	for _, i := range c.recs {
		if i >= before {
			break
		}
		if a.recs[i].FromClient && a.recs[i].Kind == netcap.KindPacket && a.recs[i].Packet != nil {
			last = i
		}
	}
	return last
}

// unansweredRequest reports whether the device's packet at req expected an
// answer the broker never sent before closing at sc.
func (a *analysis) unansweredRequest(c *connInfo, req, sc int) bool {
	p := a.recs[req].Packet
	var want mqtt.Type
	switch {
	case p.Type == mqtt.SUBSCRIBE:
		want = mqtt.SUBACK
	case p.Type == mqtt.UNSUBSCRIBE:
		want = mqtt.UNSUBACK
	case p.Type == mqtt.PINGREQ:
		want = mqtt.PINGRESP
	case p.Type == mqtt.PUBLISH && p.QoS == 1:
		want = mqtt.PUBACK
	case p.Type == mqtt.PUBLISH && p.QoS == 2:
		want = mqtt.PUBREC
	case p.Type == mqtt.PUBLISH:
		return true // QoS 0 has no answer: a close right after is the answer
	default:
		return false
	}
	for _, i := range c.recs[posInConn(c, req)+1:] {
		if i >= sc {
			break
		}
		if a.isPacket(i, want, false) {
			return false
		}
	}
	return true
}

// reportTakeover reports a client-id takeover of c, closed at sc, when
// another connection sent a CONNECT with the same client id just before.
// byReason is set when the broker's DISCONNECT said "session taken over".
func (a *analysis) reportTakeover(c *connInfo, sc int, byReason bool) bool {
	p := a.connectPacket(c)
	if p == nil {
		return false
	}
	scTime := a.recs[sc].Time
	other := -1
	for _, i := range a.byClient[p.ClientID] {
		r := &a.recs[i]
		if r.Conn == c.id || i == c.connect {
			continue
		}
		d := scTime.Sub(r.Time)
		if d >= 0 && d <= takeoverWindow && r.Time.After(a.recs[c.connect].Time) {
			other = i
		}
	}
	if other < 0 && !byReason {
		return false
	}
	if other >= 0 && a.device[a.recs[other].Conn] && a.connAttempt[a.recs[other].Conn] != 0 {
		// The module's own reconnect replaced its half-dead connection.
		return true
	}
	frames := []int{sc}
	who := "another connection"
	if other >= 0 {
		o := &a.recs[other]
		frames = append(frames, other)
		who = fmt.Sprintf("connection %d from %s (frame %d)", o.Conn, o.Client, o.Frame)
	}
	a.add(Finding{
		Code: CodeClientIDTakeover, Severity: SeverityError, Line: a.connLine(c.id),
		Frames:      a.frames(frames),
		Summary:     fmt.Sprintf("another client connected with the device's client id %q and the broker dropped the device", p.ClientID),
		Explanation: fmt.Sprintf("%s sent CONNECT with client id %q; the broker then closed the device's connection %d (frame %d), as it must: a second CONNECT with a client id in use makes the server disconnect the existing client [MQTT-3.1.4-2]", who, p.ClientID, c.id, a.recs[sc].Frame),
		Fix:         "give every client a unique client id (e.g. append the module's IMEI: AT+CGSN gives it), and stop the other client or tool that uses this one",
	})
	return true
}

// keepaliveFinding reports a keepalive expiry.
func (a *analysis) keepaliveFinding(c *connInfo, sc, last int, why string) {
	p := a.connectPacket(c)
	ka := 0
	if p != nil {
		ka = int(p.KeepAlive)
	}
	t := a.connTx(c.id)
	d := a.dialectOf(t)
	fix := "make the module send PINGREQ within the keepalive interval"
	if ka > 0 {
		fix = fmt.Sprintf("the module must send a packet at least every %d s; if its firmware pings too late or the network drops pings, raise the keepalive: %s", ka, d.FixKeepAlive(connIndex(t), ka*2))
	}
	a.add(Finding{
		Code: CodeKeepaliveTimeout, Severity: SeverityError, Line: a.connLine(c.id),
		Frames:      a.frames([]int{last, sc}),
		Summary:     fmt.Sprintf("the broker closed connection %d after the keepalive expired", c.id),
		Explanation: why,
		Fix:         fix,
	})
}

// checkUnansweredPing reports a PINGREQ the broker never answered, on a
// connection the device then closed.
func (a *analysis) checkUnansweredPing(c *connInfo, clientClose int) {
	if clientClose < 0 {
		return
	}
	for _, i := range c.recs {
		if i >= clientClose {
			return
		}
		if !a.isPacket(i, mqtt.PINGREQ, true) {
			continue
		}
		if a.nextOnConn(i, func(j int) bool { return a.isPacket(j, mqtt.PINGRESP, false) }) < 0 {
			a.keepaliveFinding(c, clientClose, i, fmt.Sprintf("the module's PINGREQ (frame %d) got no PINGRESP and the module closed the connection", a.recs[i].Frame))
			return
		}
	}
}

// invalidTopicByClose reports a request the broker answered by closing.
func (a *analysis) invalidTopicByClose(c *connInfo, req, sc int) {
	p := a.recs[req].Packet
	line := a.lineOf(req)
	t := a.txOfRec(req)
	var names []string
	why, valid := "", true
	switch p.Type {
	case mqtt.SUBSCRIBE, mqtt.UNSUBSCRIBE:
		for _, s := range p.Subscriptions {
			names = append(names, s.Filter)
			if w, ok := validFilter(s.Filter); !ok {
				why, valid = fmt.Sprintf("filter %q: %s", s.Filter, w), false
			}
		}
	case mqtt.PUBLISH:
		names = append(names, p.Topic)
		if w, ok := validTopicName(p.Topic); !ok {
			why, valid = fmt.Sprintf("topic %q: %s", p.Topic, w), false
		}
	default:
		a.add(Finding{
			Code: CodeServerClosed, Severity: SeverityError, Line: line,
			Frames:      a.frames([]int{req, sc}),
			Summary:     fmt.Sprintf("the broker closed connection %d right after the module's %s", c.id, p.Type),
			Explanation: fmt.Sprintf("the broker closed the connection %s after the %s at frame %d without answering it", fmtDur(a.recs[sc].Time.Sub(a.recs[req].Time)), p.Type, a.recs[req].Frame),
			Fix:         "read the broker's log at that time for the reason",
		})
		return
	}
	expl := fmt.Sprintf("the broker closed the connection %s after the %s at frame %d instead of answering it; ",
		fmtDur(a.recs[sc].Time.Sub(a.recs[req].Time)), p.Type, a.recs[req].Frame)
	if !valid {
		expl += why + "; a server receiving a malformed filter or topic closes the network connection [MQTT-4.8.0-1]"
	} else {
		expl += fmt.Sprintf("%q is well formed, so the broker refused it for its own reasons (ACL, length or level limits, a 5.0 broker's policy)", names)
	}
	fix := "use a topic the broker accepts (check its ACL and limits)"
	if !valid && t != nil && p.Type == mqtt.SUBSCRIBE && len(names) > 0 {
		fix = "put '#' only at the end and '+' only as a whole level, e.g. " + fixSubscribe(t, a.dialectOf(t), suggestFilter(names[0]))
	} else if !valid {
		fix = "publish to a topic name without wildcards ('+', '#'): wildcards belong in subscriptions only"
	}
	a.add(Finding{
		Code: CodeInvalidTopic, Severity: SeverityError, Line: line,
		Frames:      a.frames([]int{req, sc}),
		Summary:     fmt.Sprintf("the broker closed the connection on the %s to %q", p.Type, joinQuoted(names)),
		Explanation: expl,
		Fix:         fix,
	})
}

// checkSuback reports refused subscriptions in a SUBACK.
func (a *analysis) checkSuback(c *connInfo, ack int) {
	p := a.recs[ack].Packet
	sub := -1
	for _, i := range a.subByID[p.PacketID] {
		if a.recs[i].Conn == c.id && i < ack {
			sub = i
		}
	}
	for k, g := range p.Granted {
		if g < 0x80 {
			continue
		}
		filter := ""
		if sub >= 0 && k < len(a.recs[sub].Packet.Subscriptions) {
			filter = a.recs[sub].Packet.Subscriptions[k].Filter
		}
		meaning := mqtt.SubackReturnCode(g).Reason
		if p.Version == mqtt.Version5 {
			meaning = mqtt.ReasonCodeFor(mqtt.SUBACK, g).Reason
		}
		line := a.lineOf(ack)
		if line == 0 && sub >= 0 {
			line = a.lineOf(sub)
		}
		frames := a.frames([]int{sub, ack})
		if w, ok := validFilter(filter); (!ok && filter != "") || g == 0x8F {
			a.add(Finding{
				Code: CodeInvalidTopic, Severity: SeverityError, Line: line, Frames: frames,
				Summary:     fmt.Sprintf("the broker refused the filter %q: SUBACK 0x%02X (%s)", filter, g, meaning),
				Explanation: "the filter is not valid: " + w,
				Fix:         "put '#' only at the end and '+' only as a whole level",
			})
			continue
		}
		a.add(Finding{
			Code: CodeSubackFailure, Severity: SeverityError, Line: line, Frames: frames,
			Summary:     fmt.Sprintf("the broker refused the subscription to %q: SUBACK 0x%02X (%s)", filter, g, meaning),
			Explanation: "the SUBACK's return code for this filter is a failure: the broker does not allow this client to subscribe to it (ACL) or does not support the requested QoS or wildcard; messages on it will never arrive",
			Fix:         fmt.Sprintf("allow the subscription on the broker (mosquitto: a `topic read %s` line for this user in the acl_file) or subscribe to a topic the client may read", filter),
		})
	}
}

// txOfRec returns the transaction record i was paired with, or nil.
func (a *analysis) txOfRec(i int) *at.Transaction {
	if i < 0 || i >= len(a.recTx) || a.recTx[i] == 0 {
		return nil
	}
	return &a.txs[a.recTx[i]-1]
}

// connTx returns the connect transaction of a connection, or nil.
func (a *analysis) connTx(conn int) *at.Transaction {
	if v := a.connAttempt[conn]; v > 0 {
		return &a.txs[v-1]
	}
	if ti := a.firstConnectTx(); ti >= 0 {
		return &a.txs[ti]
	}
	return nil
}

// diagnoseDNS reports failed lookups of the hosts the module was told to
// open (every failed lookup when there is no log).
func (a *analysis) diagnoseDNS() {
	targets := a.openTargets()
	// The last successful answer per name: a failure followed by success
	// (a retry, a second resolver) is no failure.
	lastGood := map[string]int{}
	for _, i := range a.dns {
		if d := a.recs[i].Event.DNS; d.Response && d.Rcode == 0 && len(d.Answers) > 0 {
			lastGood[dnsName(d.Name)] = i
		}
	}
	for _, i := range a.dns {
		d := a.recs[i].Event.DNS
		if !d.Response || (d.Rcode == 0 && len(d.Answers) > 0) {
			continue
		}
		if g, ok := lastGood[dnsName(d.Name)]; ok && g > i {
			continue
		}
		tx := -1
		for _, tg := range targets {
			if dnsName(tg.host) == dnsName(d.Name) {
				tx = tg.tx
				break
			}
		}
		if tx < 0 && len(a.txs) > 0 {
			continue // someone else's lookup
		}
		line, sev := 0, SeverityWarning
		if tx >= 0 {
			line, sev = a.txs[tx].Line, SeverityError
		}
		why := fmt.Sprintf("DNS answer code %d (%s)", d.Rcode, rcodeName(d.Rcode))
		if d.Rcode == 0 {
			why = "the answer holds no address (NODATA)"
		}
		a.add(Finding{
			Code: CodeDNSFailure, Severity: sev, Line: line, Frames: a.frames([]int{i}),
			Summary:     fmt.Sprintf("the name %q did not resolve", d.Name),
			Explanation: fmt.Sprintf("resolver %s answered the lookup of %q with %s, so the module had no address to connect to", d.Resolver, d.Name, why),
			Fix:         "check the host name in the open command for typos, or use the broker's IP address; on cellular modules check the DNS servers the network gives (AT+CGCONTRDP)",
		})
	}
}

func rcodeName(rc int) string {
	switch rc {
	case 0:
		return "NOERROR"
	case 1:
		return "FORMERR"
	case 2:
		return "SERVFAIL"
	case 3:
		return "NXDOMAIN: no such name"
	case 5:
		return "REFUSED"
	}
	return "error"
}

// suggestFilter rewrites an invalid filter into a valid one: a level
// holding a wildcard next to other characters becomes the wildcard alone,
// and a '#' before the last level becomes '+'.
func suggestFilter(f string) string {
	levels := strings.Split(f, "/")
	for i, l := range levels {
		switch {
		case strings.Contains(l, "#") && i != len(levels)-1:
			levels[i] = "+"
		case strings.Contains(l, "#"):
			levels[i] = "#"
		case strings.Contains(l, "+"):
			levels[i] = "+"
		}
	}
	return strings.Join(levels, "/")
}

func joinQuoted(names []string) string { return strings.Join(names, `", "`) }
