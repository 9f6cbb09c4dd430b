package correlate

import (
	"fmt"
	"strings"
)

// Cloud IoT platforms refuse plain credentials: each wants a client id,
// username and password in its own signed form (docs/at-dialects.md §7.1).
// A module that only says "connect failed" gives no CONNACK to go on, so
// the host name and the form of the credentials are the best evidence.

// cloudPlatform is one platform's credential form.
type cloudPlatform struct {
	name   string
	suffix string // host name suffix (or part) that identifies it
	form   string // the credentials it wants, in words
	// wrong says what in the given credentials does not have that form,
	// "" when they look right.
	wrong func(clientID, user, pass string) string
}

var cloudPlatforms = []cloudPlatform{
	{
		name: "Tencent IoT Explorer", suffix: "tencentdevices.com",
		form: `client id "<productId><deviceName>", username "<productId><deviceName>;<sdkappid>;<connid>;<expiry>", password "<HMAC signature>;hmacsha256" (or ;hmacsha1), computed by the console or SDK`,
		wrong: func(cid, user, pass string) string {
			var w []string
			if strings.Count(user, ";") != 3 {
				w = append(w, fmt.Sprintf("the username %q has not the 4 ';'-separated fields", user))
			}
			if !strings.Contains(pass, ";hmacsha") {
				w = append(w, fmt.Sprintf("the password (%d bytes) is no \"<signature>;hmacsha…\" pair", len(pass)))
			}
			return strings.Join(w, " and ")
		},
	},
	{
		name: "Alibaba Cloud IoT", suffix: "aliyuncs.com",
		form: `client id "<id>|securemode=3,signmethod=hmacsha1,timestamp=<t>|", username "<deviceName>&<productKey>", password the HMAC of the device secret`,
		wrong: func(cid, user, pass string) string {
			var w []string
			if !strings.Contains(cid, "|securemode=") {
				w = append(w, fmt.Sprintf("the client id %q lacks \"|securemode=…|\"", cid))
			}
			if !strings.Contains(user, "&") {
				w = append(w, fmt.Sprintf("the username %q is not \"<deviceName>&<productKey>\"", user))
			}
			return strings.Join(w, " and ")
		},
	},
	{
		name: "Azure IoT Hub", suffix: "azure-devices.net",
		form: `client id "<deviceId>", username "<hub>.azure-devices.net/<deviceId>/?api-version=…", password "SharedAccessSignature sr=…&sig=…&se=…", over TLS on port 8883`,
		wrong: func(cid, user, pass string) string {
			var w []string
			if !strings.Contains(user, ".azure-devices.net/") {
				w = append(w, fmt.Sprintf("the username %q is not \"<hub>.azure-devices.net/<deviceId>/…\"", user))
			}
			if !strings.HasPrefix(pass, "SharedAccessSignature ") {
				w = append(w, "the password is not a \"SharedAccessSignature …\" token")
			}
			return strings.Join(w, " and ")
		},
	},
	{
		name: "OneNET", suffix: "heclouds.com",
		form: `username the product id, password a token "version=…&res=products/<pid>/devices/<dev>&et=…&method=…&sign=…"`,
		wrong: func(cid, user, pass string) string {
			if !strings.Contains(pass, "res=products/") {
				return "the password is not a \"version=…&res=products/…&sign=…\" token"
			}
			return ""
		},
	},
}

// cloudCredentialsProblem names the platform host belongs to and what in
// the credentials does not have its form; "" when host is no known
// platform or nothing is seen wrong.
func cloudCredentialsProblem(host, clientID, user, pass string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range cloudPlatforms {
		if !strings.HasSuffix(h, p.suffix) {
			continue
		}
		wrong := p.wrong(clientID, user, pass)
		if wrong == "" {
			return ""
		}
		return fmt.Sprintf("The broker is %s (%s), which only accepts signed credentials: %s; here %s — such a CONNECT is refused", p.name, host, p.form, wrong)
	}
	return ""
}
