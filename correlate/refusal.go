package correlate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// connackCode returns the CONNACK's code and its meaning.
func connackCode(p *mqtt.Packet) (int, string) {
	if p.Version == mqtt.Version5 {
		c := mqtt.ReasonCode(p.ReasonCode)
		return int(c.Value), fmt.Sprintf("0x%02X %s", c.Value, c.Reason)
	}
	c := mqtt.ConnackReturnCode(p.ReturnCode)
	return int(c.Value), fmt.Sprintf("%d %s", c.Value, c.Reason)
}

// connackRefused reports a refused CONNECT the capture holds, and its
// most specific cause.
func (a *analysis) connackRefused(c *connInfo, connect, ack int) {
	p := a.recs[connect].Packet
	ackP := a.recs[ack].Packet
	code, meaning := connackCode(ackP)
	t := a.txOfRec(connect)
	if t == nil {
		t = a.connTx(c.id)
	}
	line := a.lineOf(connect)
	frames := []int{connect, ack}
	frames = append(frames, a.txRecsOf(connect)...)
	r := &refusal{code: code, v5: ackP.Version == mqtt.Version5, connect: p, intent: intentOf(t),
		d: a.dialectOf(t), idx: connIndex(t), peers: a.acceptedPeers(c)}
	cmp := compareWithAccepted(p, r.peers)
	expl := fmt.Sprintf("the broker answered the CONNECT (client id %q, %s, MQTT %s) with CONNACK %s at frame %d",
		p.ClientID, credentialsWords(p), versionName(int(p.ProtocolLevel)), meaning, a.recs[ack].Frame)
	if m, ok := r.authMethod(); ok {
		expl += fmt.Sprintf(" (Authentication Method %q)", m)
	}
	if cmp != "" {
		expl += ". " + cmp
	}
	cause, _, fix := r.cause()
	if cause.Code != "" {
		fix = cause.Fix
	}
	a.add(Finding{
		Code: CodeConnackRefused, Severity: SeverityError, Line: line, Frames: a.frames(frames),
		ConnackCode: intp(code),
		Summary:     fmt.Sprintf("the broker refused the connection: CONNACK %s", meaning),
		Explanation: expl,
		Fix:         fix,
	})
	if cause.Code == "" {
		return // no more specific cause: the refusal carries the broker-side fix
	}
	if cmp != "" && !strings.Contains(cause.Explanation, cmp) {
		cause.Explanation += ". " + cmp
	}
	a.addCause(cause, line, a.frames(frames), code)
}

// addCause records a refusal's cause next to it.
func (a *analysis) addCause(cause Finding, line int, frames []int, code int) {
	cause.Severity = SeverityError
	cause.Line = line
	cause.Frames = frames
	cause.ConnackCode = intp(code)
	a.add(cause)
}

// txRecsOf returns the other records paired with the same command as
// record i (the close after the refusal).
func (a *analysis) txRecsOf(i int) []int {
	if a.recTx[i] > 0 {
		return a.txRecs[a.recTx[i]-1]
	}
	if a.recEv[i] > 0 {
		return a.evRecs[a.recEv[i]-1]
	}
	return nil
}

// anonymousAccepted reports whether the broker accepted a client that
// sent neither a username nor a password.
func anonymousAccepted(accepted []*mqtt.Packet) bool {
	for _, o := range accepted {
		if !o.UsernameFlag && !o.PasswordFlag {
			return true
		}
	}
	return false
}

// credentialsDiff compares the wire's credentials with the command's.
func credentialsDiff(p *mqtt.Packet, user string, hasUser bool, pass string, hasPass bool) (Finding, bool) {
	var diffs []string
	if hasUser && (!p.UsernameFlag || p.Username != user) {
		diffs = append(diffs, "username: "+valueDiff(user, p.Username, p.UsernameFlag))
	}
	if hasPass && (!p.PasswordFlag || string(p.Password) != pass) {
		diffs = append(diffs, "password: "+valueDiff(pass, string(p.Password), p.PasswordFlag))
	}
	if len(diffs) == 0 {
		return Finding{}, false
	}
	summary := "the credentials on the wire differ from the connect command's"
	switch {
	case hasPass && p.PasswordFlag && len(p.Password) < len(pass) && strings.HasPrefix(pass, string(p.Password)):
		summary = fmt.Sprintf("the module cut the password from %d to %d bytes", len(pass), len(p.Password))
	case hasUser && p.UsernameFlag && len(p.Username) < len(user) && strings.HasPrefix(user, p.Username):
		summary = fmt.Sprintf("the module cut the username from %d to %d bytes", len(user), len(p.Username))
	}
	return Finding{
		Code:        CodeCredentialsMismatch,
		Summary:     summary,
		Explanation: strings.Join(diffs, "; "),
	}, true
}

// valueDiff describes how a sent value differs from the intended one.
func valueDiff(want, got string, present bool) string {
	switch {
	case !present:
		return fmt.Sprintf("command %q, not sent at all", want)
	case len(got) < len(want) && strings.HasPrefix(want, got):
		return fmt.Sprintf("command %q (%d bytes), wire %q: cut to %d bytes", want, len(want), got, len(got))
	}
	return fmt.Sprintf("command %q, wire %q", want, got)
}

// credentialsFix says how to get the intended credentials on the wire.
func credentialsFix(d *at.Dialect, idx string, p *mqtt.Packet, user, pass string) string {
	if p.PasswordFlag && len(p.Password) < len(pass) && strings.HasPrefix(pass, string(p.Password)) {
		return fmt.Sprintf("the module cut the password to %d bytes: use a password of at most %d bytes (change it on the broker, e.g. mosquitto_passwd), or a firmware whose buffer takes %d", len(p.Password), len(p.Password), len(pass))
	}
	if p.UsernameFlag && len(p.Username) < len(user) && strings.HasPrefix(user, p.Username) {
		return fmt.Sprintf("the module cut the username to %d bytes: use a username of at most %d bytes", len(p.Username), len(p.Username))
	}
	return "write the credentials so the module sends them unchanged (no escapes or quotes inside): " + d.FixConnect(idx, p.ClientID, user, pass)
}

// brokerFix is the broker-side fix for a refusal without a device-side cause.
func brokerFix(v5 bool, code int) string {
	switch {
	case refusedAuth(v5, code):
		return "the credentials reached the broker as typed: check them against the broker's user list (mosquitto: password_file, mosquitto_passwd) and its ACL"
	case (!v5 && code == 3) || (v5 && (code == 0x88 || code == 0x89)):
		return "the broker reports itself unavailable: check its log and load, then retry"
	case v5 && code == 0x8A:
		return "the broker banned this client: check the broker's ban list"
	}
	return "read the broker's log for the reason of the refusal"
}

// acceptedPeers returns the CONNECTs of other connections to the same
// broker that were accepted.
func (a *analysis) acceptedPeers(c *connInfo) []*mqtt.Packet {
	var out []*mqtt.Packet
	for _, id := range a.connOrder {
		o := a.conns[id]
		if id == c.id || a.device[id] || o.connect < 0 || o.connack < 0 || o.server.Addr() != c.server.Addr() {
			continue
		}
		if !connackRefused(a.recs[o.connack].Packet) {
			out = append(out, a.recs[o.connect].Packet)
		}
	}
	return out
}

// compareWithAccepted says how the refused CONNECT differs from those the
// broker accepted.
func compareWithAccepted(p *mqtt.Packet, others []*mqtt.Packet) string {
	if len(others) == 0 {
		return ""
	}
	n := len(others)
	var diffs []string
	withUser := 0
	for _, o := range others {
		if o.UsernameFlag {
			withUser++
		}
	}
	switch {
	case withUser == n && !p.UsernameFlag:
		diffs = append(diffs, fmt.Sprintf("all %d sent a username, the device sent none", n))
	case withUser == 0 && p.UsernameFlag:
		diffs = append(diffs, fmt.Sprintf("none of them sent a username, the device did (%q)", p.Username))
	}
	if prefix := commonClientIDPrefix(others); prefix != "" && !strings.HasPrefix(p.ClientID, prefix) {
		diffs = append(diffs, fmt.Sprintf("their client ids all start with %q, the device's %q does not", prefix, p.ClientID))
	}
	if vs := peerVersions(others); len(vs) == 1 && vs[0] != int(p.ProtocolLevel) {
		diffs = append(diffs, fmt.Sprintf("they use MQTT %s, the device %s", versionName(vs[0]), versionName(int(p.ProtocolLevel))))
	}
	if p.ClientID == "" {
		empty := 0
		for _, o := range others {
			if o.ClientID == "" {
				empty++
			}
		}
		if empty == 0 {
			diffs = append(diffs, "they all sent a client id, the device an empty one")
		}
	}
	head := fmt.Sprintf("%d other client(s) were accepted by this broker in the capture", n)
	if len(diffs) == 0 {
		return head + "; they differ from the device in nothing visible on the wire (credentials present alike, same version, no common client id pattern): the broker judged the values themselves"
	}
	return head + ": " + strings.Join(diffs, "; ")
}

// commonClientIDPrefix returns the prefix (at least 3 characters, ending
// at a separator when one is there) every client id shares; "" when fewer
// than two ids or no such prefix.
func commonClientIDPrefix(ps []*mqtt.Packet) string {
	if len(ps) < 2 {
		return ""
	}
	prefix := ps[0].ClientID
	for _, o := range ps[1:] {
		n := 0
		for n < len(prefix) && n < len(o.ClientID) && prefix[n] == o.ClientID[n] {
			n++
		}
		prefix = prefix[:n]
	}
	// Cut back to the last separator so "tracker-12" and "tracker-13"
	// give "tracker-", not "tracker-1".
	if k := strings.LastIndexAny(prefix, "-_/:."); k >= 0 {
		prefix = prefix[:k+1]
	}
	if len(prefix) < 3 {
		return ""
	}
	return prefix
}

func peerVersions(ps []*mqtt.Packet) []int {
	m := map[int]bool{}
	for _, o := range ps {
		m[int(o.ProtocolLevel)] = true
	}
	var out []int
	for v := range m {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

func credentialsWords(p *mqtt.Packet) string {
	switch {
	case p.UsernameFlag && p.PasswordFlag:
		return fmt.Sprintf("username %q and a password of %d bytes", p.Username, len(p.Password))
	case p.UsernameFlag:
		return fmt.Sprintf("username %q, no password", p.Username)
	case p.PasswordFlag:
		return "a password but no username"
	}
	return "no username or password"
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

func onlyAlnum(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
