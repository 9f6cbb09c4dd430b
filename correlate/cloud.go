package correlate

import (
	"fmt"
	"strings"

	"github.com/atmq/atmq/internal/cloudauth"
)

// Cloud IoT platforms refuse plain credentials: each wants a client id,
// username and password in its own signed form (docs/at-dialects.md §7.1;
// internal/cloudauth holds each platform's rules). A module that only
// says "connect failed" gives no CONNACK to go on, so the host name and
// the form of the credentials are the best evidence.

// cloudCredentialsProblem names the platform host belongs to and what in
// the credentials does not have its form; "" when host is no known
// platform or nothing is seen wrong. Only the host name counts here: the
// credentials' shape alone is checked by diagnoseCredentials.
func cloudCredentialsProblem(host, clientID, user, pass string) string {
	c := cloudauth.Connect{Host: host, ClientID: clientID, Username: user, Password: pass,
		HasUsername: user != "", HasPassword: pass != ""}
	r := cloudauth.Check(c)
	if r == nil || !strings.HasPrefix(r.Why, "the broker's host name") {
		return ""
	}
	var wrong []string
	for _, p := range r.Problems {
		if p.Code == cloudauth.CodeFormat && p.Error {
			wrong = append(wrong, p.Text)
		}
	}
	if len(wrong) == 0 {
		return ""
	}
	return fmt.Sprintf("The broker is %s (%s), which only accepts signed credentials: %s; here %s — such a CONNECT is refused", r.Platform, host, r.Form, strings.Join(wrong, " and "))
}
