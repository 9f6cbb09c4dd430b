package correlate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// refusal is one refused connect however atmq learnt of it: the wire's
// CONNACK, or the module's result URC (or unsolicited URC, or final
// result) carrying the CONNACK's code — the dialect maps vendor codes
// (SIMCom 27–31) to it. One cause function (cause) explains both, from
// what the CONNECT carried: the wire's packet when the capture holds it,
// else what the log asked the module to send.
type refusal struct {
	code int  // CONNACK return code (3.x) or reason code (5.0)
	v5   bool // code is a 5.0 reason code
	// connect is the CONNECT as the capture holds it; nil when only the
	// log tells of the refusal.
	connect *mqtt.Packet
	// intent is what the log says the CONNECT was to carry.
	intent connectIntent
	d      *at.Dialect
	idx    string // the connection index, for fixes
	// peers are CONNECTs of other clients the same broker accepted.
	peers []*mqtt.Packet
}

// connectIntent is what the serial log says a CONNECT was to carry.
type connectIntent struct {
	// known: a connect command gave the connection's settings, so an
	// absent username means none was given.
	known             bool
	clientID          string
	user, pass        string
	hasUser, hasPass  bool
	version           at.MQTTVersion // set by a configure command, else 0
	versionConfigured bool
}

// intentOf reads what a connect command asked for (t may be nil).
func intentOf(t *at.Transaction) connectIntent {
	var in connectIntent
	if t == nil {
		return in
	}
	in.known = t.Op == at.OpConnect
	in.clientID, _ = arg(t.Args, at.ArgClientID)
	in.user, in.hasUser = arg(t.Args, at.ArgUsername)
	in.pass, in.hasPass = arg(t.Args, at.ArgPassword)
	if t.Config != nil && t.Config.Version != nil {
		in.version, in.versionConfigured = at.MQTTVersion(*t.Config.Version), true
	}
	return in
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

// refusedAuthMethod: MQTT 5.0 "bad authentication method" (§4.12).
func refusedAuthMethod(v5 bool, code int) bool { return v5 && code == 0x8C }

// sentVersion is the protocol level the CONNECT carried: the wire's, else
// the configured one, else the firmware's default (0 when unknown).
func (r *refusal) sentVersion() at.MQTTVersion {
	switch {
	case r.connect != nil:
		return at.MQTTVersion(r.connect.ProtocolLevel)
	case r.intent.versionConfigured:
		return r.intent.version
	}
	return r.d.DefaultVersion()
}

// authMethod is the MQTT 5.0 Authentication Method the CONNECT named.
func (r *refusal) authMethod() (string, bool) {
	if r.connect == nil {
		return "", false
	}
	for _, pr := range r.connect.Properties {
		if pr.ID == mqtt.PropAuthenticationMethod {
			s, _ := pr.Value.(string)
			return s, true
		}
	}
	return "", false
}

// cause picks the most specific cause the evidence supports (Code "" when
// none) and gives why the code refuses (for explanations resting on the
// log alone) and the fix to give when no cause is found.
func (r *refusal) cause() (cause Finding, why, fix string) {
	why, fix = r.generic()
	switch {
	case refusedVersion(r.v5, r.code):
		return r.versionCause(), why, fix
	case refusedClientID(r.v5, r.code):
		return r.clientIDCause(), why, fix
	case refusedAuthMethod(r.v5, r.code):
		// The CONNECT's Authentication Method, not missing credentials,
		// decides a 0x8C.
		if m, ok := r.authMethod(); ok {
			return Finding{}, why, fmt.Sprintf("the broker does not support the authentication method %q the CONNECT named: use one it supports (see its configuration), or leave the Authentication Method out and authenticate with username and password", m)
		}
		return Finding{}, why, "the broker wants MQTT 5.0 enhanced authentication: give the CONNECT the Authentication Method (and data) it supports"
	case refusedAuth(r.v5, r.code):
		return r.authCause(), why, fix
	}
	return Finding{}, why, fix
}

// generic is why the code refuses and the fix when nothing more specific
// is known: the broker-side fix when the wire shows the CONNECT went out,
// else advice resting on the code and the log.
func (r *refusal) generic() (why, fix string) {
	if r.connect != nil {
		return mqttRefusalWords(r.v5, r.code), brokerFix(r.v5, r.code)
	}
	d, idx, in := r.d, r.idx, r.intent
	cid := in.clientID
	switch r.code {
	case 1:
		return "unacceptable protocol version: the broker does not speak the MQTT version the module sent",
			d.FixVersion(idx, at.MQTT311) + " (MQTT 3.1.1), before the connect command"
	case 2:
		why := "identifier rejected: the broker does not accept this client id — in use by a client it will not let be taken over, beyond the 1-23 letters and digits every server must accept [MQTT-3.1.3-5], empty with clean session off [MQTT-3.1.3-8], or not the id the platform registered for the device"
		if cid != "" {
			why = fmt.Sprintf("identifier rejected: the broker does not accept the client id %q — in use by a client it will not let be taken over, beyond the 1-23 letters and digits every server must accept [MQTT-3.1.3-5], or not the id the platform registered for the device", cid)
		}
		return why, "use the client id the platform registered for the device, unique per device (1-23 letters and digits are safe everywhere); ThingsBoard answers 2 when no access token comes as username and the client id matches no device, so give the token: " + d.FixConnect(idx, orDefault(clip(onlyAlnum(cid), 23), "<client id>"), orDefault(in.user, "<access token>"), "")
	case 3:
		return "server unavailable: the broker is up but does not serve MQTT clients now", "check the broker's state and log, then retry"
	case 4:
		return "bad user name or password: the credentials reached the broker and it rejected them",
			"check the username and password against the broker's user list; cloud platforms want signed credentials in their own form (Aliyun, Tencent, Azure, OneNET): " + d.FixConnect(idx, orDefault(cid, "<client id>"), "<user>", "<password>")
	case 5:
		why := "not authorized: the broker refuses this client — no or wrong credentials, or a client id or ACL rule it does not allow"
		if in.known && in.user == "" {
			why += "; the connect command gives no username"
		}
		return why, "give the credentials the broker expects (ThingsBoard: the device's access token as the MQTT username; cloud platforms: their signed username/password): " + d.FixConnect(idx, orDefault(cid, "<client id>"), "<user or access token>", "<password>")
	}
	return "refused", "read the broker's log for the reason of the refusal"
}

// mqttRefusalWords names a refusal code in decode/mqtt's words.
func mqttRefusalWords(v5 bool, code int) string {
	if v5 {
		return mqtt.ReasonCode(byte(code)).Reason
	}
	return mqtt.ConnackReturnCode(byte(code)).Reason
}

// versionCause explains an "unacceptable protocol version" refusal.
func (r *refusal) versionCause() Finding {
	d, idx := r.d, r.idx
	sent := r.sentVersion()
	want := at.MQTT311
	if vs := peerVersions(r.peers); len(vs) == 1 {
		want = at.MQTTVersion(vs[0])
	} else if sent == at.MQTT311 {
		want = at.MQTT31
	}
	p := r.connect
	if p == nil {
		return Finding{
			Code:        CodeProtocolVersion,
			Summary:     "the broker does not accept the MQTT version the module sent",
			Explanation: fmt.Sprintf("return code 1: unacceptable protocol version; the module was set to send %s", versionOrUnknown(int(sent))),
			Fix:         d.FixVersion(idx, want),
		}
	}
	why := ""
	if r.intent.versionConfigured {
		why = fmt.Sprintf(" (set by the configure command to %d)", int(r.intent.version))
	} else if dv := d.DefaultVersion(); dv != 0 && sent == dv {
		why = fmt.Sprintf(" (the %s firmware's default when no version is configured)", d.Label())
	}
	return Finding{
		Code:        CodeProtocolVersion,
		Summary:     fmt.Sprintf("the broker does not accept MQTT %s, the version the module sent", sent),
		Explanation: fmt.Sprintf("the CONNECT carried protocol name %q level %d%s; the broker answered \"unacceptable protocol version\" [MQTT-3.1.2-2]", p.ProtocolName, p.ProtocolLevel, why),
		Fix:         fmt.Sprintf("%s (MQTT %s), before the connect command", d.FixVersion(idx, want), want),
	}
}

func versionOrUnknown(v int) string {
	if v == 0 {
		return "an unknown version (dialect default)"
	}
	return "MQTT " + versionName(v) + " (level " + strconv.Itoa(v) + ")"
}

// clientIDCause explains an "identifier rejected" refusal.
func (r *refusal) clientIDCause() Finding {
	d, idx := r.d, r.idx
	p := r.connect
	if p == nil {
		if !r.intent.known {
			return Finding{} // the log does not say which id was sent
		}
		cid := r.intent.clientID
		f := Finding{Code: CodeClientIDRejected, Summary: fmt.Sprintf("the broker rejected the client id %q", cid),
			Explanation: "return code 2: identifier rejected",
			Fix:         "use a client id of 1-23 letters and digits: " + d.FixConnect(idx, clip(onlyAlnum(cid), 23), r.intent.user, "")}
		if cid == "" {
			f.Explanation += "; the client id is empty, which a broker refuses when clean session is off [MQTT-3.1.3-8]"
			f.Fix = d.FixSession(idx, true) + " or " + d.FixConnect(idx, "dev-<IMEI>", r.intent.user, "")
		}
		return f
	}
	f := Finding{Code: CodeClientIDRejected, Summary: fmt.Sprintf("the broker rejected the client id %q", p.ClientID)}
	switch {
	case p.ClientID == "" && !p.CleanSession:
		f.Summary = "empty client id with clean session off"
		f.Explanation = "the CONNECT carried a zero-length client id with clean session 0; a server must refuse that with return code 2 [MQTT-3.1.3-8], since a session without an id cannot be resumed"
		f.Fix = fmt.Sprintf("give the module a client id: %s — or turn clean session on: %s", d.FixConnect(idx, "dev-<IMEI>", "", ""), d.FixSession(idx, true))
	case p.ClientID == "":
		f.Summary = "empty client id refused"
		f.Explanation = "the CONNECT carried a zero-length client id; servers may refuse it [MQTT-3.1.3-6]"
		f.Fix = "give the module a client id: " + d.FixConnect(idx, "dev-<IMEI>", "", "")
	case p.ProtocolLevel == 3 && len(p.ClientID) > 23:
		f.Explanation = fmt.Sprintf("the client id is %d bytes long; MQTT 3.1 allows 1 to 23 characters", len(p.ClientID))
		f.Fix = fmt.Sprintf("use a client id of at most 23 characters, or switch to MQTT 3.1.1: %s", d.FixVersion(idx, at.MQTT311))
	case !alnum(p.ClientID) || len(p.ClientID) > 23:
		f.Explanation = fmt.Sprintf("the client id %q (%d bytes) goes beyond what every server must accept: 1-23 bytes of 0-9a-zA-Z [MQTT-3.1.3-5]; this broker does not accept more", p.ClientID, len(p.ClientID))
		f.Fix = "use a client id of at most 23 letters and digits: " + d.FixConnect(idx, clip(onlyAlnum(p.ClientID), 23), "", "")
	default:
		f.Explanation = "the broker rejected a client id that follows the rules every server must accept; it may be in use by a client the broker forbids to take over, or outside the broker's allowed pattern"
		f.Fix = "check the broker's client id rules (prefixes, patterns, duplicates) and its log"
	}
	return f
}

// authCause explains a "bad user name or password" / "not authorized"
// refusal by what the CONNECT carried: credentials are a username, a
// password or an MQTT 5.0 Authentication Method.
func (r *refusal) authCause() Finding {
	d, idx, in := r.d, r.idx, r.intent
	p := r.connect
	if p == nil {
		if in.known && (!in.hasUser || in.user == "") {
			return Finding{
				Code:        CodeNoCredentials,
				Summary:     "the connect command gives no username or password and the broker requires them",
				Explanation: fmt.Sprintf("return code %d (%s) to a connect without credentials", r.code, mqttRefusalWords(r.v5, r.code)),
				Fix:         d.FixConnect(idx, in.clientID, "<user>", "<password>") + " — or, broker side, allow anonymous clients (mosquitto: `allow_anonymous true`)",
			}
		}
		return Finding{}
	}
	_, enhanced := r.authMethod()
	if !p.UsernameFlag && !p.PasswordFlag && !enhanced {
		if (in.hasUser && in.user != "") || (in.hasPass && in.pass != "") {
			return Finding{
				Code:        CodeCredentialsMismatch,
				Summary:     "the connect command gave credentials but the CONNECT carried none",
				Explanation: fmt.Sprintf("the command set username %q and a password of %d bytes, yet the CONNECT has neither the username nor the password flag", in.user, len(in.pass)),
				Fix:         "check that the firmware takes credentials in this command form: " + d.FixConnect(idx, p.ClientID, in.user, in.pass),
			}
		}
		// The same broker accepting other clients without credentials
		// rules out "anonymous refused": look for what else differs (the
		// client id) below.
		if !anonymousAccepted(r.peers) {
			what := "the connect command gave no credentials"
			if !in.known {
				what = "the module sent no credentials"
			}
			return Finding{
				Code:        CodeNoCredentials,
				Summary:     "the CONNECT carried no username or password and the broker requires them",
				Explanation: what + ", so the CONNECT had neither the username nor the password flag; the broker refuses anonymous clients",
				Fix:         d.FixConnect(idx, p.ClientID, "<user>", "<password>") + " — or, broker side, allow anonymous clients (mosquitto: `allow_anonymous true`)",
			}
		}
	}
	if in.known {
		if f, ok := credentialsDiff(p, in.user, in.hasUser, in.pass, in.hasPass); ok {
			f.Fix = credentialsFix(d, idx, p, in.user, in.pass)
			return f
		}
	}
	if prefix := commonClientIDPrefix(r.peers); prefix != "" && !strings.HasPrefix(p.ClientID, prefix) {
		return Finding{
			Code:        CodeClientIDRejected,
			Summary:     fmt.Sprintf("the client id %q lacks the prefix %q every accepted client uses", p.ClientID, prefix),
			Explanation: fmt.Sprintf("the credentials on the wire match the command, but every client this broker accepted has a client id starting with %q; brokers restricting client ids (mosquitto `clientid_prefixes`) refuse others as not authorized", prefix),
			Fix:         d.FixConnect(idx, prefix+p.ClientID, in.user, in.pass) + fmt.Sprintf(" — or, broker side, lift the client id restriction (mosquitto: remove `clientid_prefixes %s`)", prefix),
		}
	}
	return Finding{}
}
