package correlate

import (
	"strings"

	"github.com/atmq/atmq/decode/at"
)

// Fixes that are module settings are written in the dialect's own syntax
// (docs/at-dialects.md); dialects without the setting get a sentence.

// dialectOf returns the dialect of one transaction, else of the log; nil
// for plain AT or an unknown dialect (its methods then answer in words).
func (a *inputs) dialectOf(t *at.Transaction) *at.Dialect {
	if t != nil && t.Dialect != "" {
		return at.LookupDialect(t.Dialect)
	}
	if a.log != nil {
		return at.LookupDialect(a.log.Dialect)
	}
	return nil
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

// fixSubscribe writes a subscribe command for filter like t's.
func fixSubscribe(t *at.Transaction, d *at.Dialect, filter string) string {
	id, _ := arg(t.Args, at.ArgMsgID)
	qos, _ := arg(t.Args, at.ArgQoS)
	if qos == "" {
		qos = "0"
	}
	if id == "" {
		id = "1"
	}
	return d.FixSubscribe(connIndex(t), id, filter, qos)
}

func versionName(v int) string { return at.MQTTVersion(v).String() }

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
