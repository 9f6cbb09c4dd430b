package cloudauth

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Azure IoT Hub ("Communicate with an IoT hub using the MQTT protocol",
// "Control access to IoT Hub with shared access signatures"):
//
//	client id  <deviceId>
//	username   <hub>.azure-devices.net/<deviceId>/?api-version=2021-04-12
//	password   SharedAccessSignature sr=<url(<hub>.azure-devices.net/devices/<deviceId>)>&sig=<url(base64(sig))>&se=<unix expiry>
//	sig        HMAC-SHA256(base64decode(device key), <sr as written> + "\n" + <se>)
var azure = &platform{
	name:  "Azure IoT Hub",
	hosts: []string{"azure-devices.net", "azure-devices.cn", "azure-devices.us"},
	form:  `client id "<deviceId>", username "<hub>.azure-devices.net/<deviceId>/?api-version=2021-04-12", password "SharedAccessSignature sr=<hub>.azure-devices.net%2Fdevices%2F<deviceId>&sig=<signature>&se=<expiry>", over TLS on port 8883`,
	shaped: func(c *Connect) bool {
		return strings.HasPrefix(c.Password, "SharedAccessSignature ") || strings.Contains(c.Username, ".azure-devices.")
	},
	check: checkAzure,
}

func checkAzure(c *Connect) checkResult {
	var r checkResult
	fix := "generate a SAS token for the device (az iot hub generate-sas-token -d <device>, or the SDK) and write the username as \"<hub>.azure-devices.net/<deviceId>/?api-version=2021-04-12\""
	host, rest, ok := strings.Cut(c.Username, "/")
	dev, query, ok2 := strings.Cut(rest, "/?")
	switch {
	case !ok || !ok2 || !strings.Contains(host, ".azure-devices."):
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("the username %s is not \"<hub>.azure-devices.net/<deviceId>/?api-version=…\"", quoteShort(c.Username)), Fix: fix})
	default:
		if dev != c.ClientID {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
				Text: fmt.Sprintf("the client id %q is not the device id in the username (%q)", c.ClientID, dev), Fix: "write the device id as the client id"})
		}
		if c.Host != "" && !strings.EqualFold(host, c.Host) {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
				Text: fmt.Sprintf("the username names hub %q but the connection goes to %q", host, c.Host), Fix: "write the hub's host name the module connects to"})
		}
		if !strings.Contains(query, "api-version=") {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
				Text: fmt.Sprintf("the username has no api-version (%q after \"/?\")", query), Fix: "end the username with \"/?api-version=2021-04-12\""})
		}
	}
	if c.TLSKnown && !c.TLS {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "connection",
			Text: "the connection is plain TCP; IoT Hub accepts MQTT only over TLS (port 8883, or 443 over WebSockets)", Fix: "connect with TLS on port 8883"})
	}
	if !c.HasPassword || c.Password == "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: "no password: without an X.509 client certificate IoT Hub wants a SAS token", Fix: fix})
		return r
	}
	tok, found := strings.CutPrefix(c.Password, "SharedAccessSignature ")
	if !found {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the password (%d bytes) is not a \"SharedAccessSignature sr=…&sig=…&se=…\" token (a device key used directly is refused)", len(c.Password)), Fix: fix})
		return r
	}
	raw := map[string]string{}
	for _, kv := range strings.Split(tok, "&") {
		k, v, _ := strings.Cut(kv, "=")
		raw[k] = v
	}
	var missing []string
	for _, k := range []string{"sr", "sig", "se"} {
		if raw[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the SAS token lacks %s", strings.Join(missing, ", ")), Fix: fix})
		return r
	}
	sr, _ := url.QueryUnescape(raw["sr"])
	if h, d, ok := strings.Cut(sr, "/devices/"); !ok || (c.ClientID != "" && d != c.ClientID) || (c.Host != "" && !strings.EqualFold(h, c.Host)) {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the token's resource sr=%q is not \"%s/devices/%s\"", sr, orText(c.Host, "<hub>.azure-devices.net"), orText(c.ClientID, "<deviceId>")), Fix: fix})
	}
	se, err := strconv.ParseInt(raw["se"], 10, 64)
	if err != nil {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("se=%q is not a Unix time in seconds", raw["se"]), Fix: fix})
	} else {
		checkExpiry(&r, c, "password", "the SAS token's expiry (se)", time.Unix(se, 0), "generate a new SAS token (its lifetime is set when it is made; devices renew it before se)")
	}
	sigText, _ := url.QueryUnescape(raw["sig"])
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil || len(sig) != 32 {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: "sig is not the URL-encoded base64 of an HMAC-SHA256", Fix: fix})
		return r
	}
	if c.Secret == "" {
		return r
	}
	key, okKey := decodeKey(c.Secret)
	if !okKey {
		r.add(Problem{Code: CodeSecretForm, Field: "device secret",
			Text: "the device key given is not base64, as IoT Hub's keys are; the signature is not checked", Fix: "give the device's primary (or secondary) key as the portal shows it"})
		return r
	}
	msg := raw["sr"] + "\n" + raw["se"]
	if hmacEqual(mac(sha256New, key, []byte(msg)), sig) {
		r.verified = true
		return r
	}
	if hmacEqual(mac(sha256New, key, []byte(sr+"\n"+raw["se"])), sig) {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
			Text: "the signature covers the decoded resource; IoT Hub signs sr URL-encoded, as the token carries it", Fix: "sign the URL-encoded sr"})
		return r
	}
	if hmacEqual(mac(sha256New, []byte(c.Secret), []byte(msg)), sig) {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "device secret",
			Text: "the signature was keyed with the key's base64 text; IoT Hub keys with its decoded bytes", Fix: "base64-decode the device key before signing"})
		return r
	}
	r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
		Text: fmt.Sprintf("sig is not the HMAC-SHA256 of sr %q and se %s keyed with the device key given: the key is another device's, was regenerated, or the token names another device", raw["sr"], raw["se"]),
		Fix:  fix})
	return r
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
