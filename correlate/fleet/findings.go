package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Finding codes. Those shared with the single-device analysis mean the
// same there; the others exist only in the fleet view.
const (
	CodeConnackRefused    = "connack-refused"
	CodeNoConnack         = "connect-unanswered"
	CodeTakeover          = "client-id-takeover"
	CodeKeepalive         = "keepalive-timeout"
	CodeClosedAfterReq    = "closed-after-request"
	CodeServerClosed      = "server-closed"
	CodeConnectionLost    = "connection-lost"
	CodeReconnectStorm    = "reconnect-storm"
	CodeTCPTimeout        = "tcp-timeout"
	CodeTCPRefused        = "tcp-refused"
	CodeTLSAlert          = "tls-alert"
	CodeDNSFailure        = "dns-failure"
	severityError         = "error"
	severityWarning       = "warning"
	causeNoUsername       = "no-username"
	causeUnknownUsername  = "unknown-username"
	causeKnownUsername    = "known-username"
	causeClientIDRejected = "client-id-rejected"
	causeProtocolVersion  = "protocol-version"
	causeOtherRefusal     = "refused"
)

// codeOf maps a session's end to its finding code.
func codeOf(cs cause) string {
	switch cs {
	case causeRefusedNoUser, causeRefusedUser, causeRefusedClientID, causeRefusedVersion, causeRefusedOther:
		return CodeConnackRefused
	case causeNoConnack:
		return CodeNoConnack
	case causeTakeover:
		return CodeTakeover
	case causeKeepalive:
		return CodeKeepalive
	case causeClosedAfterRequest:
		return CodeClosedAfterReq
	case causeServerClosed:
		return CodeServerClosed
	case causeClientGone, causeClientReset:
		return CodeConnectionLost
	}
	return ""
}

// examples collects up to n example ids.
type examples struct {
	n   int
	ids []string
}

func (e *examples) add(id string) {
	if len(e.ids) < e.n {
		e.ids = append(e.ids, id)
	}
}

func (e *examples) list() []string {
	if e.ids == nil {
		return []string{}
	}
	return e.ids
}

// findings groups every problem by cause.
func (a *Analyzer) findings() []Finding {
	var out []Finding
	out = append(out, a.refusals()...)
	out = append(out, a.takeovers()...)
	out = append(out, a.perCause(causeKeepalive)...)
	out = append(out, a.perCause(causeNoConnack)...)
	out = append(out, a.perCause(causeClosedAfterRequest)...)
	out = append(out, a.perCause(causeServerClosed)...)
	out = append(out, a.storms()...)
	out = append(out, a.addrFindings()...)
	out = append(out, a.lost()...)
	rank := map[string]int{severityError: 0, severityWarning: 1}
	slices.SortStableFunc(out, func(x, y Finding) int {
		if c := cmp.Compare(rank[x.Severity], rank[y.Severity]); c != 0 {
			return c
		}
		return cmp.Compare(y.Connections, x.Connections)
	})
	if out == nil {
		out = []Finding{}
	}
	return out
}

// refusals: one finding per CONNACK code, broken down by cause.
func (a *Analyzer) refusals() []Finding {
	type group struct {
		v5     bool
		code   int16
		conns  int
		causes map[string]*CauseCount
		ex     examples
		ids    int
	}
	groups := map[int]*group{}
	for _, cl := range a.order {
		if cl.p == nil || cl.refused == 0 {
			continue
		}
		var n, bestN uint32
		best := causeNone
		for cs := causeRefusedNoUser; cs <= causeRefusedOther; cs++ {
			k := cl.p.causes[cs]
			n += k
			if k > bestN {
				best, bestN = cs, k
			}
		}
		if n == 0 {
			continue
		}
		why := a.refusalCause(cl, best)
		key := int(cl.p.refusedCode)
		if cl.p.refusedV5 {
			key += 1000
		}
		g := groups[key]
		if g == nil {
			g = &group{v5: cl.p.refusedV5, code: cl.p.refusedCode, causes: map[string]*CauseCount{}, ex: examples{n: a.opts.Examples}}
			groups[key] = g
		}
		g.conns += int(n)
		g.ids++
		g.ex.add(cl.id)
		cc := g.causes[why]
		if cc == nil {
			cc = &CauseCount{Cause: why, Examples: []string{}}
			g.causes[why] = cc
		}
		cc.Clients++
		cc.Connections += int(n)
		if len(cc.Examples) < a.opts.Examples {
			cc.Examples = append(cc.Examples, cl.id)
		}
	}
	var out []Finding
	for _, g := range groups {
		code := int(g.code)
		f := Finding{Code: CodeConnackRefused, Severity: severityError, Clients: g.ids, Connections: g.conns,
			Examples: g.ex.list(), ConnackCode: &code}
		for _, cc := range g.causes {
			f.Causes = append(f.Causes, *cc)
		}
		slices.SortFunc(f.Causes, func(x, y CauseCount) int {
			if x.Clients != y.Clients {
				return y.Clients - x.Clients
			}
			return strings.Compare(x.Cause, y.Cause)
		})
		what := connackText(g.v5, byte(g.code))
		var parts []string
		for _, cc := range f.Causes {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", count(cc.Clients), causeWords[cc.Cause], strings.Join(quoteAll(cc.Examples), ", ")))
		}
		f.Summary = fmt.Sprintf("%s refused with CONNACK %s (%s connections): %s", plural(g.ids, "client", "clients"), what, count(g.conns), strings.Join(parts, "; "))
		f.Explanation = "the broker refused these CONNECTs; the breakdown compares each refused CONNECT with what the accepted clients sent (credentials present, the same username)"
		f.Fix = refusalFix(f.Causes)
		out = append(out, f)
	}
	slices.SortFunc(out, func(x, y Finding) int { return *x.ConnackCode - *y.ConnackCode })
	return out
}

var causeWords = map[string]string{
	causeNoUsername:       "sent no username",
	causeUnknownUsername:  "a username unknown to the accepted clients",
	causeKnownUsername:    "a username the broker accepts for other clients (wrong password or ACL?)",
	causeClientIDRejected: "a client id the broker rejects",
	causeProtocolVersion:  "a protocol version the broker does not speak",
	causeOtherRefusal:     "refused by the broker",
}

func (a *Analyzer) refusalCause(cl *clientState, cs cause) string {
	switch cs {
	case causeRefusedNoUser:
		return causeNoUsername
	case causeRefusedUser:
		if a.acceptedUsers[cl.p.refusedUser] {
			return causeKnownUsername
		}
		return causeUnknownUsername
	case causeRefusedClientID:
		return causeClientIDRejected
	case causeRefusedVersion:
		return causeProtocolVersion
	}
	return causeOtherRefusal
}

func refusalFix(causes []CauseCount) string {
	var fixes []string
	for _, cc := range causes {
		switch cc.Cause {
		case causeNoUsername:
			fixes = append(fixes, "give these devices their credentials (or allow anonymous access on the broker)")
		case causeUnknownUsername:
			fixes = append(fixes, "create the unknown usernames on the broker or correct them on the devices")
		case causeKnownUsername:
			fixes = append(fixes, "check the password of these devices and the broker's ACL for them")
		case causeClientIDRejected:
			fixes = append(fixes, "use client ids the broker accepts (length, characters, the prefix the accepted clients share)")
		case causeProtocolVersion:
			fixes = append(fixes, "configure the MQTT version the broker speaks on these devices")
		default:
			fixes = append(fixes, "read the broker's log for these refusals")
		}
	}
	return strings.Join(fixes, "; ")
}

// takeovers: client ids taken over, in a loop or now and then.
func (a *Analyzer) takeovers() []Finding {
	var loops, once int
	conns := 0
	exLoop, exOnce := examples{n: a.opts.Examples}, examples{n: a.opts.Examples}
	var gap Range
	for _, cl := range a.order {
		if cl.p == nil || cl.p.causes[causeTakeover] == 0 {
			continue
		}
		conns += int(cl.p.causes[causeTakeover])
		if a.loop(cl) {
			loops++
			exLoop.add(cl.id)
			lo, hi := cl.p.minGap.Seconds(), cl.p.maxGap.Seconds()
			if loops == 1 || lo < gap.Min {
				gap.Min = lo
			}
			gap.Max = max(gap.Max, hi)
		} else {
			once++
			exOnce.add(cl.id)
		}
	}
	if loops+once == 0 {
		return nil
	}
	f := Finding{Code: CodeTakeover, Severity: severityError, Clients: loops + once, Connections: conns, Loops: loops,
		Examples: append(append([]string{}, exLoop.list()...), exOnce.list()...)}
	var parts []string
	if loops > 0 {
		g := gap
		f.IntervalSeconds = &g
		parts = append(parts, fmt.Sprintf("%s taken over in a loop: two connections with the same id replace each other every %s (%s)",
			plural(loops, "client id", "client ids"), secondsRange(gap), strings.Join(quoteAll(exLoop.list()), ", ")))
	}
	if once > 0 {
		parts = append(parts, fmt.Sprintf("%s taken over fewer than %d times (%s)", plural(once, "client id", "client ids"), a.opts.LoopTakeovers, strings.Join(quoteAll(exOnce.list()), ", ")))
	}
	f.Summary = strings.Join(parts, "; ")
	f.Explanation = fmt.Sprintf("%s connections were closed by the broker right after another connection sent CONNECT with the same client id: a second CONNECT with a client id in use makes the broker disconnect the first [MQTT-3.1.4-2]; two devices (or a device and a stale tool) sharing an id keep replacing each other", count(conns))
	f.Fix = "give every device a unique client id (e.g. from its IMEI or serial number) and stop the other user of the id"
	return []Finding{f}
}

// perCause: one finding for a cause counted per session.
func (a *Analyzer) perCause(cs cause) []Finding {
	ids, conns := 0, 0
	ex := examples{n: a.opts.Examples}
	for _, cl := range a.order {
		if n := cl.count(cs); n > 0 {
			ids++
			conns += int(n)
			ex.add(cl.id)
		}
	}
	if ids == 0 {
		return nil
	}
	f := Finding{Code: codeOf(cs), Severity: severityError, Clients: ids, Connections: conns, Examples: ex.list()}
	exs := strings.Join(quoteAll(ex.list()), ", ")
	switch cs {
	case causeKeepalive:
		f.Keepalive = a.keepaliveCounts()
		top := f.Keepalive[0]
		f.Summary = fmt.Sprintf("%s closed after 1.5 × keepalive of silence (%s), %d%% of them with keepalive %d", plural(conns, "connection", "connections"),
			plural(ids, "client", "clients")+": "+exs, top.Connections*100/conns, top.Seconds)
		f.Explanation = "the broker closed these connections because the client sent nothing (no PINGREQ) for about 1.5 × the keepalive of its CONNECT [MQTT-3.1.2-24], or its PINGREQ went unanswered"
		f.Fix = "make the devices send PINGREQ within the keepalive, or raise the keepalive if their network drops pings"
	case causeNoConnack:
		f.Summary = fmt.Sprintf("%s sent CONNECT and got no CONNACK before the connection closed (%s)", plural(ids, "client", "clients"), exs)
		f.Explanation = "the broker closed without answering the CONNECT (a malformed CONNECT, a client id or protocol it drops without a CONNACK, or an overloaded broker), or the client gave up first"
		f.Fix = "read the broker's log at those times; compare the CONNECT with an accepted client's"
	case causeClosedAfterRequest:
		f.Summary = fmt.Sprintf("%s: the broker closed the connection right after a request it did not answer (%s)", plural(conns, "connection", "connections"), exs)
		f.Explanation = "a broker closes a connection instead of answering a SUBSCRIBE or PUBLISH with an invalid topic or filter [MQTT-4.7.1-2], or one its ACL denies (MQTT 3.1.1 has no other way to refuse a PUBLISH)"
		f.Fix = "check the topics these clients use and the broker's ACL for them (`atmq analyze --pcap … --client-id ID` shows one client's packets)"
	case causeServerClosed:
		f.Summary = fmt.Sprintf("the broker closed %s with no takeover, keepalive expiry or pending request in the capture (%s)", plural(conns, "connection", "connections"), exs)
		f.Explanation = "the capture does not say why: ACL denials, message size limits, overload and administrative disconnects are only in the broker's log"
		f.Fix = "read the broker's log at those times (mosquitto: `log_type all`)"
	}
	return []Finding{f}
}

func (a *Analyzer) keepaliveCounts() []KeepaliveCount {
	out := make([]KeepaliveCount, 0, len(a.kaExpired))
	for ka, n := range a.kaExpired {
		out = append(out, KeepaliveCount{int(ka), n})
	}
	slices.SortFunc(out, func(x, y KeepaliveCount) int {
		if x.Connections != y.Connections {
			return y.Connections - x.Connections
		}
		return x.Seconds - y.Seconds
	})
	return out
}

// storms: client ids connecting again and again.
func (a *Analyzer) storms() []Finding {
	var storms []Storm
	conns := 0
	for _, cl := range a.order {
		if a.stormy(cl) {
			storms = append(storms, Storm{ClientID: cl.id, Connects: cl.storm.best, From: cl.storm.from, To: cl.storm.to})
			conns += int(cl.conns)
		}
	}
	if len(storms) == 0 {
		return nil
	}
	slices.SortStableFunc(storms, func(x, y Storm) int { return y.Connects - x.Connects })
	f := Finding{Code: CodeReconnectStorm, Severity: severityWarning, Clients: len(storms), Connections: conns}
	for _, s := range storms[:min(len(storms), a.opts.Examples)] {
		f.Examples = append(f.Examples, s.ClientID)
	}
	f.Storms = storms[:min(len(storms), a.opts.Examples)]
	w := storms[0]
	f.Summary = fmt.Sprintf("reconnect storm: %s connected %d times or more within %s; the worst, %q, connected %d times in %s",
		plural(len(storms), "client id", "client ids"), a.opts.StormConnects, window(a.opts.StormWindow), w.ClientID, w.Connects, roundDur(w.To.Sub(w.From)))
	f.Explanation = "these clients connect again right after each session ends; the client table's cause column says why their sessions end (a refusal, a takeover, the client itself)"
	f.Fix = "fix the cause of the disconnects and give the devices a reconnect back-off (e.g. doubling from 1 s to a few minutes)"
	return []Finding{f}
}

// lost: sessions the client ended without DISCONNECT.
func (a *Analyzer) lost() []Finding {
	ids, conns := 0, 0
	ex := examples{n: a.opts.Examples}
	for _, cl := range a.order {
		if n := cl.count(causeClientGone) + cl.count(causeClientReset); n > 0 {
			ids++
			conns += int(n)
			ex.add(cl.id)
		}
	}
	if ids == 0 {
		return nil
	}
	return []Finding{{Code: CodeConnectionLost, Severity: severityWarning, Clients: ids, Connections: conns, Examples: ex.list(),
		Summary:     fmt.Sprintf("%s ended by the client without DISCONNECT (%s)", plural(conns, "session", "sessions"), strings.Join(quoteAll(ex.list()), ", ")),
		Explanation: "the client closed or reset the TCP connection without sending DISCONNECT: the module lost power or coverage, its stack reset, or its firmware closes that way (the broker publishes its will, if any)",
		Fix:         "send DISCONNECT before closing; look at the devices' power and signal at those times",
	}}
}

// addrFindings: problems seen before any CONNECT, keyed by address.
func (a *Analyzer) addrFindings() []Finding {
	var out []Finding
	for _, g := range a.noConnect {
		f := Finding{Severity: severityError, Connections: g.count, Addresses: len(g.addrs), Examples: append([]string{}, g.examples...)}
		addrs := plural(len(g.addrs), "client address", "client addresses")
		if g.manyAddr {
			addrs = "more than " + addrs
		}
		exs := strings.Join(g.examples, ", ")
		switch g.kind {
		case kindSYNUnanswered:
			f.Code, f.Server = CodeTCPTimeout, g.key
			f.Summary = fmt.Sprintf("%s to %s never answered, from %s (%s)", plural(g.count, "SYN", "SYNs"), g.key, addrs, exs)
			f.Explanation = "the broker's host did not answer these connection attempts: the broker is down or overloaded (listen backlog full), or a firewall drops them"
			f.Fix = "check that the broker listens on that address and port, its listen backlog and connection limits, and firewall rules"
		case kindTCPRefused:
			f.Code, f.Server = CodeTCPRefused, g.key
			f.Summary = fmt.Sprintf("%s to %s refused with RST, from %s (%s)", plural(g.count, "connection", "connections"), g.key, addrs, exs)
			f.Explanation = "nothing listened on that port when these clients connected (the broker was down or restarting, or the port is wrong)"
			f.Fix = "check that the broker runs and listens on that port"
		case kindTLSAlert:
			name, alert, _ := strings.Cut(g.key, "\x00")
			f.Code, f.ServerName = CodeTLSAlert, name
			f.Summary = fmt.Sprintf("TLS alert %q on %s to %s, from %s (%s)", alert, plural(g.count, "connection", "connections"), name, addrs, exs)
			f.Explanation = "the TLS handshake failed: the alert says which side refused and why (unknown_ca: the client does not trust the server's certificate chain; bad_certificate / certificate_required: client certificates; handshake_failure / protocol_version: no common cipher or TLS version)"
			f.Fix = "compare the server's certificate chain and TLS settings for this server name with what the failing devices trust and support"
		case kindDNSFailure:
			name, rc, _ := strings.Cut(g.key, "\x00")
			f.Code, f.Name = CodeDNSFailure, name
			f.Summary = fmt.Sprintf("%s for %q failed (%s), asked by %s (%s)", plural(g.count, "DNS lookup", "DNS lookups"), name, rc, addrs, exs)
			f.Explanation = "the name did not resolve, so these clients could not reach the broker by that name"
			f.Fix = "check the DNS records of the name and the name the devices are configured with"
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(x, y Finding) int {
		if x.Code != y.Code {
			return strings.Compare(x.Code, y.Code)
		}
		return strings.Compare(x.Summary, y.Summary)
	})
	return out
}

func sniLabel(s string) string {
	if s == "" {
		return "(no server name)"
	}
	return s
}

func quoteAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("%q", clip(id))
	}
	return out
}

// count writes n with thousands separators.
func count(n int) string {
	s := itoa(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

func secondsRange(r Range) string {
	lo, hi := time.Duration(r.Min*float64(time.Second)), time.Duration(r.Max*float64(time.Second))
	if roundDur(lo) == roundDur(hi) {
		return roundDur(lo).String()
	}
	return fmt.Sprintf("%s–%s", roundDur(lo), roundDur(hi))
}

// window names a storm window for a sentence: "10 minutes".
func window(d time.Duration) string {
	if d%time.Minute == 0 {
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return d.String()
}
