package at

import (
	"fmt"
	"strconv"
)

// Luat / 合宙 dialect (Air724UG, Air780E/EP/EX, Air201 with Luat AT
// firmware). Source (docs/at-dialects.md §5): LUAT = openLuat/
// luatos-doc-pool public/20240725_air780ep_at_mqtts.md — "发送MIPSTART命令后，
// 收到OK仅仅表示…开始处理…只有收到CONNECT OK才是成功"; MCONNECT answers
// CONNACK OK; single connection; MPUB ≤4100 bytes.

func init() {
	qos := ArgSpec{Key: ArgQoS, Int: true, Min: 0, Max: 2}
	// Luat's result URCs are fixed texts, each one outcome.
	plain := func(name string, op Op, outcome Outcome, meaning string) *URCSpec {
		return &URCSpec{Name: name, Op: op, Plain: true, PayloadFrom: -1,
			Meaning: func(map[string]string) string { return meaning },
			Outcome: func(map[string]string) Outcome { return outcome }}
	}
	register(&Dialect{
		Name:     "luat",
		Title:    "Luat / 合宙 (Air724UG, Air780E/EP)",
		Cellular: true,
		Fix: Fixes{
			Connect: func(_, clientID, user, pass string) string {
				q := strconv.Quote
				return fmt.Sprintf("AT+MCONFIG=%s,%s,%s", q(clientID), q(user), q(pass))
			},
			Subscribe: func(_, _, filter, qos string) string { return fmt.Sprintf("AT+MSUB=%q,%s", filter, qos) },
		},
		Limits: map[string]Limit{
			ArgPayload: {Max: 4100, Source: "LUAT FAQ: MPUB ≤4100 bytes"},
		},
		Commands: map[string]*CommandSpec{
			"MCONFIG": {Name: "MCONFIG", Op: OpConfigure, MinArgs: 3,
				Args: []ArgSpec{{Key: ArgClientID, String: true}, {Key: ArgUsername, String: true}, {Key: ArgPassword, String: true},
					{Key: ArgWillQoS, Int: true, Min: 0, Max: 2}, {Key: ArgWillRetain, Int: true, Min: 0, Max: 1},
					{Key: ArgWillTopic, String: true}, {Key: ArgWillPayload, String: true}}},
			"MIPSTART": {Name: "MIPSTART", Op: OpOpen, MinArgs: 2,
				Args:    []ArgSpec{{Key: ArgHost, String: true}, {Key: ArgPort, Min: 0, Max: 65535, Int: true}},
				Results: []string{"CONNECT OK", "ALREADY CONNECT", "CONNECT FAIL"}},
			"SSLMIPSTART": {Name: "SSLMIPSTART", Op: OpOpen, MinArgs: 2,
				Args:    []ArgSpec{{Key: ArgHost, String: true}, {Key: ArgPort, Min: 0, Max: 65535, Int: true}},
				Results: []string{"CONNECT OK", "ALREADY CONNECT", "CONNECT FAIL"}},
			"MCONNECT": {Name: "MCONNECT", Op: OpConnect, MinArgs: 2,
				Args:    []ArgSpec{{Key: ArgCleanSession, Int: true, Min: 0, Max: 1}, {Key: ArgKeepAlive, Int: true, Min: 0, Max: 65535}},
				Results: []string{"CONNACK OK"}},
			"MSUB": {Name: "MSUB", Op: OpSubscribe, MinArgs: 2,
				Args: []ArgSpec{{Key: ArgTopic, String: true}, qos}, Results: []string{"SUBACK"}},
			"MUNSUB": {Name: "MUNSUB", Op: OpUnsubscribe, MinArgs: 1,
				Args: []ArgSpec{{Key: ArgTopic, String: true}}, Results: []string{"UNSUBACK"}},
			"MPUB": {Name: "MPUB", Op: OpPublish, MinArgs: 4,
				Args: []ArgSpec{{Key: ArgTopic, String: true}, qos, {Key: ArgRetain, Int: true, Min: 0, Max: 1}, {Key: ArgPayload, String: true}},
				// QoS>0 success = PUBACK (QoS 1) / PUBCOMP (QoS 2) text (LUAT).
				Results:    []string{"PUBACK", "PUBCOMP"},
				ResultWhen: func(a map[string]string) bool { q, _ := atoi(a[ArgQoS]); return q > 0 }},
			"MDISCONNECT": {Name: "MDISCONNECT", Op: OpDisconnect},
			"MIPCLOSE":    {Name: "MIPCLOSE", Op: OpClose},
		},
		URCs: map[string]*URCSpec{
			"CONNECT OK":      plain("CONNECT OK", OpOpen, OutcomeOK, "TCP connection opened (no MQTT packet yet)"),
			"ALREADY CONNECT": plain("ALREADY CONNECT", OpOpen, OutcomeFailed, "no new connection: one is already open (close it with AT+MIPCLOSE)"),
			"CONNECT FAIL":    plain("CONNECT FAIL", OpOpen, OutcomeFailed, "TCP connection failed"),
			"CONNACK OK":      plain("CONNACK OK", OpConnect, OutcomeOK, "CONNACK accepted"),
			"SUBACK":          plain("SUBACK", OpSubscribe, OutcomeOK, "subscribed (SUBACK received)"),
			"UNSUBACK":        plain("UNSUBACK", OpUnsubscribe, OutcomeOK, "unsubscribed (UNSUBACK received)"),
			"PUBACK":          plain("PUBACK", OpPublish, OutcomeOK, "published (PUBACK received)"),
			"PUBCOMP":         plain("PUBCOMP", OpPublish, OutcomeOK, "published (PUBCOMP received)"),
			"CLOSED": {Name: "CLOSED", Op: OpStatus, Event: true, Plain: true, PayloadFrom: -1,
				Meaning: func(map[string]string) string {
					return "TCP connection closed passively; recover with AT+MIPCLOSE, then MCONFIG/MIPSTART/MCONNECT"
				}},
			"MSUB": {Name: "MSUB", Op: OpReceive, Event: true, Fields: []string{ArgTopic, "length", ArgPayload}, PayloadFrom: 2,
				Meaning: func(f map[string]string) string { return "message received on " + f[ArgTopic] }},
		},
	})
}
