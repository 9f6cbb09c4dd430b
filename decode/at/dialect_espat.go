package at

import (
	"fmt"
	"strconv"
	"strings"
)

// Espressif ESP-AT MQTT dialect (ESP32, ESP8266, ESP32-C3 AT firmware).
// Sources (docs/at-dialects.md §4): ESPAT-MQTT = espressif/esp-at
// docs/en/AT_Command_Set/MQTT_AT_Commands.rst, ESPAT-IDX = …/index.rst
// (escape syntax: \, \" \\ inside strings).

func init() {
	conn := ArgSpec{Key: ArgConn, Int: true, Min: 0, Max: 0, Source: "ESPAT-MQTT: LinkID 0 only"}
	qos := ArgSpec{Key: ArgQoS, Int: true, Min: 0, Max: 2}
	retain := ArgSpec{Key: ArgRetain, Int: true, Min: 0, Max: 1}
	register(&Dialect{
		Name:    "espat",
		Title:   "Espressif ESP-AT MQTT",
		Syntax:  ArgSyntax{Escapes: true},
		MaxConn: 0,
		Fix: Fixes{
			Session: func(_ string, clean bool) string {
				return fmt.Sprintf(`AT+MQTTCONNCFG=0,120,%d,"","",0,0`, 1-b2i(clean))
			},
			KeepAlive: func(_ string, secs int) string { return fmt.Sprintf(`AT+MQTTCONNCFG=0,%d,0,"","",0,0`, secs) },
			Connect: func(_, clientID, user, pass string) string {
				q := strconv.Quote
				return fmt.Sprintf(`AT+MQTTUSERCFG=0,1,%s,%s,%s,0,0,""`, q(clientID), q(user), q(pass))
			},
			Subscribe:  func(_, _, filter, qos string) string { return fmt.Sprintf("AT+MQTTSUB=0,%q,%s", filter, qos) },
			TLSProblem: espatTLSProblem,
			TLS: func(string, []Transaction, int) string {
				return "check the TLS scheme of AT+MQTTUSERCFG and the certificates flashed in the module's mqtt_ca/mqtt_cert/mqtt_key partitions; ESP-AT needs a correct time (AT+CIPSNTPCFG) to verify certificates"
			},
		},
		Notes: Notes{
			ConnectFailed: func(where string, noWire func(string) string) string {
				return where + ": ESP-AT answers AT+MQTTCONN with +MQTTDISCONNECTED and ERROR whatever went wrong — TCP or TLS could not be set up, or the broker refused the CONNECT (a CONNACK return code ≠ 0); it does not pass the return code on, and " + noWire("the capture shows no CONNACK for it")
			},
		},
		Limits: map[string]Limit{
			ArgClientID: {Max: 256, Source: "ESPAT-MQTT: client_id ≤256 bytes"},
			ArgUsername: {Max: 64, Source: "ESPAT-MQTT: username ≤64 bytes"},
			ArgPassword: {Max: 64, Source: "ESPAT-MQTT: password ≤64 bytes"},
			"path":      {Max: 32, Source: "ESPAT-MQTT: path ≤32 bytes"},
		},
		Commands: map[string]*CommandSpec{
			"MQTTUSERCFG": {Name: "MQTTUSERCFG", Op: OpConfigure, MinArgs: 8,
				// schemes 2–5, 7–10 are TLS; 6 is WebSocket without TLS
				TLS: func(a map[string]string) bool {
					s, ok := atoi(a["scheme"])
					return ok && s >= 2 && s != 6
				},
				Args: []ArgSpec{conn, {Key: "scheme", Int: true, Min: 1, Max: 10, Source: "ESPAT-MQTT: scheme 1–10"},
					{Key: ArgClientID, String: true}, {Key: ArgUsername, String: true}, {Key: ArgPassword, String: true},
					{Key: "cert_key_id", Int: true}, {Key: "ca_id", Int: true}, {Key: "path", String: true}}},
			"MQTTCLIENTID":     {Name: "MQTTCLIENTID", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgClientID, String: true}}},
			"MQTTUSERNAME":     {Name: "MQTTUSERNAME", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgUsername, String: true}}},
			"MQTTPASSWORD":     {Name: "MQTTPASSWORD", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgPassword, String: true}}},
			"MQTTLONGCLIENTID": {Name: "MQTTLONGCLIENTID", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgClientID, Int: true}}, Data: DataLength, LengthArg: ArgClientID, PayloadArg: ArgClientID},
			"MQTTLONGUSERNAME": {Name: "MQTTLONGUSERNAME", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgUsername, Int: true}}, Data: DataLength, LengthArg: ArgUsername, PayloadArg: ArgUsername},
			"MQTTLONGPASSWORD": {Name: "MQTTLONGPASSWORD", Op: OpConfigure, MinArgs: 2, Args: []ArgSpec{conn, {Key: ArgPassword, Int: true}}, Data: DataLength, LengthArg: ArgPassword, PayloadArg: ArgPassword},
			"MQTTCONNCFG": {Name: "MQTTCONNCFG", Op: OpConfigure, MinArgs: 3,
				Args: []ArgSpec{conn, {Key: ArgKeepAlive, Int: true, Min: 0, Max: 7200, Source: "ESPAT-MQTT: keepalive 0–7200 s, 0 → 120"},
					{Key: "disable_clean_session", Int: true, Min: 0, Max: 1},
					{Key: ArgWillTopic, String: true}, {Key: ArgWillPayload, String: true},
					{Key: ArgWillQoS, Int: true, Min: 0, Max: 2}, {Key: ArgWillRetain, Int: true, Min: 0, Max: 1}}},
			"MQTTCONN": {Name: "MQTTCONN", Op: OpConnect, MinArgs: 4,
				Args: []ArgSpec{conn, {Key: ArgHost, String: true}, {Key: ArgPort, Int: true, Min: 0, Max: 65535},
					{Key: "reconnect", Int: true, Min: 0, Max: 1}},
				Results: []string{"MQTTCONNECTED", "MQTTDISCONNECTED"}, Match: []string{ArgConn}},
			"MQTTPUB": {Name: "MQTTPUB", Op: OpPublish, MinArgs: 5,
				Args: []ArgSpec{conn, {Key: ArgTopic, String: true}, {Key: ArgPayload, String: true}, qos, retain}},
			"MQTTPUBRAW": {Name: "MQTTPUBRAW", Op: OpPublish, MinArgs: 5,
				Args: []ArgSpec{conn, {Key: ArgTopic, String: true}, {Key: ArgPayload, Int: true}, qos, retain},
				Data: DataLength, LengthArg: ArgPayload,
				Results: []string{"MQTTPUB"}, Match: []string{ArgConn}},
			"MQTTSUB": {Name: "MQTTSUB", Op: OpSubscribe, MinArgs: 3,
				Args: []ArgSpec{conn, {Key: ArgTopic, String: true}, qos}},
			"MQTTUNSUB": {Name: "MQTTUNSUB", Op: OpUnsubscribe, MinArgs: 2,
				Args: []ArgSpec{conn, {Key: ArgTopic, String: true}}},
			"MQTTCLEAN": {Name: "MQTTCLEAN", Op: OpClose, MinArgs: 1, Args: []ArgSpec{conn}},
		},
		URCs: map[string]*URCSpec{
			"MQTTCONNECTED": {Name: "MQTTCONNECTED", Op: OpConnect,
				Fields: []string{ArgConn, "scheme", ArgHost, ArgPort, "path", "reconnect"}, PayloadFrom: -1,
				Meaning: func(map[string]string) string { return "connected (CONNACK accepted)" }},
			// As the answer to AT+MQTTCONN it means the connect failed.
			"MQTTDISCONNECTED": {Name: "MQTTDISCONNECTED", Op: OpStatus, Fields: []string{ArgConn}, PayloadFrom: -1,
				Outcome: func(map[string]string) Outcome { return OutcomeFailed },
				Meaning: func(map[string]string) string {
					return "disconnected: the connection failed or the broker closed it"
				}},
			// +MQTTPUB:OK / +MQTTPUB:FAIL after AT+MQTTPUBRAW's payload.
			"MQTTPUB": {Name: "MQTTPUB", Op: OpPublish, Fields: []string{ArgResult}, PayloadFrom: -1,
				Outcome: func(f map[string]string) Outcome {
					switch strings.ToUpper(strings.TrimSpace(f[ArgResult])) {
					case "OK":
						return OutcomeOK
					case "FAIL":
						return OutcomeFailed
					}
					return OutcomePending
				},
				Meaning: func(f map[string]string) string {
					switch strings.ToUpper(strings.TrimSpace(f[ArgResult])) {
					case "OK":
						return "published"
					case "FAIL":
						return "publish failed"
					}
					return "unknown result " + f[ArgResult]
				}},
			"MQTTSUBRECV": {Name: "MQTTSUBRECV", Op: OpReceive, Event: true,
				Fields: []string{ArgConn, ArgTopic, "length", ArgPayload}, PayloadFrom: 3,
				Meaning: func(f map[string]string) string { return "message received on " + f[ArgTopic] }},
		},
	})
}
