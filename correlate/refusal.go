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

// Refusal classes, shared by 3.x return codes and 5.0 reason codes.
func refusedVersion(v5 bool, code int) bool {
	return (!v5 && code == 1) || (v5 && code == 0x84)
}
func refusedClientID(v5 bool, code int) bool {
	return (!v5 && code == 2) || (v5 && code == 0x85)
}
func refusedAuth(v5 bool, code int) bool {
	return (!v5 && (code == 4 || code == 5)) || (v5 && (code == 0x86 || code == 0x87 || code == 0x8C))
}

// connackRefused reports a refused CONNECT and its most specific cause.
func (a *analysis) connackRefused(c *connInfo, connect, ack int) {
	p := a.recs[connect].Packet
	ackP := a.recs[ack].Packet
	code, meaning := connackCode(ackP)
	v5 := ackP.Version == mqtt.Version5
	t := a.txOfRec(connect)
	if t == nil {
		t = a.connTx(c.id)
	}
	line := a.lineOf(connect)
	frames := []int{connect, ack}
	for _, i := range a.txRecsOf(connect) {
		frames = append(frames, i)
	}
	others := a.acceptedPeers(c)
	cmp := compareWithAccepted(p, others)
	expl := fmt.Sprintf("the broker answered the CONNECT (client id %q, %s, MQTT %s) with CONNACK %s at frame %d",
		p.ClientID, credentialsWords(p), versionName(int(p.ProtocolLevel)), meaning, a.recs[ack].Frame)
	if cmp != "" {
		expl += ". " + cmp
	}
	cause := a.refusalCause(c, p, t, v5, code, others)
	fix := brokerFix(v5, code)
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
	cause.Severity = SeverityError
	cause.Line = line
	cause.Frames = a.frames(frames)
	cause.ConnackCode = intp(code)
	if cmp != "" && !strings.Contains(cause.Explanation, cmp) {
		cause.Explanation += ". " + cmp
	}
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

// refusalCause picks the most specific cause the evidence supports.
func (a *analysis) refusalCause(c *connInfo, p *mqtt.Packet, t *at.Transaction, v5 bool, code int, others []*mqtt.Packet) Finding {
	d := a.dialectOf(t)
	idx := connIndex(t)
	cmdUser, hasUser := "", false
	cmdPass, hasPass := "", false
	if t != nil {
		cmdUser, hasUser = arg(t.Args, at.ArgUsername)
		cmdPass, hasPass = arg(t.Args, at.ArgPassword)
	}
	switch {
	case refusedVersion(v5, code):
		want := 4
		if vs := peerVersions(others); len(vs) == 1 {
			want = vs[0]
		} else if p.ProtocolLevel == 4 {
			want = 3
		}
		why := ""
		if t != nil && t.Config != nil && t.Config.Version != nil {
			why = fmt.Sprintf(" (set by the configure command to %d)", *t.Config.Version)
		} else if dv := defaultVersion(d); dv != 0 && int(p.ProtocolLevel) == dv {
			why = fmt.Sprintf(" (the %s firmware's default when no version is configured)", strings.ToUpper(d))
		}
		return Finding{
			Code:        CodeProtocolVersion,
			Summary:     fmt.Sprintf("the broker does not accept MQTT %s, the version the module sent", versionName(int(p.ProtocolLevel))),
			Explanation: fmt.Sprintf("the CONNECT carried protocol name %q level %d%s; the broker answered \"unacceptable protocol version\" [MQTT-3.1.2-2]", p.ProtocolName, p.ProtocolLevel, why),
			Fix:         fmt.Sprintf("%s (MQTT %s), before the connect command", fixVersion(d, idx, want), versionName(want)),
		}
	case refusedClientID(v5, code):
		return a.clientIDCause(p, d, idx, t)
	case refusedAuth(v5, code):
		if !p.UsernameFlag && !p.PasswordFlag {
			if (hasUser && cmdUser != "") || (hasPass && cmdPass != "") {
				return Finding{
					Code:        CodeCredentialsMismatch,
					Summary:     "the connect command gave credentials but the CONNECT carried none",
					Explanation: fmt.Sprintf("the command set username %q and a password of %d bytes, yet the CONNECT has neither the username nor the password flag", cmdUser, len(cmdPass)),
					Fix:         "check that the firmware takes credentials in this command form: " + fixConnect(d, idx, p.ClientID, cmdUser, cmdPass),
				}
			}
			// The same broker accepting other clients without
			// credentials rules out "anonymous refused": look for what
			// else differs (the client id) below.
			if !anonymousAccepted(others) {
				why := "the CONNECT had neither the username nor the password flag; the broker refuses anonymous clients"
				if t != nil {
					why = "the connect command gave no credentials, so " + why
				}
				return Finding{
					Code:        CodeNoCredentials,
					Summary:     "the CONNECT carried no username or password and the broker requires them",
					Explanation: why,
					Fix:         fixConnect(d, idx, p.ClientID, "<user>", "<password>") + " — or, broker side, allow anonymous clients (mosquitto: `allow_anonymous true`)",
				}
			}
		}
		if t != nil {
			if f, ok := credentialsDiff(p, cmdUser, hasUser, cmdPass, hasPass); ok {
				f.Fix = credentialsFix(d, idx, p, cmdUser, cmdPass)
				return f
			}
		}
		if prefix := commonClientIDPrefix(others); prefix != "" && !strings.HasPrefix(p.ClientID, prefix) {
			return Finding{
				Code:        CodeClientIDRejected,
				Summary:     fmt.Sprintf("the client id %q lacks the prefix %q every accepted client uses", p.ClientID, prefix),
				Explanation: fmt.Sprintf("the credentials on the wire match the command, but every client this broker accepted has a client id starting with %q; brokers restricting client ids (mosquitto `clientid_prefixes`) refuse others as not authorized", prefix),
				Fix:         fixConnect(d, idx, prefix+p.ClientID, cmdUser, cmdPass) + fmt.Sprintf(" — or, broker side, lift the client id restriction (mosquitto: remove `clientid_prefixes %s`)", prefix),
			}
		}
	}
	return Finding{}
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

// clientIDCause explains an "identifier rejected" refusal.
func (a *analysis) clientIDCause(p *mqtt.Packet, d, idx string, t *at.Transaction) Finding {
	f := Finding{Code: CodeClientIDRejected, Summary: fmt.Sprintf("the broker rejected the client id %q", p.ClientID)}
	switch {
	case p.ClientID == "" && !p.CleanSession:
		f.Summary = "empty client id with clean session off"
		f.Explanation = "the CONNECT carried a zero-length client id with clean session 0; a server must refuse that with return code 2 [MQTT-3.1.3-8], since a session without an id cannot be resumed"
		f.Fix = fmt.Sprintf("give the module a client id: %s — or turn clean session on: %s", fixConnect(d, idx, "dev-<IMEI>", "", ""), fixSession(d, idx, true))
	case p.ClientID == "":
		f.Summary = "empty client id refused"
		f.Explanation = "the CONNECT carried a zero-length client id; servers may refuse it [MQTT-3.1.3-6]"
		f.Fix = "give the module a client id: " + fixConnect(d, idx, "dev-<IMEI>", "", "")
	case p.ProtocolLevel == 3 && len(p.ClientID) > 23:
		f.Explanation = fmt.Sprintf("the client id is %d bytes long; MQTT 3.1 allows 1 to 23 characters", len(p.ClientID))
		f.Fix = fmt.Sprintf("use a client id of at most 23 characters, or switch to MQTT 3.1.1: %s", fixVersion(d, idx, 4))
	case !alnum(p.ClientID) || len(p.ClientID) > 23:
		f.Explanation = fmt.Sprintf("the client id %q (%d bytes) goes beyond what every server must accept: 1-23 bytes of 0-9a-zA-Z [MQTT-3.1.3-5]; this broker does not accept more", p.ClientID, len(p.ClientID))
		f.Fix = "use a client id of at most 23 letters and digits: " + fixConnect(d, idx, clip(onlyAlnum(p.ClientID), 23), "", "")
	default:
		f.Explanation = "the broker rejected a client id that follows the rules every server must accept; it may be in use by a client the broker forbids to take over, or outside the broker's allowed pattern"
		f.Fix = "check the broker's client id rules (prefixes, patterns, duplicates) and its log"
	}
	return f
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
func credentialsFix(d, idx string, p *mqtt.Packet, user, pass string) string {
	if p.PasswordFlag && len(p.Password) < len(pass) && strings.HasPrefix(pass, string(p.Password)) {
		return fmt.Sprintf("the module cut the password to %d bytes: use a password of at most %d bytes (change it on the broker, e.g. mosquitto_passwd), or a firmware whose buffer takes %d", len(p.Password), len(p.Password), len(pass))
	}
	if p.UsernameFlag && len(p.Username) < len(user) && strings.HasPrefix(user, p.Username) {
		return fmt.Sprintf("the module cut the username to %d bytes: use a username of at most %d bytes", len(p.Username), len(p.Username))
	}
	return "write the credentials so the module sends them unchanged (no escapes or quotes inside): " + fixConnect(d, idx, p.ClientID, user, pass)
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
