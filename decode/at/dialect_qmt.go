package at

import "strings"

// Quectel "QMT" dialect (EC2x/EG9x/EC200/EC800/BG9x/BC2x/BC66/M95/MC60).
// Sources (docs/at-dialects.md §2): QUEC-UFP = quectel-develop/
// user-friendly-project ql_mqtt.c/ql_mqtt.h, BG9X-RS = jcmendez/
// quectel-bg9x-atat responses.rs/mod.rs/types.rs, LOOUQ = LooUQ_LTEmC,
// BC20-BLOG.

func init() {
	conn := ArgSpec{Key: ArgConn, Int: true, Min: 0, Max: 5, Source: "QUEC-UFP: client_idx 0–5 (MQTT_MAX_CLIENT_IDX 6)"}
	qos := ArgSpec{Key: ArgQoS, Int: true, Min: 0, Max: 2}
	sendResult := func(what string) func(f map[string]string) string {
		return func(f map[string]string) string {
			switch f[ArgResult] {
			case "0":
				return what
			case "1":
				m := "packet retransmitted"
				if f[ArgValue] != "" {
					m += " (" + f[ArgValue] + " times)"
				}
				return m
			case "2":
				return "failed to send packet"
			}
			return "unknown result " + f[ArgResult]
		}
	}
	// Result 1 reports a retransmission while the module keeps trying
	// (QUEC-UFP): it decides nothing yet.
	unlessRetransmitted := func(decide func(f map[string]string) Outcome) func(f map[string]string) Outcome {
		return func(f map[string]string) Outcome {
			if f[ArgResult] == "1" {
				return OutcomePending
			}
			return decide(f)
		}
	}
	sendOutcome := unlessRetransmitted(resultFieldOutcome)
	// Publish: inline payload (quoted 6th field), data mode with a
	// declared length (unquoted 6th field, AT+QMTPUBEX), or prompt + Ctrl-Z
	// (no 6th field).
	pubData := func(f []Field) int {
		if len(f) <= 5 {
			return DataCtrlZ
		}
		if !f[5].Quoted {
			if _, ok := atoi(f[5].Value); ok {
				return DataLength
			}
		}
		return DataNone
	}
	pubArgs := []ArgSpec{conn, {Key: ArgMsgID, Int: true, Min: 0, Max: 65535}, qos,
		{Key: ArgRetain, Int: true, Min: 0, Max: 1}, {Key: ArgTopic, String: true}, {Key: ArgPayload, String: true}}
	register(&Dialect{
		Name:    "qmt",
		Title:   "Quectel QMT (EC2x, EG9x, EC200, BG9x, BC2x)",
		MaxConn: 5,
		// BG9X-RS types.rs: MQTT 3.1 on BG9x; QUEC-UFP: keepalive 120 s.
		Defaults: Defaults{Version: MQTT31, KeepAlive: 120},
		Cellular: true,
		Failure: func(op Op, f map[string]string, refused bool) (Failure, bool) {
			res, ok := intField(f, ArgResult)
			switch {
			case ok && op == OpConnect && res == 1 && !refused:
				return Failure{}, true // "+QMTCONN: 0,1": CONNECT retransmitted, no verdict yet
			case ok && op == OpOpen && res == 4:
				return Failure{Kind: FailDNS}, true // failed to parse domain name
			}
			return Failure{}, false
		},
		TLSCommands: []string{"QSSLCFG"},
		Fix: Fixes{
			Version:    func(idx string, v MQTTVersion) string { return cfgFix("QMTCFG", "version", idx, int(v)) },
			Session:    func(idx string, clean bool) string { return cfgFix("QMTCFG", "session", idx, b2i(clean)) },
			KeepAlive:  func(idx string, secs int) string { return cfgFix("QMTCFG", "keepalive", idx, secs) },
			Connect:    connFix("QMTCONN"),
			Subscribe:  subFix("QMTSUB"),
			TLSProblem: qmtTLSProblem,
			TLS: func(string, []Transaction, int) string {
				return "check the SSL context AT+QMTCFG=\"SSL\" names: AT+QSSLCFG \"cacert\" (the CA that signed the broker's certificate), \"clientcert\"/\"clientkey\" when the broker wants them, \"seclevel\", \"sslversion\" 4 (any) and \"ciphersuite\" 0XFFFF (no quotes), with certificates uploaded at their exact size"
			},
			// QMTOPEN results (BG9X-RS): 1 wrong parameter, 2 identifier
			// occupied, 3 PDP activation failed.
			Open: func(idx string, code int) (string, bool) {
				switch code {
				case 1:
					return "check the open command's parameters (host in quotes, port 1-65535) and the QMTCFG settings of the index", true
				case 2:
					return "the connection index is still in use: close it first with AT+QMTCLOSE=" + idx, true
				case 3:
					return "activate the PDP context first (AT+QIACT=1; check the APN with AT+QICSGP) and check AT+CEREG?", true
				}
				return "", false
			},
		},
		Notes: Notes{
			OpenFailedTLS:    "a QMTOPEN -1 on a TLS connection is most often the TLS setup — certificates not matching the broker, uploaded with the wrong byte count (the count must be the file's length with its CR LF line endings), or the wrong SSL context",
			OpenFailedTLSFix: "check the TLS setup: upload each certificate with its exact size (AT+QFUPL=\"<file>\",<bytes with CR LF>), point AT+QSSLCFG \"cacert\"/\"clientcert\"/\"clientkey\" of the SSL context AT+QMTCFG=\"SSL\" names at them, and use \"seclevel\" 2 for a broker needing client certificates; then check the host and port, AT+CEREG? and AT+QIACT?",
		},
		Limits: map[string]Limit{
			ArgTopic:   {Max: 128, Source: "BG9X-RS crate limit: topic ≤128"},
			ArgPayload: {Max: 1024, Source: "BG9X-RS crate limit: payload ≤1024"},
		},
		Commands: map[string]*CommandSpec{
			"QMTCFG": {Name: "QMTCFG", Op: OpConfigure, MinArgs: 2, TLS: optionIs("ssl"),
				Args: []ArgSpec{{Key: ArgOption, String: true}, conn},
				Options: map[string][]ArgSpec{
					"pdpcid":    {{Key: "pdp_cid", Int: true, Min: 1, Max: 16}},
					"keepalive": {{Key: ArgKeepAlive, Int: true, Min: 0, Max: 3600, Source: "QUEC-UFP: keepalive 0–3600 s, default 120"}},
					"session":   {{Key: ArgCleanSession, Int: true, Min: 0, Max: 1}},
					"timeout": {{Key: "pkt_timeout", Int: true, Min: 1, Max: 60}, {Key: "retry_times", Int: true, Min: 0, Max: 10},
						{Key: "timeout_notice", Int: true, Min: 0, Max: 1}},
					"will": {{Key: "will_flag", Int: true, Min: 0, Max: 1}, {Key: ArgWillQoS, Int: true, Min: 0, Max: 2},
						{Key: ArgWillRetain, Int: true, Min: 0, Max: 1}, {Key: ArgWillTopic, String: true}, {Key: ArgWillPayload, String: true}},
					"version":    {{Key: ArgVersion, Int: true, Min: 3, Max: 4, Source: "BG9X-RS types.rs: 3 = MQTT 3.1 (BG9x default), 4 = 3.1.1"}},
					"ssl":        {{Key: "ssl_enable", Int: true, Min: 0, Max: 1}, {Key: "ssl_ctx", Int: true, Min: 0, Max: 5}},
					"aliauth":    {{Key: "product_key", String: true}, {Key: "device_name", String: true}, {Key: "device_secret", String: true}},
					"recv/mode":  {{Key: "recv_mode", Int: true, Min: 0, Max: 1}, {Key: "recv_len_enable", Int: true, Min: 0, Max: 1}},
					"dataformat": {{Key: "send_format", Int: true, Min: 0, Max: 1}, {Key: "recv_format", Int: true, Min: 0, Max: 1}},
				},
			},
			"QMTOPEN": {Name: "QMTOPEN", Op: OpOpen, MinArgs: 3,
				Args:    []ArgSpec{conn, {Key: ArgHost, String: true}, {Key: ArgPort, Int: true, Min: 0, Max: 65535}},
				Results: []string{"QMTOPEN"}, Match: []string{ArgConn}},
			"QMTCONN": {Name: "QMTCONN", Op: OpConnect, MinArgs: 2,
				Args:    []ArgSpec{conn, {Key: ArgClientID, String: true}, {Key: ArgUsername, String: true}, {Key: ArgPassword, String: true}},
				Results: []string{"QMTCONN"}, Match: []string{ArgConn}},
			"QMTSUB": {Name: "QMTSUB", Op: OpSubscribe, MinArgs: 4,
				Args:    []ArgSpec{conn, {Key: ArgMsgID, Int: true, Min: 1, Max: 65535}, {Key: ArgTopic, String: true}, qos},
				Results: []string{"QMTSUB"}, Match: []string{ArgConn, ArgMsgID}},
			"QMTUNS": {Name: "QMTUNS", Op: OpUnsubscribe, MinArgs: 3,
				Args:    []ArgSpec{conn, {Key: ArgMsgID, Int: true, Min: 1, Max: 65535}, {Key: ArgTopic, String: true}},
				Results: []string{"QMTUNS"}, Match: []string{ArgConn, ArgMsgID}},
			"QMTPUB": {Name: "QMTPUB", Op: OpPublish, MinArgs: 5, Args: pubArgs, DataWhen: pubData, LengthArg: ArgPayload,
				Results: []string{"QMTPUB"}, Match: []string{ArgConn, ArgMsgID}},
			"QMTPUBEX": {Name: "QMTPUBEX", Op: OpPublish, MinArgs: 5, Args: pubArgs, DataWhen: pubData, LengthArg: ArgPayload,
				Results: []string{"QMTPUBEX", "QMTPUB"}, Match: []string{ArgConn, ArgMsgID}},
			"QMTDISC": {Name: "QMTDISC", Op: OpDisconnect, MinArgs: 1, Args: []ArgSpec{conn},
				Results: []string{"QMTDISC"}, Match: []string{ArgConn}},
			"QMTCLOSE": {Name: "QMTCLOSE", Op: OpClose, MinArgs: 1, Args: []ArgSpec{conn},
				Results: []string{"QMTCLOSE"}, Match: []string{ArgConn}},
		},
		URCs: map[string]*URCSpec{
			"QMTOPEN": {Name: "QMTOPEN", Op: OpOpen, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string {
					return lookupWord(map[int]string{
						-1: "failed to open network",
						0:  "network opened (TCP/TLS up; no MQTT packet yet)",
						1:  "wrong parameter",
						2:  "MQTT identifier is occupied (close it with AT+QMTCLOSE)",
						3:  "failed to activate PDP",
						4:  "failed to parse domain name",
						5:  "network connection error",
					}, f[ArgResult], "unknown result")
				}},
			"QMTCONN": {Name: "QMTCONN", Op: OpConnect, Fields: []string{ArgConn, ArgResult, ArgReturnCode}, PayloadFrom: -1,
				Outcome: unlessRetransmitted(connackOutcome), ResultNeeds: ArgReturnCode,
				Meaning: func(f map[string]string) string {
					switch f[ArgResult] {
					case "0":
						if f[ArgReturnCode] == "" {
							return "CONNECT sent and CONNACK received"
						}
						return "CONNACK " + connackMeaning(f[ArgReturnCode])
					case "1":
						return "CONNECT retransmitted"
					case "2":
						return "failed to send CONNECT"
					}
					return "unknown result " + f[ArgResult]
				}},
			"QMTSUB": {Name: "QMTSUB", Op: OpSubscribe, Fields: []string{ArgConn, ArgMsgID, ArgResult, ArgValue}, PayloadFrom: -1,
				Outcome: unlessRetransmitted(subackOutcome),
				Meaning: func(f map[string]string) string {
					if f[ArgResult] == "0" {
						if f[ArgValue] == "128" {
							// SUBACK 0x80 [MQTT-3.9.3]: failure
							return "subscription rejected by the server (SUBACK 0x80)"
						}
						if f[ArgValue] != "" {
							return "subscribed, granted QoS " + f[ArgValue]
						}
						return "subscribed"
					}
					return sendResult("subscribed")(f)
				}},
			"QMTUNS":   {Name: "QMTUNS", Op: OpUnsubscribe, Fields: []string{ArgConn, ArgMsgID, ArgResult}, PayloadFrom: -1, Meaning: sendResult("unsubscribed"), Outcome: sendOutcome},
			"QMTPUB":   {Name: "QMTPUB", Op: OpPublish, Fields: []string{ArgConn, ArgMsgID, ArgResult, ArgValue}, PayloadFrom: -1, Meaning: sendResult("published"), Outcome: sendOutcome},
			"QMTPUBEX": {Name: "QMTPUBEX", Op: OpPublish, Fields: []string{ArgConn, ArgMsgID, ArgResult, ArgValue}, PayloadFrom: -1, Meaning: sendResult("published"), Outcome: sendOutcome},
			"QMTDISC":  {Name: "QMTDISC", Op: OpDisconnect, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: okFailMeaning("disconnected")},
			"QMTCLOSE": {Name: "QMTCLOSE", Op: OpClose, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: okFailMeaning("network closed")},
			"QMTSTAT": {Name: "QMTSTAT", Op: OpStatus, Event: true, Fields: []string{ArgConn, "err_code"}, PayloadFrom: -1,
				// err_code (BG9X-RS): 2 = PINGREQ timed out, 5 = the client
				// disconnected (normal).
				Status: func(f map[string]string) StatusKind {
					switch strings.TrimSpace(f["err_code"]) {
					case "2":
						return StatusKeepalive
					case "5":
						return StatusNormal
					}
					return StatusLost
				},
				Meaning: func(f map[string]string) string {
					return lookupWord(map[int]string{
						1: "connection closed or reset by peer (reopen with AT+QMTOPEN)",
						2: "PINGREQ timed out or failed to send (reactivate PDP, reopen)",
						3: "CONNECT timed out or failed to send (check user name, password, client id)",
						4: "CONNACK timed out or failed (check user name, password, client id)",
						5: "client sent DISCONNECT and the server closed the connection (normal)",
						6: "client closed the connection: sending kept failing",
						7: "link not alive or server unavailable",
						8: "client closed the MQTT connection",
					}, f["err_code"], "status")
				}},
			"QMTRECV": {Name: "QMTRECV", Op: OpReceive, Event: true, Fields: []string{ArgConn, ArgMsgID, ArgTopic, ArgPayload},
				PayloadFrom: 3,
				Meaning:     func(f map[string]string) string { return "message received on " + f[ArgTopic] }},
		},
	})
}
