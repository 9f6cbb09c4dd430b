package cloudauth

import "fmt"

// EMQX Cloud ("Connect to deployment"): plain username and password
// authentication, no signature; the Serverless deployments
// (*.emqxsl.com) accept only TLS (8883, or 8084 for WebSocket).
var emqxCloud = &platform{
	name:  "EMQX Cloud",
	hosts: []string{"emqxsl.com", "emqxsl.cn", "emqx.cloud", "emqxcloud.com", "emqxcloud.cn"},
	form:  "a username and password created in the deployment's Access Control → Authentication, in clear (no signature); TLS on port 8883 for Serverless",
	check: checkEMQX,
}

func checkEMQX(c *Connect) checkResult {
	var r checkResult
	if !c.HasUsername || c.Username == "" || !c.HasPassword {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: "no username or password: EMQX Cloud deployments require the credentials set in Access Control → Authentication", Fix: "add a username and password in the deployment's authentication settings and send them"})
	}
	if c.TLSKnown && !c.TLS && hasSuffixAny(c.Host, "emqxsl.com", "emqxsl.cn") {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "connection",
			Text: fmt.Sprintf("the connection is plain TCP%s; Serverless deployments accept only TLS (port 8883)", portWords(c.Port)), Fix: "connect with TLS on port 8883, trusting the deployment's CA (DigiCert Global Root G2)"})
	}
	if c.Secret != "" && c.HasPassword && c.Password != c.Secret {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "password",
			Text: fmt.Sprintf("the password (%d bytes) is not the one given", len(c.Password)), Fix: "send the password set for this username in the deployment's authentication"})
	} else if c.Secret != "" && c.HasPassword {
		r.verified = true
	}
	return r
}
