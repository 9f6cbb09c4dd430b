package correlate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
)

// Fixes that are module settings are written in the dialect's own syntax
// (docs/at-dialects.md); dialects without the setting get a sentence.

// dialectOf returns the dialect of the log (or of one transaction).
func (a *analysis) dialectOf(t *at.Transaction) string {
	if t != nil && t.Dialect != "" {
		return t.Dialect
	}
	if a.log != nil {
		return a.log.Dialect
	}
	return ""
}

// connIndex returns the connection index argument of a command ("0").
func connIndex(t *at.Transaction) string {
	if t != nil {
		if v, ok := arg(t.Args, at.ArgConn); ok && v != "" {
			return v
		}
	}
	return "0"
}

// defaultVersion is the MQTT protocol level a dialect's firmware sends when
// no configure command set one: ECMT 4 (EC616-SRC mqttCreateContext), QMT
// on BG9x 3 (BG9X-RS types.rs); 0 when unknown.
func defaultVersion(dialect string) int {
	switch dialect {
	case "ecmt":
		return 4
	case "qmt":
		return 3
	}
	return 0
}

// defaultKeepAlive is the dialect's default keepalive in seconds (ECMT and
// QMT 120 s: EC616-SRC, QUEC-UFP); 0 when unknown.
func defaultKeepAlive(dialect string) int {
	switch dialect {
	case "ecmt", "qmt":
		return 120
	}
	return 0
}

// fixVersion writes the command that makes the module send protocol level v.
func fixVersion(dialect, idx string, v int) string {
	switch dialect {
	case "ecmt":
		return fmt.Sprintf(`AT+ECMTCFG="version",%s,%d`, idx, v)
	case "qmt":
		return fmt.Sprintf(`AT+QMTCFG="version",%s,%d`, idx, v)
	}
	return fmt.Sprintf("configure the module to use MQTT %s (protocol level %d)", versionName(v), v)
}

// fixSession writes the command that sets clean session.
func fixSession(dialect, idx string, clean bool) string {
	v := 0
	if clean {
		v = 1
	}
	switch dialect {
	case "ecmt":
		return fmt.Sprintf(`AT+ECMTCFG="session",%s,%d`, idx, v)
	case "qmt":
		return fmt.Sprintf(`AT+QMTCFG="session",%s,%d`, idx, v)
	case "espat":
		return fmt.Sprintf(`AT+MQTTCONNCFG=0,120,%d,"","",0,0`, 1-v)
	}
	return fmt.Sprintf("set clean session to %d", v)
}

// fixKeepAlive writes the command that sets the keepalive interval.
func fixKeepAlive(dialect, idx string, secs int) string {
	switch dialect {
	case "ecmt":
		return fmt.Sprintf(`AT+ECMTCFG="keepalive",%s,%d`, idx, secs)
	case "qmt":
		return fmt.Sprintf(`AT+QMTCFG="keepalive",%s,%d`, idx, secs)
	case "espat":
		return fmt.Sprintf(`AT+MQTTCONNCFG=0,%d,0,"","",0,0`, secs)
	}
	return fmt.Sprintf("set the keepalive to %d s", secs)
}

// fixConnect writes the connect command with the given client id and
// credentials in the dialect's syntax.
func fixConnect(dialect, idx, clientID, user, pass string) string {
	q := strconv.Quote
	creds := ""
	if user != "" || pass != "" {
		creds = "," + q(user) + "," + q(pass)
	}
	switch dialect {
	case "ecmt":
		return fmt.Sprintf("AT+ECMTCONN=%s,%s%s", idx, q(clientID), creds)
	case "qmt":
		return fmt.Sprintf("AT+QMTCONN=%s,%s%s", idx, q(clientID), creds)
	case "espat":
		return fmt.Sprintf(`AT+MQTTUSERCFG=0,1,%s,%s,%s,0,0,""`, q(clientID), q(user), q(pass))
	case "luat":
		return fmt.Sprintf("AT+MCONFIG=%s,%s,%s", q(clientID), q(user), q(pass))
	}
	return fmt.Sprintf("connect with client id %s, username %s and password %s", q(clientID), q(user), q(pass))
}

// fixSubscribe writes a subscribe command for filter.
func fixSubscribe(t *at.Transaction, dialect, filter string) string {
	id, _ := arg(t.Args, at.ArgMsgID)
	qos, _ := arg(t.Args, at.ArgQoS)
	if qos == "" {
		qos = "0"
	}
	if id == "" {
		id = "1"
	}
	switch dialect {
	case "ecmt":
		return fmt.Sprintf("AT+ECMTSUB=%s,%s,%q,%s", connIndex(t), id, filter, qos)
	case "qmt":
		return fmt.Sprintf("AT+QMTSUB=%s,%s,%q,%s", connIndex(t), id, filter, qos)
	case "espat":
		return fmt.Sprintf("AT+MQTTSUB=0,%q,%s", filter, qos)
	case "luat":
		return fmt.Sprintf("AT+MSUB=%q,%s", filter, qos)
	}
	return fmt.Sprintf("subscribe to %q", filter)
}

func versionName(v int) string {
	switch v {
	case 3:
		return "3.1"
	case 4:
		return "3.1.1"
	case 5:
		return "5.0"
	}
	return "level " + strconv.Itoa(v)
}

// validFilter checks a topic filter: '#' only as the last level on its
// own [MQTT-4.7.1-2], '+' only as a whole level [MQTT-4.7.1-3], not empty
// [MQTT-4.7.3-1], no NUL [MQTT-4.7.3-2]. It returns why it is invalid.
func validFilter(f string) (string, bool) {
	if f == "" {
		return "a topic filter must be at least one character long [MQTT-4.7.3-1]", false
	}
	if strings.ContainsRune(f, 0) {
		return "a topic filter must not contain NUL [MQTT-4.7.3-2]", false
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		if strings.Contains(l, "#") && (l != "#" || i != len(levels)-1) {
			return "'#' must be the last character of the filter and occupy a whole level [MQTT-4.7.1-2]", false
		}
		if strings.Contains(l, "+") && l != "+" {
			return "'+' must occupy a whole level of the filter [MQTT-4.7.1-3]", false
		}
	}
	return "", true
}

// validTopicName checks a PUBLISH topic name: no wildcards [MQTT-3.3.2-2],
// not empty [MQTT-4.7.3-1], no NUL [MQTT-4.7.3-2].
func validTopicName(t string) (string, bool) {
	if t == "" {
		return "a topic name must be at least one character long [MQTT-4.7.3-1]", false
	}
	if strings.ContainsAny(t, "#+") {
		return "a PUBLISH topic name must not contain wildcard characters [MQTT-3.3.2-2]", false
	}
	if strings.ContainsRune(t, 0) {
		return "a topic name must not contain NUL [MQTT-4.7.3-2]", false
	}
	return "", true
}
