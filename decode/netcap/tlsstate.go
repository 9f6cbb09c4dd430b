package netcap

import (
	"fmt"
	"time"
)

// tlsConnState is what one TLS connection's two directions share: the
// negotiated version and where the handshake stands.
type tlsConnState struct {
	hello      stamp  // the ClientHello's frame (zero: not seen)
	version    uint16 // from the ServerHello; 0 until then
	certAsked  bool   // a TLS 1.2 server sent CertificateRequest
	certAnswer bool   // the client's Certificate (or its absence) was reported
	ccs        [2]bool
	done       bool // the handshake-finished event was sent

	// Decryption (tlsdecrypt.go), when the key log has the session.
	clientRandom []byte
	secrets      map[string][]byte
	ciphers      [2]*recordCipher // per direction, once its records are encrypted
	pending      [2]*recordCipher // TLS 1.2: in force from the direction's ChangeCipherSpec
}

// tlsState returns the connection's TLS state, creating it.
func (c *conn) tlsState() *tlsConnState {
	if c.tls == nil {
		c.tls = &tlsConnState{}
	}
	return c.tls
}

// maxHandshakeKeep bounds the bytes kept of one handshake message: hellos
// and certificate lists are read from it, larger ones only counted.
const maxHandshakeKeep = 1 << 16

// handshakeReader splits a direction's clear handshake bytes into
// messages, which may span records [RFC 8446 5.1].
type handshakeReader struct {
	hdr    [4]byte
	hn     int
	remain int
	size   int
	msg    []byte
}

// feed consumes b and calls fn for each complete message with its type,
// its body (at most maxHandshakeKeep bytes of it) and its full size.
func (h *handshakeReader) feed(b []byte, fn func(typ byte, msg []byte, size int)) {
	for len(b) > 0 {
		if h.hn < len(h.hdr) {
			k := copy(h.hdr[h.hn:], b)
			h.hn += k
			b = b[k:]
			if h.hn < len(h.hdr) {
				return
			}
			h.size = int(h.hdr[1])<<16 | int(h.hdr[2])<<8 | int(h.hdr[3])
			h.remain = h.size
			h.msg = h.msg[:0]
		}
		k := min(h.remain, len(b))
		if keep := min(k, maxHandshakeKeep-len(h.msg)); keep > 0 {
			h.msg = append(h.msg, b[:keep]...)
		}
		h.remain -= k
		b = b[k:]
		if h.remain == 0 {
			fn(h.hdr[0], h.msg, h.size)
			h.hn = 0
			if cap(h.msg) > 4096 {
				h.msg = nil
			}
		}
	}
}

// handshakeMessage reports one clear handshake message.
func (t *tlsSink) handshakeMessage(ts *tlsConnState, typ byte, msg []byte, size int, st stamp) {
	switch {
	case typ == hsClientHello && t.fromClient:
		h, ok := parseClientHello(msg)
		if !ok {
			return
		}
		if ts.hello.frame == 0 {
			ts.hello = st
			ts.clientRandom = append([]byte(nil), h.random...)
		}
		info := &TLSInfo{Versions: h.offered(), Suites: h.suites, SNIPresent: h.hasSNI, ALPN: h.alpn}
		r := t.eventRecord(st, EventTLSHello, "client", helloDetail(h.sni), info)
		r.Event.SNI = h.sni
		t.d.emit(r)
	case typ == hsServerHello && !t.fromClient:
		h, ok := parseServerHello(msg)
		if !ok {
			return
		}
		info := &TLSInfo{Version: h.version, Suite: h.suite, HelloRetry: h.retry}
		detail := fmt.Sprintf("%s, %s", VersionName(h.version), SuiteName(h.suite))
		if h.retry {
			detail = "HelloRetryRequest: " + detail
		} else {
			ts.version = h.version
			t.d.setUpDecryption(ts, h)
		}
		t.d.emit(t.eventRecord(st, EventTLSServerHello, "server", detail, info))
		if h.version >= 0x0304 && !h.retry {
			t.encrypted = true // the rest of the server's flight is encrypted
		}
	case typ == hsCertificateRequest && !t.fromClient:
		ts.certAsked = true
		t.d.emit(t.eventRecord(st, EventTLSCertRequest, "server", "server asks for a client certificate", &TLSInfo{}))
	case typ == hsCertificate && t.fromClient && !ts.certAnswer:
		ts.certAnswer = true
		n, complete := countCertificates(msg, size)
		detail := "client sent no certificate"
		switch {
		case n > 0 && complete:
			detail = fmt.Sprintf("client sent %d certificate(s)", n)
		case n > 0:
			detail = "client sent a certificate chain"
		}
		t.d.emit(t.eventRecord(st, EventTLSClientCert, "client", detail, &TLSInfo{ClientCerts: n}))
	case typ == hsClientKeyExchange && t.fromClient && ts.certAsked && !ts.certAnswer:
		// Asked for a certificate, the client went on without one.
		ts.certAnswer = true
		t.d.emit(t.eventRecord(st, EventTLSClientCert, "client", "client sent no certificate", &TLSInfo{}))
	}
}

// countCertificates counts the entries of a TLS 1.2 Certificate message
// body [RFC 5246 7.4.2]; complete is false when the body was cut at
// maxHandshakeKeep (then n counts at least the first).
func countCertificates(msg []byte, size int) (n int, complete bool) {
	r := reader{b: msg}
	total := r.u24()
	if r.bad || total == 0 {
		return 0, !r.bad
	}
	if size > len(msg) {
		return 1, false
	}
	list := reader{b: r.bytes(total)}
	for len(list.b) > 0 && !list.bad {
		list.skip(list.u24())
		if !list.bad {
			n++
		}
	}
	return n, !list.bad && !r.bad
}

// afterEncryption follows the encrypted records: the handshake is over
// when both sides sent their Finished (TLS 1.2: the record after each
// ChangeCipherSpec) or, in TLS 1.3, at the client's first encrypted
// record that is not an alert. A TLS 1.3 client's encrypted record of
// exactly an alert's size before that is reported as an encrypted alert:
// the client gave up on the server's certificate (unknown_ca and the
// like), whose name needs the keys.
func (t *tlsSink) afterEncryption(ts *tlsConnState, st stamp, appData bool) {
	t.records++
	if ts.done || ts.hello.frame == 0 {
		return
	}
	switch {
	case ts.version >= 0x0304:
		if !t.fromClient || !appData {
			return
		}
		if t.remainLen() == tls13AlertRecord {
			t.d.emit(t.eventRecord(st, EventTLSAlert, "client",
				"encrypted alert (TLS 1.3: its name needs the session keys)", &TLSInfo{AlertEncrypted: true}))
			return
		}
	case ts.version != 0:
		i := toClient
		if t.fromClient {
			i = toServer
		}
		ts.ccs[i] = true // the record after ChangeCipherSpec: this side's Finished
		if !ts.ccs[toServer] || !ts.ccs[toClient] {
			return
		}
	default:
		return
	}
	t.finished(ts, st)
}

// finished reports the end of the handshake, once.
func (t *tlsSink) finished(ts *tlsConnState, st stamp) {
	ts.done = true
	took := st.time.Sub(ts.hello.time)
	t.d.emit(t.eventRecord(st, EventTLSHandshakeDone, byName(t.index()),
		fmt.Sprintf("%s handshake finished %s after the ClientHello", VersionName(ts.version), took.Round(time.Microsecond)),
		&TLSInfo{Version: ts.version, Handshake: took}))
}

// tls13AlertRecord is the size of a TLS 1.3 encrypted alert record: the
// alert's 2 bytes, the inner content type and a 16-byte AEAD tag.
const tls13AlertRecord = 2 + 1 + 16

// remainLen is the current record's length from its header.
func (t *tlsSink) remainLen() int { return int(t.hdr[3])<<8 | int(t.hdr[4]) }

func (t *tlsSink) index() int {
	if t.fromClient {
		return toServer
	}
	return toClient
}
