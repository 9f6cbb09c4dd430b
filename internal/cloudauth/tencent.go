package cloudauth

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Tencent IoT Explorer / IoT Hub ("设备基于 MQTT 接入" key authentication):
//
//	client id  <productId><deviceName>
//	username   <productId><deviceName>;<sdkappid>;<connid>;<expiry>   (sdkappid 12010126, connid 5 random characters, expiry Unix seconds)
//	password   hex(HMAC_<method>(base64decode(devicePsk), username)) + ";hmacsha256" (or ";hmacsha1")
var tencent = &platform{
	name:  "Tencent IoT Explorer",
	hosts: []string{"tencentdevices.com", "tencentcloudmq.com"},
	form:  `client id "<productId><deviceName>", username "<productId><deviceName>;12010126;<connid>;<expiry>", password "<hex HMAC of the username keyed with the base64-decoded device PSK>;hmacsha256"`,
	shaped: func(c *Connect) bool {
		f := strings.Split(c.Username, ";")
		return len(f) == 4 && f[0] == c.ClientID && strings.Contains(c.Password, ";hmacsha")
	},
	check: checkTencent,
}

func checkTencent(c *Connect) checkResult {
	var r checkResult
	fix := "compute the username and password with the console's device information or the SDK (username \"<productId><deviceName>;12010126;<connid>;<expiry>\", password \"<signature>;hmacsha256\")"
	f := strings.Split(c.Username, ";")
	if len(f) != 4 {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("the username %s has not the 4 ';'-separated fields of \"<productId><deviceName>;<sdkappid>;<connid>;<expiry>\" (it has %d)", quoteShort(c.Username), len(f)), Fix: fix})
		return r
	}
	if f[0] != c.ClientID {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the client id %q is not the username's first field %q (<productId><deviceName>)", c.ClientID, f[0]), Fix: "write the same <productId><deviceName> in both"})
	}
	if len(f[0]) <= 10 {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("%q is too short for a 10-character product id followed by the device name", f[0]), Fix: fix})
	} else if host := strings.ToLower(c.Host); strings.HasSuffix(host, ".iotcloud.tencentdevices.com") {
		if pid := strings.TrimSuffix(host, ".iotcloud.tencentdevices.com"); !strings.EqualFold(pid, f[0][:10]) {
			r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
				Text: fmt.Sprintf("the product id %q the username starts with differs from the host name's %q", f[0][:10], pid), Fix: "connect to <productId>.iotcloud.tencentdevices.com with the device's own product id"})
		}
	}
	if !isDigits(f[1]) {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("sdkappid %q is not a number (12010126)", f[1]), Fix: fix})
	}
	if len(f[2]) != 5 {
		r.add(Problem{Code: CodeFormat, Field: "username",
			Text: fmt.Sprintf("connid %q is not 5 characters", f[2]), Fix: fix})
	}
	exp, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("expiry %q is not a Unix time in seconds", f[3]), Fix: fix})
	} else {
		checkExpiry(&r, c, "username", "the username's expiry", time.Unix(exp, 0), "compute a new username and password with an expiry in the future at each connect (the SDK does), with the module's clock set")
	}
	sig, method, ok := strings.Cut(c.Password, ";")
	h := hmacOf(method)
	if !ok || h == nil {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the password (%d bytes) is no \"<signature>;hmacsha256\" (or ;hmacsha1) pair", len(c.Password)), Fix: fix})
		return r
	}
	if !isHex(sig, 2*h().Size()) {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the signature is %d bytes, not the %d hex digits of an %s", len(sig), 2*h().Size(), method), Fix: fix})
		return r
	}
	if c.Secret == "" {
		return r
	}
	key, okKey := decodeKey(c.Secret)
	if !okKey {
		r.add(Problem{Code: CodeSecretForm, Field: "device secret",
			Text: "the device PSK given is not base64, as Tencent's are; the signature is not checked", Fix: "give the device PSK as the console shows it"})
		return r
	}
	if strings.EqualFold(hex.EncodeToString(mac(h, key, []byte(c.Username))), sig) {
		r.verified = true
		return r
	}
	if strings.EqualFold(hex.EncodeToString(mac(h, []byte(c.Secret), []byte(c.Username))), sig) {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "device secret",
			Text: "the signature was keyed with the PSK's base64 text; the platform keys with its decoded bytes", Fix: "base64-decode the device PSK before signing"})
		return r
	}
	r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
		Text: fmt.Sprintf("the password's signature is not the %s of the username %q keyed with the PSK given: the PSK is another device's, or the username was changed after signing (its connid or expiry)", method, c.Username),
		Fix:  "sign the exact username sent, with this device's PSK"})
	return r
}
