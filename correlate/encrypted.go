package correlate

import (
	"fmt"

	"github.com/atmq/atmq/decode/netcap"
)

// CodeEncryptedClose: a TLS connection whose MQTT atmq cannot read (no
// session keys) ended. A FIN after an encrypted DISCONNECT is the normal
// end of a session, so without its content the close is not a failure.
const CodeEncryptedClose = "closed-encrypted"

// encrypted says the connection carried TLS and no MQTT packet could be
// read from it: its content is not visible.
func (a *captureIndex) encrypted(c *connInfo) bool {
	tls := false
	for _, i := range c.recs {
		r := &a.recs[i]
		if r.Kind == netcap.KindPacket {
			return false
		}
		if a.isEvent(i, netcap.EventTLSHello) || a.isEvent(i, netcap.EventTLSAlert) {
			tls = true
		}
	}
	return tls || c.server.Port() == netcap.DefaultTLSPort
}

// encryptedClose reports how a connection whose content is not visible
// ended, instead of a server-closed error; it says whether it did.
func (a *wireCheck) encryptedClose(c *connInfo, sc int, what string, line int) bool {
	if !a.encrypted(c) {
		return false
	}
	if v := a.tlsViewOf(c); v.hello >= 0 && v.done < 0 {
		return true // the handshake failed: diagnoseTLS's finding explains the close
	}
	a.add(Finding{
		Code: CodeEncryptedClose, Severity: SeverityInfo, Line: line,
		Frames:  a.frames([]int{sc}),
		Summary: fmt.Sprintf("connection %d closed (TLS, content not visible): the broker %s sent %s at frame %d", c.id, c.server, what, a.recs[sc].Frame),
		Explanation: "without the TLS session keys atmq cannot see whether a DISCONNECT, an error or a refusal came before the close; " +
			"a session that ends with the client's DISCONNECT looks exactly like this",
		Fix: "to see the MQTT inside, capture with the session keys: SSLKEYLOGFILE on a test client, or a pcapng with a Decryption Secrets Block (editcap --inject-secrets tls,KEYLOG)",
	})
	return true
}
