package cloudauth

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Huawei Cloud IoTDA ("MQTT CONNECT连接鉴权"):
//
//	client id  <deviceId>_0_<0|1>_<YYYYMMDDHH>   (0: timestamp not checked, 1: checked)
//	username   <deviceId>
//	password   hex(HMAC-SHA256(key = <YYYYMMDDHH>, message = secret))
//
// The timestamp is the UTC hour of the connect.
var huawei = &platform{
	name:  "Huawei Cloud IoTDA",
	hosts: []string{"myhuaweicloud.com", "huaweicloud.com"},
	form:  `client id "<deviceId>_0_0_<YYYYMMDDHH>", username "<deviceId>", password the hex HMAC-SHA256 of the device secret keyed with the timestamp YYYYMMDDHH (UTC)`,
	shaped: func(c *Connect) bool {
		_, ok := parseHuaweiID(c.ClientID)
		return ok && c.Username != "" && strings.HasPrefix(c.ClientID, c.Username+"_")
	},
	check: checkHuawei,
}

type huaweiID struct {
	device, authType, signType, ts string
}

func parseHuaweiID(s string) (huaweiID, bool) {
	p := strings.Split(s, "_")
	if len(p) < 4 {
		return huaweiID{}, false
	}
	n := len(p)
	id := huaweiID{device: strings.Join(p[:n-3], "_"), authType: p[n-3], signType: p[n-2], ts: p[n-1]}
	if id.device == "" || len(id.ts) != 10 || !isDigits(id.ts) {
		return id, false
	}
	return id, true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func checkHuawei(c *Connect) checkResult {
	var r checkResult
	fix := "take the client id, username and password from the console's MQTT connection parameters or compute them with Huawei's parameter tool / device SDK"
	id, ok := parseHuaweiID(c.ClientID)
	if !ok {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the client id %s is not \"<deviceId>_0_0_<YYYYMMDDHH>\"", quoteShort(c.ClientID)), Fix: fix})
		return r
	}
	if id.authType != "0" && id.authType != "2" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the client id's identity type is %q; 0 (device id) or 2 (node id)", id.authType), Fix: fix})
	}
	if id.signType != "0" && id.signType != "1" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the client id's signature type is %q; 0 (timestamp not checked) or 1 (checked)", id.signType), Fix: fix})
	}
	if c.Username != id.device {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: fmt.Sprintf("the username %q is not the device id the client id starts with (%q)", c.Username, id.device), Fix: "write the device id as the username"})
	}
	ts, err := time.Parse("2006010215", id.ts)
	if err != nil {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "client id",
			Text: fmt.Sprintf("the timestamp %q is no date and hour YYYYMMDDHH", id.ts), Fix: fix})
	} else if !c.At.IsZero() {
		// The hour starts at ts; it is current until ts+1h.
		off := c.At.Sub(ts)
		if off < -time.Hour || off > 2*time.Hour {
			p := Problem{Code: CodeExpired, Field: "client id",
				Text: fmt.Sprintf("the timestamp %s (UTC) is %s", id.ts, relative(ts, c.At)),
				Fix:  "compute the timestamp from the connect's UTC time, with the module's clock set (AT+CCLK?, NTP)"}
			if id.signType == "1" {
				p.Error = true
				p.Text += "; signature type 1 makes the platform check it against its clock and refuse"
			} else {
				p.Text += "; signature type 0 does not check it, but it shows the credentials were computed once and reused"
			}
			r.add(p)
		}
	}
	if !c.HasPassword || c.Password == "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password", Text: "no password: IoTDA wants the HMAC-SHA256 of the secret (devices with certificates connect over TLS with a client certificate)", Fix: fix})
		return r
	}
	if !isHex(c.Password, 64) {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "password",
			Text: fmt.Sprintf("the password (%d bytes) is not 64 hex digits, the HMAC-SHA256 the platform wants", len(c.Password)), Fix: fix})
		if c.Secret != "" && c.Password == c.Secret {
			r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
				Text: "the password is the device secret itself, not its HMAC-SHA256 with the timestamp", Fix: fix})
		}
		return r
	}
	if c.Secret == "" {
		return r
	}
	sign := func(key, msg string) string {
		return hex.EncodeToString(mac(sha256New, []byte(key), []byte(msg)))
	}
	if strings.EqualFold(sign(id.ts, c.Secret), c.Password) {
		r.verified = true
		return r
	}
	if strings.EqualFold(sign(c.Secret, id.ts), c.Password) {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
			Text: "the password is the HMAC of the timestamp keyed with the secret: key and message swapped (the platform keys with the timestamp)", Fix: "compute HMAC-SHA256(key = timestamp, message = secret)"})
		return r
	}
	if err == nil {
		for d := -3; d <= 3; d++ {
			alt := ts.Add(time.Duration(d) * time.Hour).Format("2006010215")
			if d != 0 && strings.EqualFold(sign(alt, c.Secret), c.Password) {
				r.add(Problem{Code: CodeSignature, Error: true, Field: "client id",
					Text: fmt.Sprintf("the password was computed with timestamp %s, but the client id carries %s", alt, id.ts), Fix: "use the same timestamp in the client id and the signature"})
				return r
			}
		}
	}
	r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
		Text: fmt.Sprintf("the password is not the HMAC-SHA256 of the secret given keyed with timestamp %s: the secret is another device's, or it was reset in the console", id.ts),
		Fix:  "take this device's secret (reset it in the console if unknown) and recompute the password"})
	return r
}
