package fleet

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
)

// Report is the fleet report; its JSON form is the document
// `atmq analyze --pcap … --json` prints for a capture without a serial log.
type Report struct {
	Summary  Summary   `json:"summary"`
	Clients  []Client  `json:"clients"`
	Findings []Finding `json:"findings"`
}

// Summary counts what the capture holds.
type Summary struct {
	Files  []string   `json:"files,omitempty"`
	Frames int        `json:"frames"`
	First  *time.Time `json:"first,omitempty"`
	Last   *time.Time `json:"last,omitempty"`
	// Connections counts TCP connections on the MQTT and TLS ports.
	Connections int `json:"connections"`
	// Connects counts MQTT CONNECTs; ClientIDs the distinct client ids.
	Connects  int `json:"connects"`
	ClientIDs int `json:"client_ids"`
	Accepted  int `json:"accepted"`
	Refused   int `json:"refused"`
	// Disconnected: sessions the client ended with DISCONNECT; OpenAtEnd:
	// sessions still open when the capture (or their traffic) ended.
	Disconnected int `json:"disconnected"`
	OpenAtEnd    int `json:"open_at_end"`
	// WithoutConnect: TCP connections on MQTT ports without a CONNECT in
	// the capture (begun before it, or never sent), not counting
	// unanswered or refused SYNs.
	WithoutConnect int `json:"without_connect"`
	TLSConnections int `json:"tls_connections"`
	// ClientsWithProblems: client ids with at least one finding.
	ClientsWithProblems int         `json:"clients_with_problems"`
	Packets             int         `json:"packets"`
	TLS                 []TLSServer `json:"tls,omitempty"`
}

// TLSServer is the TLS traffic of one server name (SNI; "" when the
// ClientHello named none).
type TLSServer struct {
	ServerName  string  `json:"server_name"`
	Connections int     `json:"connections"`
	Alerts      []Count `json:"alerts,omitempty"`
}

// Count is a value and how often it occurred.
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Client is one row of the per-client table.
type Client struct {
	ClientID    string `json:"client_id"`
	Address     string `json:"address,omitempty"`
	Connections int    `json:"connections"`
	Accepted    int    `json:"accepted"`
	Refused     int    `json:"refused"`
	// LastResult is how the client's last session ended.
	LastResult string `json:"last_result"`
	// Cause names the client's main problem ("" when none); Problems
	// counts its sessions by finding code.
	Cause    string         `json:"cause"`
	Problems map[string]int `json:"problems,omitempty"`
}

// Finding is one problem with every client it hit.
type Finding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	// Clients counts distinct client ids; Connections the connections (or
	// SYNs, alerts, DNS answers) concerned; Addresses distinct client
	// addresses for problems seen before any CONNECT.
	Clients     int      `json:"clients"`
	Connections int      `json:"connections"`
	Addresses   int      `json:"addresses,omitempty"`
	Examples    []string `json:"examples"`
	ConnackCode *int     `json:"connack_code,omitempty"`
	// Causes breaks a refusal down (no-username, unknown-username,
	// known-username, …).
	Causes []CauseCount `json:"causes,omitempty"`
	// Keepalive: the keepalive values of the expired sessions.
	Keepalive []KeepaliveCount `json:"keepalive,omitempty"`
	// Loops and IntervalSeconds: client ids taken over again and again,
	// and the time between takeovers.
	Loops           int    `json:"loops,omitempty"`
	IntervalSeconds *Range `json:"interval_seconds,omitempty"`
	// Storms: the busiest reconnecting client ids.
	Storms []Storm `json:"storms,omitempty"`
	// Server (TCP), ServerName (TLS SNI), Name (DNS) for problems keyed
	// by address.
	Server      string `json:"server,omitempty"`
	ServerName  string `json:"server_name,omitempty"`
	Name        string `json:"name,omitempty"`
	Summary     string `json:"summary"`
	Explanation string `json:"explanation"`
	Fix         string `json:"fix"`
}

// CauseCount is one cause within a finding.
type CauseCount struct {
	Cause       string   `json:"cause"`
	Clients     int      `json:"clients"`
	Connections int      `json:"connections"`
	Examples    []string `json:"examples"`
}

// KeepaliveCount is a keepalive value (seconds) and its sessions.
type KeepaliveCount struct {
	Seconds     int `json:"seconds"`
	Connections int `json:"connections"`
}

// Range is a span of seconds.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Storm is one client id's busiest reconnect window.
type Storm struct {
	ClientID string    `json:"client_id"`
	Connects int       `json:"connects"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// HasErrors reports whether any finding has error severity.
func (r *Report) HasErrors() bool {
	for _, f := range r.Findings {
		if f.Severity == "error" {
			return true
		}
	}
	return false
}

// sniStats counts one server name's TLS connections and alerts.
type sniStats struct {
	name        string
	connections int
	alerts      map[string]int
}

func (s *sniStats) alert(what string) {
	if s.alerts == nil {
		s.alerts = map[string]int{}
	}
	s.alerts[what]++
}

// problemKind names the address-keyed problems.
type problemKind uint8

const (
	kindSYNUnanswered problemKind = iota
	kindTCPRefused
	kindTLSAlert
	kindDNSFailure
)

// loop reports whether cl is in a takeover loop.
func (a *Analyzer) loop(cl *clientState) bool {
	return cl.p != nil && int(cl.p.takeovers) >= a.opts.LoopTakeovers
}

func (a *Analyzer) stormy(cl *clientState) bool {
	return cl.storm != nil && cl.storm.best >= a.opts.StormConnects && !a.loop(cl)
}

func (a *Analyzer) interesting(cl *clientState) bool {
	if a.stormy(cl) {
		return true
	}
	if cl.p == nil {
		return false
	}
	for cs := causeRefusedNoUser; cs < numCauses; cs++ {
		if cl.p.causes[cs] > 0 {
			return true
		}
	}
	return false
}

// build turns the state into the report.
func (a *Analyzer) build() *Report {
	r := &Report{Summary: a.sum}
	if !a.first.IsZero() {
		f, l := a.first, a.now
		r.Summary.First, r.Summary.Last = &f, &l
	}
	r.Summary.ClientIDs = len(a.clients)
	for _, cl := range a.order {
		if a.interesting(cl) {
			r.Summary.ClientsWithProblems++
		}
	}
	names := make([]string, 0, len(a.sni))
	for n := range a.sni {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := a.sni[n]
		ts := TLSServer{ServerName: n, Connections: s.connections, Alerts: sortedCounts(s.alerts)}
		r.Summary.TLS = append(r.Summary.TLS, ts)
	}
	r.Findings = a.findings()
	r.Clients = a.clientRows(a.opts.AllClients)
	return r
}

// clientRows lists the interesting clients (or all), most troubled first.
func (a *Analyzer) clientRows(all bool) []Client {
	type row struct {
		cl    *clientState
		n     uint32
		order int
	}
	var rows []row
	for i, cl := range a.order {
		if !all && !a.interesting(cl) {
			continue
		}
		var n uint32
		if cl.p != nil {
			for cs := causeRefusedNoUser; cs < numCauses; cs++ {
				n += cl.p.causes[cs]
			}
		}
		if a.stormy(cl) {
			n = max(n, uint32(cl.storm.best))
		}
		rows = append(rows, row{cl, n, i})
	}
	slices.SortStableFunc(rows, func(x, y row) int {
		if x.n != y.n {
			return int(y.n) - int(x.n)
		}
		return x.order - y.order
	})
	out := make([]Client, 0, len(rows))
	for _, rw := range rows {
		cl := rw.cl
		c := Client{ClientID: cl.id, Connections: int(cl.conns), Accepted: int(cl.accepted), Refused: int(cl.refused),
			LastResult: a.resultText(cl, cl.last)}
		if cl.addr[0].IsValid() {
			c.Address = cl.addr[0].String()
		}
		c.Cause = a.mainCause(cl)
		if cl.p != nil {
			for cs := causeRefusedNoUser; cs < numCauses; cs++ {
				if n := cl.p.causes[cs]; n > 0 {
					if c.Problems == nil {
						c.Problems = map[string]int{}
					}
					c.Problems[codeOf(cs)] += int(n)
				}
			}
		}
		if a.stormy(cl) {
			if c.Problems == nil {
				c.Problems = map[string]int{}
			}
			c.Problems[CodeReconnectStorm] = cl.storm.best
		}
		out = append(out, c)
	}
	return out
}

// mainCause describes the client's most frequent problem.
func (a *Analyzer) mainCause(cl *clientState) string {
	if a.loop(cl) {
		other := "another connection"
		if cl.addr[1].IsValid() {
			other = fmt.Sprintf("connections from %s and %s", cl.addr[0], cl.addr[1])
		}
		return fmt.Sprintf("takeover loop: %s use this id (%d takeovers)", other, cl.p.takeovers)
	}
	best, bestN := causeNone, uint32(0)
	if cl.p != nil {
		for cs := causeRefusedNoUser; cs < numCauses; cs++ {
			if cl.p.causes[cs] > bestN {
				best, bestN = cs, cl.p.causes[cs]
			}
		}
	}
	if a.stormy(cl) && uint32(cl.storm.best) >= bestN {
		return fmt.Sprintf("reconnect storm: %d connects in %s", cl.storm.best, roundDur(cl.storm.to.Sub(cl.storm.from)))
	}
	if best == causeNone {
		return ""
	}
	return a.causeText(cl, best)
}

// causeText describes a cause for one client.
func (a *Analyzer) causeText(cl *clientState, cs cause) string {
	switch cs {
	case causeRefusedNoUser:
		return "refused: no username sent"
	case causeRefusedUser:
		if a.acceptedUsers[cl.p.refusedUser] {
			return fmt.Sprintf("refused: username %q is accepted for other clients (wrong password?)", clip(cl.p.refusedUser))
		}
		return fmt.Sprintf("refused: username %q unknown to the accepted clients", clip(cl.p.refusedUser))
	case causeRefusedClientID:
		return "refused: client id rejected"
	case causeRefusedVersion:
		return "refused: protocol version"
	case causeRefusedOther:
		return "refused: " + connackText(cl.p.refusedV5, byte(cl.p.refusedCode))
	case causeNoConnack:
		return "CONNECT never answered"
	case causeTakeover:
		return "taken over by another connection with the same id"
	case causeKeepalive:
		return fmt.Sprintf("keepalive expired (keepalive %d s)", cl.keepalive)
	case causeClosedAfterRequest:
		return fmt.Sprintf("broker closed right after a %s", cl.p.lastRequest)
	case causeServerClosed:
		return "closed by the broker"
	case causeClientGone:
		return "client closed without DISCONNECT"
	case causeClientReset:
		return "client reset the connection"
	}
	return ""
}

// resultText says how a session ended, for the last-result column.
func (a *Analyzer) resultText(cl *clientState, cs cause) string {
	switch cs {
	case causeOpen:
		return "accepted, open at end"
	case causeClean:
		return "disconnected"
	case causeRefusedNoUser, causeRefusedUser, causeRefusedClientID, causeRefusedVersion, causeRefusedOther:
		return "refused " + connackText(cl.p.refusedV5, byte(cl.p.refusedCode))
	case causeNoConnack:
		return "no CONNACK"
	case causeTakeover:
		return "taken over"
	case causeKeepalive:
		return "keepalive expired"
	case causeClosedAfterRequest:
		return "closed after " + cl.p.lastRequest.String()
	case causeServerClosed:
		return "closed by broker"
	case causeClientGone:
		return "closed without DISCONNECT"
	case causeClientReset:
		return "reset by client"
	}
	return ""
}

func connackText(v5 bool, code byte) string {
	if v5 {
		return fmt.Sprintf("0x%02X %s", code, mqtt.ReasonCode(code).Reason)
	}
	return fmt.Sprintf("%d %s", code, mqtt.ConnackReturnCode(code).Reason)
}

func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for v, n := range m {
		out = append(out, Count{v, n})
	}
	slices.SortFunc(out, func(x, y Count) int {
		if x.Count != y.Count {
			return y.Count - x.Count
		}
		return strings.Compare(x.Value, y.Value)
	})
	return out
}

// clip shortens a value for a sentence; client ids and usernames come
// from the wire and may be huge.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes)", strings.ToValidUTF8(s[:n], ""), len(s))
}

func roundDur(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
