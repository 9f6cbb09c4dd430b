package cloudauth

import (
	"fmt"
	"strings"
)

// AWS IoT Core ("Device communication protocols", "Client
// authentication"): MQTT devices authenticate with an X.509 client
// certificate over TLS on port 8883 (or 443 with ALPN
// "x-amzn-mqtt-ca"). A username and password are only read by a custom
// authorizer, on port 443 with ALPN "mqtt"; plain TCP is never accepted.
var aws = &platform{
	name:  "AWS IoT Core",
	hosts: []string{"amazonaws.com", "amazonaws.com.cn"},
	// <prefix>-ats.iot.<region>.amazonaws.com
	hostOK: func(h string) bool { return strings.Contains(h, ".iot.") },
	form:   "TLS on port 8883 with the thing's X.509 client certificate and private key; no username or password (those only go to a custom authorizer, on port 443)",
	check:  checkAWS,
}

func checkAWS(c *Connect) checkResult {
	var r checkResult
	fix := "connect with TLS on port 8883, giving the module the thing's certificate and private key (Quectel AT+QSSLCFG=\"clientcert\"/\"clientkey\", SIMCom AT+CSSLCFG=\"clientcert\"/\"clientkey\") and Amazon's root CA"
	if c.TLSKnown && !c.TLS {
		r.add(Problem{Code: CodeNeedsCert, Error: true, Field: "connection",
			Text: fmt.Sprintf("the connection is plain TCP%s; AWS IoT Core accepts MQTT only over TLS with a client certificate", portWords(c.Port)), Fix: fix})
	}
	if c.HasPassword && c.Password != "" && c.Port != 443 {
		r.add(Problem{Code: CodeNeedsCert, Field: "password",
			Text: "a password is sent, but AWS IoT Core authenticates devices by their client certificate; it reads a username and password only through a custom authorizer, on port 443 with ALPN \"mqtt\"", Fix: fix})
	}
	return r
}

func portWords(port int) string {
	if port == 0 {
		return ""
	}
	return fmt.Sprintf(" (port %d)", port)
}
