package cloudauth

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OneNET (China Mobile; "token算法", the MQTT device connection):
//
//	client id  <deviceName>
//	username   <productId>
//	password   version=2018-10-31&res=products%2F<pid>%2Fdevices%2F<dn>&et=<unix s>&method=<md5|sha1|sha256>&sign=<url(base64(sig))>
//	sig        HMAC_<method>(base64decode(key), et+"\n"+method+"\n"+res+"\n"+version)
//
// Every value is URL-encoded; res names the device (device key) or the
// product (product key). The platform refuses a token whose et passed.
var onenet = &platform{
	name:  "OneNET",
	hosts: []string{"heclouds.com", "iot.10086.cn", "onenet.hk.chinamobile.com"},
	form:  `client id "<deviceName>", username "<productId>", password the URL-encoded token "version=2018-10-31&res=products%2F<pid>%2Fdevices%2F<deviceName>&et=<unix expiry>&method=sha256&sign=<base64 HMAC>"`,
	shaped: func(c *Connect) bool {
		return strings.Contains(c.Password, "res=products") && strings.Contains(c.Password, "sign=")
	},
	check: checkOneNET,
}

// onenetToken is a token's fields as written (raw) and decoded.
type onenetToken struct {
	raw, val map[string]string
}

func parseOneNETToken(s string) onenetToken {
	t := onenetToken{raw: map[string]string{}, val: map[string]string{}}
	for _, kv := range strings.Split(s, "&") {
		k, v, _ := strings.Cut(kv, "=")
		t.raw[k] = v
		if d, err := url.QueryUnescape(v); err == nil {
			t.val[k] = d
		} else {
			t.val[k] = v
		}
	}
	return t
}

func checkOneNET(c *Connect) checkResult {
	var r checkResult
	fix := "compute the token with OneNET's token tool or SDK for this device (res=products/<pid>/devices/<deviceName>, an et in the future) and URL-encode each value"
	if !c.HasPassword || c.Password == "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password", Text: "no password: OneNET wants a signed token as the password", Fix: fix})
		return r
	}
	t := parseOneNETToken(c.Password)
	var missing []string
	for _, k := range []string{"version", "res", "et", "method", "sign"} {
		if _, ok := t.raw[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the password is no OneNET token: it lacks %s", strings.Join(missing, ", ")), Fix: fix})
		return r
	}
	// URL encoding: "/" in res and "+", "/" or "=" in sign must be escaped.
	if strings.Contains(t.raw["res"], "/") || strings.ContainsAny(t.raw["sign"], "+/=") {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the token is not URL-encoded (res=%s): \"/\" must be written %%2F, and \"+\", \"/\", \"=\" in sign %%2B, %%2F, %%3D", t.raw["res"]),
			Fix:  "URL-encode each value of the token"})
	}
	res := t.val["res"]
	parts := strings.Split(res, "/")
	switch {
	case len(parts) == 4 && parts[0] == "products" && parts[2] == "devices":
		if parts[1] != c.Username {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
				Text: fmt.Sprintf("the username %q is not the product id the token names (%q)", c.Username, parts[1]), Fix: "write the product id as the username"})
		}
		if parts[3] != c.ClientID {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
				Text: fmt.Sprintf("the client id %q is not the device name the token names (%q)", c.ClientID, parts[3]), Fix: "write the device name as the client id"})
		}
	case len(parts) == 2 && parts[0] == "products":
		if parts[1] != c.Username {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
				Text: fmt.Sprintf("the username %q is not the product id the token names (%q)", c.Username, parts[1]), Fix: "write the product id as the username"})
		}
	default:
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("res=%q is neither products/<pid>/devices/<deviceName> nor products/<pid>", res), Fix: fix})
	}
	method := t.val["method"]
	h := hmacOf(method)
	if h == nil {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("method=%q is none of md5, sha1, sha256", method), Fix: fix})
	}
	if v := t.val["version"]; v != "2018-10-31" {
		r.add(Problem{Code: CodeFormat, Field: "password",
			Text: fmt.Sprintf("version=%q; device tokens use version=2018-10-31", v), Fix: "write version=2018-10-31"})
	}
	et, err := strconv.ParseInt(t.val["et"], 10, 64)
	if err != nil {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("et=%q is not a Unix time in seconds", t.val["et"]), Fix: fix})
	} else {
		checkExpiry(&r, c, "password", "the token's expiry (et)", time.Unix(et, 0), "make a new token with an et far enough in the future (OneNET's tool sets it; a device should compute it at each connect)")
	}
	sig, err := base64.StdEncoding.DecodeString(t.val["sign"])
	if h != nil && (err != nil || len(sig) != h().Size()) {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("sign is not the base64 of a %d-byte %s signature", h().Size(), method), Fix: fix})
		return r
	}
	if c.Secret == "" || h == nil || err != nil {
		return r
	}
	key, ok := decodeKey(c.Secret)
	if !ok {
		r.add(Problem{Code: CodeSecretForm, Field: "device secret",
			Text: "the device secret given is not base64, as OneNET's keys are; the signature is not checked", Fix: "give the device key as the console shows it"})
		return r
	}
	sign := func(res string) []byte {
		return mac(h, key, []byte(t.val["et"]+"\n"+method+"\n"+res+"\n"+t.val["version"]))
	}
	if hmacEqual(sign(res), sig) {
		r.verified = true
		return r
	}
	if hmacEqual(sign(t.raw["res"]), sig) {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
			Text: "the signature was computed over the URL-encoded res; OneNET signs the decoded one", Fix: "sign res before URL-encoding it"})
		return r
	}
	if hmacEqual(mac(h, []byte(c.Secret), []byte(t.val["et"]+"\n"+method+"\n"+res+"\n"+t.val["version"])), sig) {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "device secret",
			Text: "the signature was keyed with the key's base64 text; OneNET keys with its decoded bytes", Fix: "base64-decode the key before signing"})
		return r
	}
	r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
		Text: fmt.Sprintf("sign is not the %s HMAC of et %s, method %s, res %s, version %s keyed with the key given: the key is another device's (or the product's while res names the device), or a field differs from what was signed", method, t.val["et"], method, res, t.val["version"]),
		Fix:  "use the key of the resource res names and recompute the token"})
	return r
}

func hmacEqual(a, b []byte) bool { return len(a) == len(b) && string(a) == string(b) }
