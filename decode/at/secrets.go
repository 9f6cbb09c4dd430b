package at

import (
	"fmt"
	"sort"
	"strings"
)

// Which arguments of which commands hold secrets, for every dialect and
// the TLS/cloud settings that go with them, so a report meant for sharing
// can mask them (--redact). Kept apart from the dialect tables: a secret
// is a property of the command set as a whole (a PSK is set with the
// module's SSL command, not its MQTT one), and positions are counted in
// the fields as written, option first.

// Kinds of secret.
const (
	SecretPassword     = "password"
	SecretDeviceSecret = "device secret"
	SecretPSK          = "PSK"
	SecretKey          = "private key"
)

// secretRule names the fields of a command that hold secrets: fixed
// positions, or the fields after a marker field (`"psk",<key>,<identity>`).
type secretRule struct {
	option string // first field, lower case, for configure commands; "" = any
	fields []int  // 0-based positions in the fields
	marker string // or: the fields following the field with this value (lower case)
	count  int    // how many fields after the marker
	what   string
}

// secretRules, by command name (without AT and its prefix character).
// Sources: docs/at-dialects.md (EC616-SRC, QUEC-UFP, SIM-ERR, ESPAT-MQTT,
// LUAT), and the vendors' TLS manuals for the PSK settings.
var secretRules = map[string][]secretRule{
	// Eigencomm: AT+ECMTCONN=<id>,"<client>","<user>","<password>";
	// AT+ECMTCFG="aliauth",<id>,"<product_key>","<device_name>",
	// "<device_secret>"[,"<product_name>","<product_secret>",…];
	// AT+ECMTCFG="ssl",…,"psk",<psk>,<pskid> and "ecc",<key>.
	"ECMTCONN": {{fields: []int{3}, what: SecretPassword}},
	"ECMTCFG": {
		{option: "aliauth", fields: []int{4, 6}, what: SecretDeviceSecret},
		{option: "ssl", marker: "psk", count: 2, what: SecretPSK},
		{option: "ssl", marker: "ecc", count: 1, what: SecretKey},
	},
	// Quectel: AT+QMTCONN=<idx>,"<client>","<user>","<pass>";
	// AT+QMTCFG="aliauth",<idx>,"<product_key>","<device_name>","<device_secret>";
	// AT+QSSLCFG="psk",<ctx>,"<psk>","<identity>" (either order by firmware).
	"QMTCONN": {{fields: []int{3}, what: SecretPassword}},
	"QMTCFG": {
		{option: "aliauth", fields: []int{4}, what: SecretDeviceSecret},
		{option: "hwauth", fields: []int{3}, what: SecretDeviceSecret},
	},
	"QSSLCFG": {{option: "psk", fields: []int{2, 3}, what: SecretPSK}},
	// SIMCom: AT+CMQTTCONNECT=<idx>,"<server>",<keepalive>,<clean>[,"<user>"[,"<pass>"]];
	// AT+CSSLCFG="psktable",<ctx>,"<file>" names a file, not the key, but
	// "psk" forms carry it.
	"CMQTTCONNECT": {{fields: []int{5}, what: SecretPassword}},
	"CSSLCFG":      {{option: "psk", fields: []int{2, 3}, what: SecretPSK}},
	// SIMCom SIM7000/SIM7080: AT+SMCONF="PASSWORD","<pass>".
	"SMCONF": {{option: "password", fields: []int{1}, what: SecretPassword}},
	// ESP-AT: AT+MQTTUSERCFG=<id>,<scheme>,"<client>","<user>","<pass>",…;
	// AT+MQTTPASSWORD=<id>,"<pass>"; AT+CIPSSLCPSK="<psk>","<hint>".
	"MQTTUSERCFG":  {{fields: []int{4}, what: SecretPassword}},
	"MQTTPASSWORD": {{fields: []int{1}, what: SecretPassword}},
	"CIPSSLCPSK":   {{fields: []int{0, 1}, what: SecretPSK}},
	// Luat: AT+MCONFIG=<client>,<user>,<password>[,…].
	"MCONFIG": {{fields: []int{2}, what: SecretPassword}},
	// Nordic SLM: AT#XMQTTCON=<op>,<client>,<user>,<password>,<url>,….
	"XMQTTCON": {{fields: []int{3}, what: SecretPassword}},
}

// Secret is a secret value a command (or a response echoing its
// settings) carries.
type Secret struct {
	What  string // SecretPassword, SecretDeviceSecret, SecretPSK, SecretKey
	Value string // as the module takes it: quotes removed, escapes resolved
	Raw   string // as written, quotes included
}

// CommandSecrets returns the secrets in one line of the stream: a command
// (AT+ECMTCONN=…) or an information response in the command's own name
// (+QMTCFG: "aliauth",…, what a read command answers).
func CommandSecrets(line string) []Secret {
	line = strings.TrimSpace(line)
	var name, args string
	if isCommand(line) {
		var form int
		name, form, args = parseCommand(line)
		if form != formSet && form != formAction {
			return nil
		}
	} else if n, a, ok := parseURC(line); ok {
		name, args = n, a
	} else {
		return nil
	}
	rules := secretRules[name]
	if len(rules) == 0 || args == "" {
		return nil
	}
	syn := ArgSyntax{}
	if d, _ := commandDialect(name, nil); d != nil {
		syn = d.Syntax
	}
	fields := ParseArgs(args, syn, maxFields)
	var out []Secret
	add := func(i int, what string) {
		if i >= 0 && i < len(fields) && fields[i].Value != "" {
			out = append(out, Secret{What: what, Value: fields[i].Value, Raw: fields[i].Raw})
		}
	}
	for _, r := range rules {
		if r.option != "" && (len(fields) == 0 || strings.ToLower(fields[0].Value) != r.option) {
			continue
		}
		for _, i := range r.fields {
			add(i, r.what)
		}
		if r.marker != "" {
			for i, f := range fields {
				if strings.ToLower(f.Value) == r.marker {
					for k := 1; k <= r.count; k++ {
						add(i+k, r.what)
					}
				}
			}
		}
	}
	return out
}

// TransactionSecrets returns every secret a transaction carries: in its
// command, in its named password argument (ESP-AT's data-mode
// AT+MQTTLONGPASSWORD sends it as a payload), and in responses that echo
// settings.
func TransactionSecrets(t *Transaction) []Secret {
	out := CommandSecrets(t.Command)
	if p := t.Args[ArgPassword]; p != "" {
		out = append(out, Secret{What: SecretPassword, Value: p, Raw: p})
	}
	for _, r := range t.Responses {
		out = append(out, CommandSecrets(r)...)
	}
	return out
}

// Masker replaces known secrets in text by "<what: N bytes>", so output
// meant for sharing keeps lengths (which length checks explain) but not
// values. Quoted forms are replaced first; bare occurrences only for
// secrets of 4 bytes or more, so short ones cannot garble unrelated text.
// The zero value is ready to use.
type Masker struct {
	what     map[string]maskFor // value or raw form → its mask
	replacer *strings.Replacer
}

// maskFor is what replaces a secret: its kind and the length of its value
// (a raw form with escapes is longer than what the module takes).
type maskFor struct {
	what string
	n    int
}

func (f maskFor) String() string { return fmt.Sprintf("<%s: %d bytes>", f.what, f.n) }

// Add makes s known; it reports whether it was new.
func (m *Masker) Add(s Secret) bool {
	if m.what == nil {
		m.what = map[string]maskFor{}
	}
	added := false
	for _, v := range []string{s.Value, strings.Trim(s.Raw, `"`)} {
		if v == "" {
			continue
		}
		if _, ok := m.what[v]; !ok {
			m.what[v] = maskFor{s.What, len(s.Value)}
			m.replacer = nil
			added = true
		}
	}
	return added
}

// AddTransaction makes a transaction's secrets known.
func (m *Masker) AddTransaction(t *Transaction) {
	for _, s := range TransactionSecrets(t) {
		m.Add(s)
	}
}

// Empty says no secret is known.
func (m *Masker) Empty() bool { return len(m.what) == 0 }

// Mask replaces every known secret in text.
func (m *Masker) Mask(text string) string {
	if len(m.what) == 0 || text == "" {
		return text
	}
	if m.replacer == nil {
		list := make([]string, 0, len(m.what))
		for s := range m.what {
			list = append(list, s)
		}
		// Longest first: a truncated secret is a prefix of the full one.
		sort.Slice(list, func(i, j int) bool {
			if len(list[i]) != len(list[j]) {
				return len(list[i]) > len(list[j])
			}
			return list[i] < list[j]
		})
		var pairs []string
		for _, s := range list {
			pairs = append(pairs, `"`+s+`"`, `"`+m.what[s].String()+`"`)
		}
		for _, s := range list {
			if len(s) >= 4 {
				pairs = append(pairs, s, m.what[s].String())
			}
		}
		m.replacer = strings.NewReplacer(pairs...)
	}
	return m.replacer.Replace(text)
}

// MaskTransaction masks the secrets in every string of t, in place (its
// maps and slices are replaced, not written to).
func (m *Masker) MaskTransaction(t *Transaction) {
	if len(m.what) == 0 {
		return
	}
	t.Command = m.Mask(t.Command)
	t.Args = m.maskMap(t.Args)
	if len(t.Payload) > 0 {
		t.Payload = []byte(m.Mask(string(t.Payload)))
	}
	if len(t.Responses) > 0 {
		rs := make([]string, len(t.Responses))
		for i, r := range t.Responses {
			rs[i] = m.Mask(r)
		}
		t.Responses = rs
	}
	t.Result = m.Mask(t.Result)
	t.ResultArgs = m.maskMap(t.ResultArgs)
	t.Meaning = m.Mask(t.Meaning)
	if len(t.Warnings) > 0 {
		ws := make([]Warning, len(t.Warnings))
		for i, w := range t.Warnings {
			ws[i] = Warning{Code: w.Code, Message: m.Mask(w.Message), Fix: m.Mask(w.Fix)}
		}
		t.Warnings = ws
	}
}

// MaskEvent masks the secrets in every string of e, in place.
func (m *Masker) MaskEvent(e *Event) {
	if len(m.what) == 0 {
		return
	}
	e.Text = m.Mask(e.Text)
	e.Args = m.maskMap(e.Args)
	if len(e.Payload) > 0 {
		e.Payload = []byte(m.Mask(string(e.Payload)))
	}
	e.Meaning = m.Mask(e.Meaning)
}

func (m *Masker) maskMap(in map[string]string) map[string]string {
	if len(in) == 0 {
		return in
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if f, ok := m.what[v]; ok {
			out[k] = f.String()
			continue
		}
		out[k] = m.Mask(v)
	}
	return out
}
