package cli

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/atmq/atmq/decode/mqtt"
)

// A hand-written encoder for the --json packet lines. encoding/json spent
// most of `atmq packets --json`'s time reflecting over mqtt.JSON's ~40
// optional fields; this appends the same bytes directly. It is used only
// while mqtt.JSON has exactly the fields it knows (checked once at start),
// so a field added to mqtt.JSON falls back to encoding/json rather than
// going missing; TestFastJSONMatchesEncodingJSON keeps the two identical.

// Field lists, in declaration order, that appendMQTTJSON encodes.
var (
	knownJSONFields = []string{"type", "version", "version_guessed", "length", "protocol_name",
		"protocol_level", "client_id", "username", "password", "keepalive", "clean_session",
		"will_topic", "will_payload", "will_payload_hex", "will_qos", "will_retain",
		"will_properties", "return_code", "reason_code", "reason", "session_present", "topic",
		"topic_from_alias", "packet_id", "qos", "retain", "dup", "payload_length", "payload",
		"payload_hex", "topics", "granted", "reason_codes", "properties", "violations"}
	knownTopicFields    = []string{"filter", "qos", "no_local", "retain_as_published", "retain_handling"}
	knownPropertyFields = []string{"name", "key", "value", "hex"}
)

// fastJSON says whether the hand-written encoder matches mqtt.JSON.
var fastJSON = slices.Equal(jsonFieldNames(reflect.TypeFor[mqtt.JSON]()), knownJSONFields) &&
	slices.Equal(jsonFieldNames(reflect.TypeFor[mqtt.JSONTopic]()), knownTopicFields) &&
	slices.Equal(jsonFieldNames(reflect.TypeFor[mqtt.JSONProperty]()), knownPropertyFields)

// jsonFieldNames lists a struct's JSON keys with their Go types folded in,
// so a changed type also disables the fast path.
func jsonFieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		for i := range len(tag) {
			if tag[i] == ',' {
				tag = tag[:i]
				break
			}
		}
		names = append(names, tag)
	}
	if !fieldTypesAsExpected(t) {
		return nil
	}
	return names
}

// fieldTypesAsExpected checks the Go types appendMQTTJSON relies on.
func fieldTypesAsExpected(t reflect.Type) bool {
	want := map[reflect.Type][]reflect.Type{
		reflect.TypeFor[mqtt.JSON](): {
			tString, tString, tBool, tInt, tPString, tPByte, tPString, tPString, tPString, tPUint16, tPBool,
			tPString, tPString, tPString, tPByte, tPBool, reflect.TypeFor[[]mqtt.JSONProperty](),
			tPByte, tPByte, tString, tPBool, tPString, tBool, tPUint16, tPByte, tPBool, tPBool, tPInt,
			tPString, tPString, reflect.TypeFor[[]mqtt.JSONTopic](), reflect.TypeFor[[]int](),
			reflect.TypeFor[[]int](), reflect.TypeFor[[]mqtt.JSONProperty](), reflect.TypeFor[[]string]()},
		reflect.TypeFor[mqtt.JSONTopic]():    {tString, tPByte, tPBool, tPBool, tPByte},
		reflect.TypeFor[mqtt.JSONProperty](): {tString, tString, reflect.TypeFor[any](), tBool},
	}[t]
	if t.NumField() != len(want) {
		return false
	}
	for i := range t.NumField() {
		if t.Field(i).Type != want[i] {
			return false
		}
	}
	return true
}

var (
	tString  = reflect.TypeFor[string]()
	tBool    = reflect.TypeFor[bool]()
	tInt     = reflect.TypeFor[int]()
	tPString = reflect.TypeFor[*string]()
	tPByte   = reflect.TypeFor[*byte]()
	tPBool   = reflect.TypeFor[*bool]()
	tPUint16 = reflect.TypeFor[*uint16]()
	tPInt    = reflect.TypeFor[*int]()
)

// jsonObject appends "key":value pairs with the separating commas.
type jsonObject struct {
	b     []byte
	first bool
}

func (o *jsonObject) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObject) str(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

func (o *jsonObject) strOmit(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *jsonObject) pstr(k string, v *string) {
	if v != nil {
		o.str(k, *v)
	}
}

func (o *jsonObject) num(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObject) pbyte(k string, v *byte) {
	if v != nil {
		o.num(k, int64(*v))
	}
}

func (o *jsonObject) puint16(k string, v *uint16) {
	if v != nil {
		o.num(k, int64(*v))
	}
}

func (o *jsonObject) pint(k string, v *int) {
	if v != nil {
		o.num(k, int64(*v))
	}
}

func (o *jsonObject) boolean(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *jsonObject) boolOmit(k string, v bool) {
	if v {
		o.boolean(k, v)
	}
}

func (o *jsonObject) pbool(k string, v *bool) {
	if v != nil {
		o.boolean(k, *v)
	}
}

func (o *jsonObject) ints(k string, v []int) {
	if len(v) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i, n := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendInt(o.b, int64(n), 10)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) strs(k string, v []string) {
	if len(v) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, s)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) props(k string, v []mqtt.JSONProperty) {
	if len(v) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i, p := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		in := jsonObject{b: append(o.b, '{'), first: true}
		in.str("name", p.Name)
		in.strOmit("key", p.Key)
		in.key("value")
		in.b = appendJSONValue(in.b, p.Value)
		in.boolOmit("hex", p.Hex)
		o.b = append(in.b, '}')
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) topics(k string, v []mqtt.JSONTopic) {
	if len(v) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i, t := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		in := jsonObject{b: append(o.b, '{'), first: true}
		in.str("filter", t.Filter)
		in.pbyte("qos", t.QoS)
		in.pbool("no_local", t.NoLocal)
		in.pbool("retain_as_published", t.RetainAsPublished)
		in.pbyte("retain_handling", t.RetainHandling)
		o.b = append(in.b, '}')
	}
	o.b = append(o.b, ']')
}

// appendMQTTJSON appends j's fields (no braces), each preceded by a comma
// unless first.
func appendMQTTJSON(b []byte, j *mqtt.JSON, first bool) []byte {
	o := jsonObject{b: b, first: first}
	o.str("type", j.Type)
	o.str("version", j.Version)
	o.boolOmit("version_guessed", j.VersionGuessed)
	o.num("length", int64(j.Length))
	o.pstr("protocol_name", j.ProtocolName)
	o.pbyte("protocol_level", j.ProtocolLevel)
	o.pstr("client_id", j.ClientID)
	o.pstr("username", j.Username)
	o.pstr("password", j.Password)
	o.puint16("keepalive", j.Keepalive)
	o.pbool("clean_session", j.CleanSession)
	o.pstr("will_topic", j.WillTopic)
	o.pstr("will_payload", j.WillPayload)
	o.pstr("will_payload_hex", j.WillPayloadHex)
	o.pbyte("will_qos", j.WillQoS)
	o.pbool("will_retain", j.WillRetain)
	o.props("will_properties", j.WillProperties)
	o.pbyte("return_code", j.ReturnCode)
	o.pbyte("reason_code", j.ReasonCode)
	o.strOmit("reason", j.Reason)
	o.pbool("session_present", j.SessionPresent)
	o.pstr("topic", j.Topic)
	o.boolOmit("topic_from_alias", j.TopicFromAlias)
	o.puint16("packet_id", j.PacketID)
	o.pbyte("qos", j.QoS)
	o.pbool("retain", j.Retain)
	o.pbool("dup", j.Dup)
	o.pint("payload_length", j.PayloadLength)
	o.pstr("payload", j.Payload)
	o.pstr("payload_hex", j.PayloadHex)
	o.topics("topics", j.Topics)
	o.ints("granted", j.Granted)
	o.ints("reason_codes", j.ReasonCodes)
	o.props("properties", j.Properties)
	o.strs("violations", j.Violations)
	return o.b
}

// appendJSONValue encodes a property value: the common kinds directly,
// anything else through encoding/json.
func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(b, x)
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
}

// appendJSONString quotes s exactly as encoding/json does with HTML
// escaping off: control characters escaped, invalid UTF-8 as U+FFFD,
// U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
