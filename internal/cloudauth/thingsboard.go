package cloudauth

import "fmt"

// ThingsBoard ("MQTT Device API", access-token credentials): the
// device's access token is the username; client id and password are
// not checked (they are with "MQTT Basic" credentials, where the
// username, client id and password are the ones the device profile
// sets).
var thingsboard = &platform{
	name:  "ThingsBoard",
	hosts: []string{"thingsboard.cloud", "thingsboard.io"},
	form:  `username the device's access token (client id and password free), or the device's "MQTT Basic" client id, username and password`,
	check: checkThingsBoard,
}

func checkThingsBoard(c *Connect) checkResult {
	var r checkResult
	if !c.HasUsername || c.Username == "" {
		r.add(Problem{Code: CodeFormat, Error: true, Field: "username",
			Text: "no username: ThingsBoard identifies the device by the access token sent as the username", Fix: "send the device's access token (device → Copy access token) as the username"})
		return r
	}
	if c.Secret != "" && c.Username != c.Secret && !c.HasPassword {
		r.add(Problem{Code: CodeSignature, Error: true, Field: "username",
			Text: fmt.Sprintf("the username (%d bytes) is not the access token given", len(c.Username)), Fix: "send the device's access token as the username"})
		return r
	}
	if c.Secret != "" && c.Username == c.Secret {
		r.verified = true
	}
	return r
}
