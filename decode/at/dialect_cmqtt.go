package at

import (
	"fmt"
	"strings"
)

// SIMCom "CMQTT" dialect (SIM7500/SIM7600, A7600/A7670, SIM7670). Sources
// (docs/at-dialects.md §3): SIM-ERR = SIMCom LTE AT manual mirror (error
// codes, URCs), SIM-SV = svebert/sim7600-mqtt mqtt.cpp, SIM-M4 =
// M4E5TR0-MUN1R/SIM7600 docs.

// cmqttErrors are SIMCom's MQTT error codes (SIM-ERR); 27–31 are CONNACK
// refusals 1–5 (code − 26).
var cmqttErrors = map[int]string{
	0: "ok", 1: "failed", 2: "bad UTF-8 string", 3: "sock connect fail", 4: "sock create fail",
	5: "sock close fail", 6: "message receive fail", 7: "network open fail", 8: "network close fail",
	9: "network not opened", 10: "client index error", 11: "no connection", 12: "invalid parameter",
	13: "not supported operation", 14: "client is busy", 15: "require connection fail",
	16: "sock sending fail", 17: "timeout", 18: "topic is empty", 19: "client is used",
	20: "client not acquired", 21: "client not released", 22: "length out of range",
	23: "network is opened", 24: "packet fail", 25: "DNS error", 26: "socket is closed by server",
	27: "connection refused: unaccepted protocol version", 28: "connection refused: identifier rejected",
	29: "connection refused: server unavailable", 30: "connection refused: bad user name or password",
	31: "connection refused: not authorized", 32: "handshake fail", 33: "certificate not set",
	34: "open SSL session failed",
}

// cmqttMeaning explains an <err> field, naming the CONNACK code behind
// 27–31.
func cmqttMeaning(what string) func(f map[string]string) string {
	return func(f map[string]string) string {
		v := f[ArgResult]
		n, ok := atoi(v)
		if !ok {
			return "unknown result " + v
		}
		if n == 0 {
			return what
		}
		w, ok := cmqttErrors[n]
		if !ok {
			return "unknown error " + v
		}
		if n >= 27 && n <= 31 {
			w += " (CONNACK return code " + itoa(n-26) + ")"
		}
		return w
	}
}

// cmqttFailure maps a SIMCom error code (SIM-ERR) to a failure kind;
// CONNACK refusals 1–5 come as error codes 27–31 (code − 26).
func cmqttFailure(code int) Failure {
	switch {
	case code == 0:
		return Failure{}
	case code >= 27 && code <= 31:
		return Failure{Kind: FailConnack, Connack: code - 26}
	case code == 3 || code == 4 || code == 7 || code == 9:
		return Failure{Kind: FailTCP}
	case code == 25:
		return Failure{Kind: FailDNS}
	case code >= 32 && code <= 34:
		return Failure{Kind: FailTLS}
	}
	return Failure{Kind: FailConnect}
}

// cmqttTLSFix says how to set the SSL context of a SIMCom connection up,
// naming the context AT+CMQTTSSLCFG gave the index (0 when none).
func cmqttTLSFix(idx string, before []Transaction, code int) string {
	ctx := "0"
	for i := range before {
		t := &before[i]
		if t.Name == "CMQTTSSLCFG" && strings.TrimSpace(t.Args[ArgConn]) == idx {
			if c := strings.TrimSpace(t.Args["ssl_ctx"]); c != "" {
				ctx = c
			}
		}
	}
	s := fmt.Sprintf("check the SSL context the connection uses (AT+CMQTTSSLCFG=%s,%s): the CA certificate must be the one that signed the broker's certificate (AT+CCERTDOWN, then AT+CSSLCFG=\"cacert\",%s,\"<ca>.pem\"), SNI on for cloud brokers (AT+CSSLCFG=\"enableSNI\",%s,1), a TLS version the broker accepts (AT+CSSLCFG=\"sslversion\",%s,4 = any), \"authmode\" matching the broker (2 plus \"clientcert\"/\"clientkey\" when it wants client certificates), and a valid clock or AT+CSSLCFG=\"ignorelocaltime\",%s,1",
		idx, ctx, ctx, ctx, ctx, ctx)
	if code == 33 {
		s = fmt.Sprintf("set the certificates first: AT+CCERTDOWN the CA file, then AT+CSSLCFG=\"cacert\",%s,\"<ca>.pem\"; ", ctx) + s
	}
	return s
}

// splitServerURL takes host and port out of "tcp://host:port" (SIM-M4:
// the scheme is tcp:// even for TLS).
func splitServerURL(a map[string]string) {
	u := a["server"]
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	u = strings.TrimSuffix(u, "/")
	if i := strings.LastIndexByte(u, ':'); i >= 0 && !strings.Contains(u[i:], "]") {
		a[ArgHost], a[ArgPort] = u[:i], u[i+1:]
	} else if u != "" {
		a[ArgHost] = u
	}
}

func init() {
	conn := ArgSpec{Key: ArgConn, Int: true, Min: 0, Max: 1, Source: "SIMCom: client_index 0–1"}
	qos := ArgSpec{Key: ArgQoS, Int: true, Min: 0, Max: 2}
	length := func(f []Field) int {
		if len(f) >= 2 && !f[1].Quoted {
			return DataLength
		}
		return DataNone
	}
	register(&Dialect{
		Name:     "cmqtt",
		Title:    "SIMCom CMQTT (SIM7500/SIM7600, A7600/A7670)",
		MaxConn:  1,
		Cellular: true,
		Failure: func(op Op, f map[string]string, refused bool) (Failure, bool) {
			if n, ok := intField(f, ArgResult); ok {
				return cmqttFailure(n), true
			}
			return Failure{}, false
		},
		TLSCommands: []string{"CSSLCFG", "CCERTDOWN"},
		Fix: Fixes{
			TLSProblem: cmqttTLSProblem,
			TLS:        cmqttTLSFix,
			Open: func(string, int) (string, bool) {
				return "check the host and port in the connect URL, the network registration (AT+CEREG?) and the data connection (AT+CGACT?, AT+CGPADDR), and that the broker listens on that address from the internet", false
			},
		},
		Notes: Notes{
			UnconfirmedTLS: ", where SIMCom reports 32 (handshake fail), 33 (certificate not set) or 34 (open SSL session failed) when the TLS setup is wrong",
		},
		Commands: map[string]*CommandSpec{
			"CMQTTSTART": {Name: "CMQTTSTART", Results: []string{"CMQTTSTART"}},
			"CMQTTSTOP":  {Name: "CMQTTSTOP", Results: []string{"CMQTTSTOP"}},
			"CMQTTACCQ": {Name: "CMQTTACCQ", Op: OpConfigure, MinArgs: 2,
				Args: []ArgSpec{conn, {Key: ArgClientID, String: true}, {Key: "server_type", Int: true, Min: 0, Max: 1, Source: "SIM-M4: 1 = SSL/TLS, 0 = TCP"}},
				TLS:  func(a map[string]string) bool { return strings.TrimSpace(a["server_type"]) == "1" },
				// +CMQTTACCQ: <idx>,<err> is printed on failure only.
				Results: []string{"CMQTTACCQ"}, Match: []string{ArgConn}, ResultWhen: func(map[string]string) bool { return false }},
			// +CMQTTREL: <idx>,<err> before ERROR is printed on failure
			// only (20 = client not acquired: nothing to release).
			"CMQTTREL": {Name: "CMQTTREL", MinArgs: 1, Args: []ArgSpec{conn},
				Results: []string{"CMQTTREL"}, Match: []string{ArgConn}, ResultWhen: func(map[string]string) bool { return false }},
			"CMQTTSSLCFG": {Name: "CMQTTSSLCFG", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: "ssl_ctx", Int: true}},
				TLS: func(map[string]string) bool { return true }},
			"CMQTTCFG": {Name: "CMQTTCFG", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{{Key: ArgOption, String: true}, conn},
				Options: map[string][]ArgSpec{"argtopic": {{Key: "topic_in_arg", Int: true}, {Key: "payload_in_arg", Int: true}}}},
			"CMQTTWILLTOPIC": {Name: "CMQTTWILLTOPIC", Op: OpConfigure, MinArgs: 2,
				Args: []ArgSpec{conn, {Key: ArgWillTopic, Int: true}}, Data: DataLength, LengthArg: ArgWillTopic, PayloadArg: ArgWillTopic},
			"CMQTTWILLMSG": {Name: "CMQTTWILLMSG", Op: OpConfigure, MinArgs: 3,
				Args: []ArgSpec{conn, {Key: ArgWillPayload, Int: true}, {Key: ArgWillQoS, Int: true, Min: 0, Max: 2}},
				Data: DataLength, LengthArg: ArgWillPayload, PayloadArg: ArgWillPayload},
			"CMQTTCONNECT": {Name: "CMQTTCONNECT", Op: OpConnect, MinArgs: 4,
				Args: []ArgSpec{conn, {Key: "server", String: true},
					{Key: ArgKeepAlive, Int: true, Min: 1, Max: 64800, Source: "SIMCom: keepalive 1–64800 s"},
					{Key: ArgCleanSession, Int: true, Min: 0, Max: 1},
					{Key: ArgUsername, String: true}, {Key: ArgPassword, String: true}},
				Derive:  splitServerURL,
				Results: []string{"CMQTTCONNECT"}, Match: []string{ArgConn}},
			"CMQTTDISC": {Name: "CMQTTDISC", Op: OpDisconnect, MinArgs: 1,
				Args:    []ArgSpec{conn, {Key: "timeout", Int: true, Min: 0, Max: 180}},
				Results: []string{"CMQTTDISC"}, Match: []string{ArgConn}},
			"CMQTTTOPIC": {Name: "CMQTTTOPIC", MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgTopic, Int: true}},
				Data: DataLength, LengthArg: ArgTopic, PayloadArg: ArgTopic, Stash: ArgTopic},
			"CMQTTPAYLOAD": {Name: "CMQTTPAYLOAD", MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgPayload, Int: true}},
				Data: DataLength, LengthArg: ArgPayload, Stash: ArgPayload},
			"CMQTTPUB": {Name: "CMQTTPUB", Op: OpPublish, MinArgs: 3,
				Args: []ArgSpec{conn, qos, {Key: "pub_timeout", Int: true, Min: 1, Max: 180},
					{Key: ArgRetain, Int: true, Min: 0, Max: 1}, {Key: "dup", Int: true, Min: 0, Max: 1}},
				Unstash: map[string]string{ArgTopic: ArgTopic, ArgPayload: ArgPayload},
				Results: []string{"CMQTTPUB"}, Match: []string{ArgConn}},
			"CMQTTSUBTOPIC": {Name: "CMQTTSUBTOPIC", MinArgs: 3, Args: []ArgSpec{conn, {Key: ArgTopic, Int: true}, qos},
				Data: DataLength, LengthArg: ArgTopic, PayloadArg: ArgTopic, Stash: "sub_topic"},
			// AT+CMQTTSUB=<idx>[,<dup>] after CMQTTSUBTOPIC; or
			// AT+CMQTTSUB=<idx>,<len>,<qos>[,<dup>] with the topic after '>';
			// some firmware takes AT+CMQTTSUB=<idx>,"<topic>",<qos> (SIM-M4).
			"CMQTTSUB": {Name: "CMQTTSUB", Op: OpSubscribe, MinArgs: 1,
				Args:     []ArgSpec{conn, {Key: ArgTopic, String: true}, qos, {Key: "dup", Int: true, Min: 0, Max: 1}},
				DataWhen: length, LengthArg: ArgTopic, PayloadArg: ArgTopic,
				Unstash: map[string]string{"sub_topic": ArgTopic},
				Results: []string{"CMQTTSUB"}, Match: []string{ArgConn}},
			"CMQTTUNSUBTOPIC": {Name: "CMQTTUNSUBTOPIC", MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgTopic, Int: true}},
				Data: DataLength, LengthArg: ArgTopic, PayloadArg: ArgTopic, Stash: "unsub_topic"},
			"CMQTTUNSUB": {Name: "CMQTTUNSUB", Op: OpUnsubscribe, MinArgs: 1,
				Args:     []ArgSpec{conn, {Key: ArgTopic, String: true}, {Key: "dup", Int: true, Min: 0, Max: 1}},
				DataWhen: length, LengthArg: ArgTopic, PayloadArg: ArgTopic,
				Unstash: map[string]string{"unsub_topic": ArgTopic},
				Results: []string{"CMQTTUNSUB"}, Match: []string{ArgConn}},
		},
		URCs: map[string]*URCSpec{
			"CMQTTSTART":   {Name: "CMQTTSTART", Fields: []string{ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("MQTT service started")},
			"CMQTTSTOP":    {Name: "CMQTTSTOP", Fields: []string{ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("MQTT service stopped")},
			"CMQTTACCQ":    {Name: "CMQTTACCQ", Op: OpConfigure, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("client acquired")},
			"CMQTTREL":     {Name: "CMQTTREL", Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("client released")},
			"CMQTTCONNECT": {Name: "CMQTTCONNECT", Op: OpConnect, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("connected (CONNACK accepted)")},
			"CMQTTDISC":    {Name: "CMQTTDISC", Op: OpDisconnect, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("disconnected")},
			"CMQTTSUB":     {Name: "CMQTTSUB", Op: OpSubscribe, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("subscribed")},
			"CMQTTUNSUB":   {Name: "CMQTTUNSUB", Op: OpUnsubscribe, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("unsubscribed")},
			"CMQTTPUB":     {Name: "CMQTTPUB", Op: OpPublish, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: cmqttMeaning("published")},
			"CMQTTCONNLOST": {Name: "CMQTTCONNLOST", Op: OpStatus, Event: true, Fields: []string{ArgConn, "cause"}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string {
					return "connection lost: " + lookupWord(map[int]string{1: "socket closed passively", 2: "socket reset", 3: "network closed"}, f["cause"], "cause")
				}},
			"CMQTTPING": {Name: "CMQTTPING", Op: OpStatus, Event: true, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string { return "keep-alive ping failed: " + cmqttMeaning("ok")(f) }},
			"CMQTTNONET": {Name: "CMQTTNONET", Op: OpStatus, Event: true, PayloadFrom: -1,
				Meaning: func(map[string]string) string { return "network lost: restart with AT+CMQTTSTART" }},
			"CMQTTRXSTART": {Name: "CMQTTRXSTART", Op: OpReceive, Event: true, BlockStart: true,
				Fields: []string{ArgConn, "topic_total_len", "payload_total_len"}, PayloadFrom: -1,
				Meaning: func(map[string]string) string { return "message received" }},
			"CMQTTRXTOPIC": {Name: "CMQTTRXTOPIC", Op: OpReceive, Event: true, Fields: []string{ArgConn, "sub_topic_len"},
				PayloadFrom: -1, FollowLen: "sub_topic_len", FollowKey: ArgTopic},
			"CMQTTRXPAYLOAD": {Name: "CMQTTRXPAYLOAD", Op: OpReceive, Event: true, Fields: []string{ArgConn, "sub_payload_len"},
				PayloadFrom: -1, FollowLen: "sub_payload_len", FollowKey: ArgPayload},
			"CMQTTRXEND": {Name: "CMQTTRXEND", Op: OpReceive, Event: true, Fields: []string{ArgConn}, PayloadFrom: -1, BlockEnd: true,
				Meaning: func(map[string]string) string { return "message received" }},
		},
	})
}
