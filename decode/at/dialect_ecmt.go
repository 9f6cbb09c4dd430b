package at

// Eigencomm "ECMT" dialect (EC616/EC616S, EC626, EC618/EC718 AT builds;
// NT35E, Air302, EC-01G). Sources (docs/at-dialects.md §1): EC616-SRC =
// Eigencomm's own AT code (atec_mqtt.c, atec_mqtt.h,
// atec_mqtt_cnf_ind.c, at_mqtt_task.c), EC-DOC = "NB-IOT系列模组 AT指令集
// V1.0" §3.5, NT35E = greatytc.com/p/10e86065e38a, EC626-RPT.

func init() {
	conn := ArgSpec{Key: ArgConn, Int: true, Min: 0, Max: 4, Source: "NT35E: tcpconnectID 0~4 (EC616-SRC: one context, index 0)"}
	qos := ArgSpec{Key: ArgQoS, Int: true, Min: 0, Max: 2, Source: "EC-DOC: qos 0, 1 or 2"}
	sendResult := func(what string) func(f map[string]string) string {
		return func(f map[string]string) string {
			switch f[ArgResult] {
			case "0":
				return what + " (ACK received)"
			case "1":
				return "ACK error: the reply could not be decoded"
			case "2":
				return "send failed"
			}
			return "unknown result " + f[ArgResult]
		}
	}
	register(&Dialect{
		Name:    "ecmt",
		Title:   "Eigencomm ECMT (EC616/EC626/EC618/EC718, NT35E, Air302)",
		MaxConn: 4,
		// EC616-SRC mqttCreateContext: MQTT 3.1.1, keepalive 120 s.
		Defaults: Defaults{Version: MQTT311, KeepAlive: 120},
		Cellular: true,
		// AT+ECMTPUB's retain field is retain + 10 × RAI (EC616-SRC
		// retainOrRai%10).
		Retain: func(v int) bool { return v%10 != 0 },
		Fix: Fixes{
			Version:    func(idx string, v MQTTVersion) string { return cfgFix("ECMTCFG", "version", idx, int(v)) },
			Session:    func(idx string, clean bool) string { return cfgFix("ECMTCFG", "session", idx, b2i(clean)) },
			KeepAlive:  func(idx string, secs int) string { return cfgFix("ECMTCFG", "keepalive", idx, secs) },
			Connect:    connFix("ECMTCONN"),
			Subscribe:  subFix("ECMTSUB"),
			TLSProblem: ecmtTLSProblem,
			TLS: func(string, []Transaction, int) string {
				return "check AT+ECMTCFG=\"ssl\",<idx>,\"<ca>\",\"<client cert>\",\"<client key>\": the CA must have signed the broker's certificate, and the port must be the broker's TLS port"
			},
		},
		Notes: Notes{
			ConnectFailed: func(where string, noWire func(string) string) string {
				return where + ": the module could not send the CONNECT over the connection AT+ECMTOPEN opened; " + noWire("the capture shows no TCP, TLS or MQTT evidence for it")
			},
			ConnectFailedFix: "capture the network side (atmq analyze --pcap) to see whether and how the CONNECT went out; check that the open succeeded and that the TLS configuration (AT+ECMTCFG=\"ssl\",…) matches the broker's port; if it does and the CONNECT still cannot be sent, update the module's firmware",
			ContradictedTLS:  " — EC626 firmware has been reported to lose the TLS context at this step and send the CONNECT in plain TCP to the TLS port",
		},
		Limits: map[string]Limit{
			// atec_mqtt.h buffers hold 49/49/129 bytes including the NUL;
			// EC-DOC documents 48/48/96.
			ArgClientID:    {Max: 48, Source: "EC-DOC ≤48; EC616-SRC atec_mqtt.h buffer 49 incl. NUL"},
			ArgUsername:    {Max: 48, Source: "EC-DOC ≤48; EC616-SRC atec_mqtt.h buffer 49 incl. NUL"},
			ArgPassword:    {Max: 128, Doc: 96, Source: "EC-DOC ≤96; EC616-SRC atec_mqtt.h buffer 129 incl. NUL"},
			ArgHost:        {Max: 128, Source: "EC616-SRC host ≤128 (EC-DOC: 100)"},
			ArgTopic:       {Max: 256, Source: "EC616-SRC/EC-DOC topic ≤256"},
			ArgWillTopic:   {Max: 256, Source: "EC616-SRC will_topic ≤256"},
			ArgWillPayload: {Max: 256, Source: "EC616-SRC will_msg ≤256"},
			ArgPayload:     {Max: 700, Source: "EC-DOC: 700 bytes inline (1024 in data mode)"},
		},
		Commands: map[string]*CommandSpec{
			"ECMTCFG": {Name: "ECMTCFG", Op: OpConfigure, MinArgs: 2, TLS: optionIs("ssl"),
				Args: []ArgSpec{{Key: ArgOption, String: true}, conn},
				Options: map[string][]ArgSpec{
					"echomode":   {{Key: ArgValue, Int: true, Min: 0, Max: 1}},
					"dataformat": {{Key: "send_format", Int: true, Min: 0, Max: 1}, {Key: "recv_format", Int: true, Min: 0, Max: 1}},
					"keepalive":  {{Key: ArgKeepAlive, Int: true, Min: 0, Max: 3600, Source: "EC616-SRC mqttCFG: keepalive 0–3600 s"}},
					"session":    {{Key: ArgCleanSession, Int: true, Min: 0, Max: 1}},
					"timeout": {{Key: "pkt_timeout", Int: true, Min: 1, Max: 60, Source: "EC616-SRC: pkt_timeout 1–60"},
						{Key: "retry_times", Int: true, Min: 1, Max: 10, Source: "EC616-SRC: retry_times 1–10"},
						{Key: "timeout_notice", Int: true, Min: 0, Max: 1}},
					"will": {{Key: "will_flag", Int: true, Min: 0, Max: 1}, {Key: ArgWillQoS, Int: true, Min: 0, Max: 2},
						{Key: ArgWillRetain, Int: true, Min: 0, Max: 1}, {Key: ArgWillTopic, String: true}, {Key: ArgWillPayload, String: true}},
					"version": {{Key: ArgVersion, Int: true, Min: 3, Max: 4, Source: "EC-DOC: 3 = MQTT 3.1, 4 = MQTT 3.1.1"}},
					"aliauth": {{Key: "product_key", String: true}, {Key: "device_name", String: true}, {Key: "device_secret", String: true}},
					"cloud":   {{Key: "cloud_type", Int: true, Min: 0, Max: 255}, {Key: "data_type", Int: true, Min: 0, Max: 255}},
				},
			},
			"ECMTOPEN": {Name: "ECMTOPEN", Op: OpOpen, MinArgs: 3,
				Args:    []ArgSpec{conn, {Key: ArgHost, String: true}, {Key: ArgPort, Int: true, Min: 0, Max: 65535}},
				Results: []string{"ECMTOPEN"}, Match: []string{ArgConn}},
			// The NT35E page gives AT+ECMTCONN=0: the client id may be
			// left out ("用户不指定标准服务器会自行创建").
			"ECMTCONN": {Name: "ECMTCONN", Op: OpConnect, MinArgs: 1,
				Args:    []ArgSpec{conn, {Key: ArgClientID, String: true}, {Key: ArgUsername, String: true}, {Key: ArgPassword, String: true}},
				Results: []string{"ECMTCONN"}, Match: []string{ArgConn}},
			"ECMTSUB": {Name: "ECMTSUB", Op: OpSubscribe, MinArgs: 4,
				Args: []ArgSpec{conn, {Key: ArgMsgID, Int: true, Min: 1, Max: 65535, Source: "EC616-SRC: msgID 1–65535"},
					{Key: ArgTopic, String: true}, qos},
				Results: []string{"ECMTSUB"}, Match: []string{ArgConn, ArgMsgID}},
			"ECMTUNS": {Name: "ECMTUNS", Op: OpUnsubscribe, MinArgs: 3,
				Args:    []ArgSpec{conn, {Key: ArgMsgID, Int: true, Min: 1, Max: 65535}, {Key: ArgTopic, String: true}},
				Results: []string{"ECMTUNS"}, Match: []string{ArgConn, ArgMsgID}},
			"ECMTPUB": {Name: "ECMTPUB", Op: OpPublish, MinArgs: 5,
				Args: []ArgSpec{conn, {Key: ArgMsgID, Int: true, Min: 0, Max: 65535, Source: "EC616-SRC: msgID 0–65535"}, qos,
					// retain + 10×RAI (EC616-SRC retainOrRai%10, /10)
					{Key: ArgRetain, Int: true, Min: 0, Max: 21, Source: "EC616-SRC: retain + 10×RAI"},
					{Key: ArgTopic, String: true}, {Key: ArgPayload, String: true}},
				// payload omitted → "> " prompt, Ctrl-Z sends, ESC cancels (EC616-SRC mqttPUBInputData)
				DataWhen: func(f []Field) int {
					if len(f) <= 5 {
						return DataCtrlZ
					}
					return DataNone
				},
				Results: []string{"ECMTPUB"}, Match: []string{ArgConn, ArgMsgID}},
			"ECMTDISC": {Name: "ECMTDISC", Op: OpDisconnect, MinArgs: 1, Args: []ArgSpec{conn},
				Results: []string{"ECMTDISC"}, Match: []string{ArgConn}},
			"ECMTCLOSE": {Name: "ECMTCLOSE", Op: OpClose, MinArgs: 1, Args: []ArgSpec{conn},
				Results: []string{"ECMTCLOSE"}, Match: []string{ArgConn}},
		},
		URCs: map[string]*URCSpec{
			"ECMTOPEN": {Name: "ECMTOPEN", Op: OpOpen, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string {
					switch f[ArgResult] {
					case "0":
						return "network opened (TCP/TLS up; no MQTT packet yet)"
					case "-1":
						return "failed to open network"
					case "1":
						// NT35E page says 1; EC616-SRC only emits -1.
						return "failed to open network (value 1 per the NT35E page)"
					}
					return "unknown result " + f[ArgResult]
				}},
			"ECMTCONN": {Name: "ECMTCONN", Op: OpConnect, Fields: []string{ArgConn, ArgResult, ArgReturnCode}, PayloadFrom: -1,
				Outcome: connackOutcome, ResultNeeds: ArgReturnCode,
				Meaning: func(f map[string]string) string {
					switch f[ArgResult] {
					case "0":
						if f[ArgReturnCode] == "6" {
							return "connect failed: CONNACK could not be decoded"
						}
						return "CONNACK " + connackMeaning(f[ArgReturnCode])
					case "1":
						return "CONNECT sent but the reply was wrong"
					case "2":
						// EC616-SRC emits the fixed pair 2,2 when the CONNECT
						// could not be sent: it is not CONNACK code 2.
						return "send failed: the CONNECT could not be sent"
					}
					return "unknown result " + f[ArgResult]
				}},
			"ECMTSUB": {Name: "ECMTSUB", Op: OpSubscribe, Fields: []string{ArgConn, ArgMsgID, ArgResult, ArgValue}, PayloadFrom: -1,
				Outcome: subackOutcome,
				Meaning: func(f map[string]string) string {
					m := sendResult("subscribed")(f)
					if f[ArgResult] == "0" && f[ArgValue] != "" {
						// EC-DOC: granted QoS; EC616-SRC: count of QoS entries.
						m += "; value " + f[ArgValue] + " (granted QoS or entry count, firmware-dependent)"
					}
					return m
				}},
			"ECMTUNS":   {Name: "ECMTUNS", Op: OpUnsubscribe, Fields: []string{ArgConn, ArgMsgID, ArgResult}, PayloadFrom: -1, Meaning: sendResult("unsubscribed")},
			"ECMTPUB":   {Name: "ECMTPUB", Op: OpPublish, Fields: []string{ArgConn, ArgMsgID, ArgResult, ArgValue}, PayloadFrom: -1, Meaning: sendResult("published")},
			"ECMTDISC":  {Name: "ECMTDISC", Op: OpDisconnect, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: okFailMeaning("disconnected (DISCONNECT sent, TCP closed)")},
			"ECMTCLOSE": {Name: "ECMTCLOSE", Op: OpClose, Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1, Meaning: okFailMeaning("closed")},
			"ECMTSTAT": {Name: "ECMTSTAT", Op: OpStatus, Event: true, Fields: []string{ArgConn, "err_code"}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string {
					if f["err_code"] == "1" {
						// EC616-SRC: emitted on the RECONNECT path, then reconnects.
						return "connection closed or reset by peer; the module reconnects by itself"
					}
					return "status " + f["err_code"]
				}},
			"ECMTRECV": {Name: "ECMTRECV", Op: OpReceive, Event: true, Fields: []string{ArgConn, ArgMsgID, ArgTopic, ArgPayload},
				PayloadFrom: 3, Continues: true,
				Meaning: func(f map[string]string) string { return "message received on " + f[ArgTopic] }},
		},
	})
}
