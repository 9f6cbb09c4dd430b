package cloudauth

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Alibaba Cloud IoT Platform ("MQTT-TCP连接通信", "如何计算MQTT签名参数"):
//
//	client id  <id>|securemode=3,signmethod=hmacsha1,timestamp=<ms>|
//	           (the newer SDK form: <pk>.<dn>|timestamp=<ms>,_ss=1,_v=…,securemode=2,signmethod=hmacsha256,ext=3,|)
//	username   <deviceName>&<productKey>
//	password   hex(HMAC_<signmethod>(deviceSecret, "clientId<id>deviceName<dn>productKey<pk>[timestamp<ms>]"))
//
// The parameters are signed sorted by name; timestamp only when the
// client id carries it. securemode 2 is TLS, 3 plain TCP.
var aliyun = &platform{
	name:  "Alibaba Cloud IoT",
	hosts: []string{"aliyuncs.com"},
	form:  `client id "<id>|securemode=<2 TLS, 3 TCP>,signmethod=hmacsha256,timestamp=<ms>|", username "<deviceName>&<productKey>", password the hex HMAC of "clientId<id>deviceName<dn>productKey<pk>timestamp<ms>" keyed with the device secret`,
	shaped: func(c *Connect) bool {
		return strings.Contains(c.ClientID, "|") && strings.Contains(c.ClientID, "signmethod=")
	},
	check: checkAliyun,
}

// aliyunID is a parsed Aliyun client id.
type aliyunID struct {
	id     string
	params map[string]string
	order  []string
}

func parseAliyunID(s string) (aliyunID, string) {
	i := strings.IndexByte(s, '|')
	if i < 0 {
		return aliyunID{id: s}, `has no "|securemode=…,signmethod=…|" part`
	}
	out := aliyunID{id: s[:i], params: map[string]string{}}
	rest := s[i+1:]
	if !strings.HasSuffix(rest, "|") {
		return out, `does not end with "|" (the parameter list must be closed by a second "|")`
	}
	for _, kv := range strings.Split(strings.TrimSuffix(rest, "|"), ",") {
		if kv == "" {
			continue // the SDK's form ends with ",|"
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return out, fmt.Sprintf("has %q among its parameters, not key=value", kv)
		}
		out.params[k] = v
		out.order = append(out.order, k)
	}
	return out, ""
}

func checkAliyun(c *Connect) checkResult {
	var r checkResult
	// ApsaraMQ for MQTT (mqtt-cn-….mqtt.aliyuncs.com) shares the domain
	// with its own "Signature|AK|instance" scheme: not the IoT platform's.
	if strings.HasPrefix(c.Username, "Signature|") || strings.HasPrefix(c.Username, "Token|") || strings.HasPrefix(c.Username, "DeviceCredential|") {
		r.notes = append(r.notes, "the username is ApsaraMQ for MQTT's (not IoT Platform's) form; its signature is not checked")
		return r
	}
	fixForm := `write the client id as "<id>|securemode=3,signmethod=hmacsha256,timestamp=<ms>|" (securemode=2 over TLS), the username as "<deviceName>&<productKey>" and the password as the signature the console's MQTT connection parameters or the SDK compute; or let the module sign (Quectel AT+QMTCFG="aliauth", Eigencomm AT+ECMTCFG="aliauth")`
	id, bad := parseAliyunID(c.ClientID)
	if bad != "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the client id %s %s", quoteShort(c.ClientID), bad), Fix: fixForm})
	}
	if id.id == "" && bad == "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the client id %s has an empty id before \"|\"", quoteShort(c.ClientID)), Fix: fixForm})
	} else if len(id.id) > 64 {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the id part of the client id is %d characters; the platform allows 64", len(id.id)), Fix: fixForm})
	}
	method := id.params["signmethod"]
	h := hmacOf(method)
	if bad == "" {
		switch {
		case method == "":
			r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
				Text: fmt.Sprintf("the client id %s names no signmethod", quoteShort(c.ClientID)), Fix: fixForm})
		case h == nil:
			r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
				Text: fmt.Sprintf("signmethod=%s is none of hmacsha256, hmacsha1, hmacmd5", method), Fix: fixForm})
		}
		switch sm := id.params["securemode"]; {
		case sm == "":
			r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
				Text: fmt.Sprintf("the client id %s names no securemode", quoteShort(c.ClientID)), Fix: fixForm})
		case sm == "2" && c.TLSKnown && !c.TLS:
			r.add(Problem{Code: CodeFormat, Field: "client id",
				Text: "securemode=2 says TLS, but the connection is plain TCP", Fix: "use securemode=3 for plain TCP (port 1883), or connect with TLS"})
		case sm == "3" && c.TLSKnown && c.TLS:
			r.add(Problem{Code: CodeFormat, Field: "client id",
				Text: "securemode=3 says plain TCP, but the connection is TLS", Fix: "use securemode=2 over TLS"})
		}
	}
	dn, pk, ok := strings.Cut(c.Username, "&")
	if !ok || dn == "" || pk == "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("the username %s is not \"<deviceName>&<productKey>\"", quoteShort(c.Username)), Fix: fixForm})
	}
	// <productKey>.iot-as-mqtt.<region>.aliyuncs.com names the product.
	if hostPK, _, found := strings.Cut(strings.ToLower(c.Host), ".iot-as-mqtt."); found && ok && pk != "" && hostPK != strings.ToLower(pk) {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("the username's productKey %q differs from the host name's %q (%s)", pk, hostPK, c.Host),
			Fix:  "connect to <productKey>.iot-as-mqtt.<region>.aliyuncs.com with the device's own product key"})
	}
	var ts string
	if bad == "" {
		ts = id.params["timestamp"]
	}
	if ts != "" {
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
				Text: fmt.Sprintf("timestamp=%s is not a number of milliseconds", ts), Fix: fixForm})
		} else if !c.At.IsZero() {
			t := time.UnixMilli(ms)
			if d := t.Sub(c.At); d > 15*time.Minute || d < -15*time.Minute {
				r.add(Problem{Code: CodeExpired, Field: "client id",
					Text: fmt.Sprintf("timestamp=%s is %s, %s: a signature made once and reused (instances that check the timestamp refuse it)", ts, t.UTC().Format(time.RFC3339), relative(t, c.At)),
					Fix:  "compute the timestamp and the signature at each connect (the module's aliauth setting does), with the module's clock set (AT+CCLK?, NTP)"})
			}
		}
	}
	want := map[string]int{"hmacsha1": 40, "hmacsha256": 64, "hmacmd5": 32}[strings.ToLower(method)]
	if h != nil && c.Password != "" && !isHex(c.Password, want) {
		got := ""
		for m, n := range map[string]int{"HMAC-SHA1": 40, "HMAC-SHA256": 64, "HMAC-MD5": 32} {
			if isHex(c.Password, n) {
				got = fmt.Sprintf(" (it has the length of an %s)", m)
			}
		}
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("signmethod=%s wants a password of %d hex digits; it has %d bytes%s", method, want, len(c.Password), got),
			Fix:  "sign with the method the client id names, and write the password as hex"})
	}
	if c.HasPassword && c.Password == "" || !c.HasPassword {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password", Text: "no password: the platform wants the signature as the password", Fix: fixForm})
	}
	if c.Secret == "" || h == nil || !ok || bad != "" || c.Password == "" {
		return r
	}
	sign := func(h2 string, id, dn, pk, ts string) string {
		content := "clientId" + id + "deviceName" + dn + "productKey" + pk
		if ts != "" {
			content += "timestamp" + ts
		}
		return hex.EncodeToString(mac(hmacOf(h2), []byte(c.Secret), []byte(content)))
	}
	if strings.EqualFold(sign(method, id.id, dn, pk, ts), c.Password) {
		r.verified = true
		return r
	}
	type variant struct {
		sig, field, text, fix string
	}
	var vs []variant
	if ts != "" {
		vs = append(vs, variant{sign(method, id.id, dn, pk, ""), "client id",
			fmt.Sprintf("the password was signed without the timestamp, but the client id carries timestamp=%s", ts),
			"sign \"…timestamp<ms>\" too, or drop timestamp= from the client id"})
	}
	for _, m := range []string{"hmacsha1", "hmacsha256", "hmacmd5"} {
		if !strings.EqualFold(m, method) {
			vs = append(vs, variant{sign(m, id.id, dn, pk, ts), "client id",
				fmt.Sprintf("the password is an %s signature, but the client id says signmethod=%s", m, method),
				fmt.Sprintf("write signmethod=%s in the client id, or sign with %s", m, method)})
		}
	}
	vs = append(vs,
		variant{sign(method, c.ClientID, dn, pk, ts), "client id",
			"the signature covers the whole client id, parameters included; only the id before \"|\" is signed",
			fmt.Sprintf("sign \"clientId%s…\"", id.id)},
		variant{sign(method, id.id, pk, dn, ts), "username",
			fmt.Sprintf("the password was signed with deviceName and productKey swapped (deviceName %q, productKey %q)", pk, dn),
			"write the username as \"<deviceName>&<productKey>\" and sign with the same two"},
		variant{sign(method, pk+"."+dn, dn, pk, ts), "client id",
			fmt.Sprintf("the password was signed for client id %q, but the client id says %q", pk+"."+dn, id.id),
			"sign the id the client id carries"},
	)
	for _, v := range vs {
		if strings.EqualFold(v.sig, c.Password) {
			r.add(Problem{Code: CodeSignature, Error: true, Field: v.field, Text: v.text, Fix: v.fix})
			return r
		}
	}
	r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
		Text: fmt.Sprintf("the password is not the %s of clientId %q, deviceName %q, productKey %q%s keyed with the device secret given: the secret is another device's (or the ProductSecret), or one of these fields differs from what was signed", method, id.id, dn, pk, tsWords(ts)),
		Fix:  "take the DeviceSecret of this device (console: Devices → device → DeviceSecret) and recompute the password over these exact fields"})
	return r
}

func tsWords(ts string) string {
	if ts == "" {
		return ""
	}
	return fmt.Sprintf(", timestamp %s", ts)
}
