package netcap

import (
	"encoding/binary"
	"fmt"

	"github.com/atmq/atmq/decode/mqtt"
)

// tlsSink walks one direction's TLS records on a TLS port. MQTT inside is
// encrypted, so it reports what is in clear: the ClientHello (versions,
// cipher suites, server name, ALPN), the ServerHello, a TLS 1.2 server's
// certificate request and the client's answer to it, alerts sent before
// encryption starts, and when the handshake finished (tlsstate.go).
//
// A client that speaks plain MQTT to the TLS port (a common
// misconfiguration) starts with a CONNECT, whose first byte 0x10 is no TLS
// record type: the connection is then decoded as MQTT instead.
type tlsSink struct {
	d          *Decoder
	c          *conn
	dir        *direction
	fromClient bool

	started bool                   // the first bytes were classified
	pre     [connectPrefixMax]byte // client bytes held while checking for a CONNECT
	pn      int

	hdr    [5]byte
	hn     int    // header bytes collected
	remain int    // body bytes still to come in the current record
	keep   bool   // collect this record's body
	body   []byte // collected body (bounded by maxTLSRecord)
	broken bool   // not TLS after all: stop looking

	hs        handshakeReader // handshake messages in clear
	encrypted bool            // this direction sent ChangeCipherSpec (or TLS 1.3 keys are in use)
	records   int             // records seen after encryption started

	// With keys: the decrypted handshake messages (for Finished and
	// KeyUpdate) and the MQTT sink the decrypted application data feeds.
	dhs   handshakeReader
	plain *mqttSink
}

// maxTLSRecord is the largest TLS record body (2^14 plus expansion) [RFC 8446 5.2].
const maxTLSRecord = 1<<14 + 2048

// TLS record content types [RFC 8446 5.1].
const (
	tlsChangeCipherSpec = 20
	tlsAlert            = 21
	tlsHandshake        = 22
	tlsApplicationData  = 23
	tlsHeartbeat        = 24
)

func (t *tlsSink) data(b []byte, st stamp) {
	if !t.started && len(b) > 0 {
		if b, st = t.classify(b, st); b == nil {
			return
		}
	}
	for len(b) > 0 && !t.broken {
		if t.hn < len(t.hdr) {
			k := copy(t.hdr[t.hn:], b)
			t.hn += k
			b = b[k:]
			if t.hn < len(t.hdr) {
				return
			}
			typ, n := t.hdr[0], int(binary.BigEndian.Uint16(t.hdr[3:5]))
			if typ < tlsChangeCipherSpec || typ > tlsHeartbeat || t.hdr[1] != 3 || n > maxTLSRecord {
				t.broken = true
				t.body = nil
				return
			}
			t.remain = n
			t.keep = typ == tlsAlert || typ == tlsHandshake && !t.encrypted || t.decrypting() && typ != tlsChangeCipherSpec
			t.body = t.body[:0]
		}
		k := min(t.remain, len(b))
		if t.keep {
			t.body = append(t.body, b[:k]...)
		}
		t.remain -= k
		b = b[k:]
		if t.remain == 0 {
			t.record(st)
			t.hn = 0
		}
	}
}

// classify looks at a direction's first bytes. It returns the bytes to
// walk as TLS, or nil when they were held or handed to an MQTT sink.
func (t *tlsSink) classify(b []byte, st stamp) ([]byte, stamp) {
	c := t.c
	if !t.fromClient {
		if c.kind == kindMQTT && (b[0] < tlsChangeCipherSpec || b[0] > tlsHeartbeat) {
			t.toMQTT(b, st) // a plain MQTT broker on the TLS port
			return nil, st
		}
		t.started = true
		return b, st
	}
	k := copy(t.pre[t.pn:], b)
	switch looksLikeConnect(t.pre[:t.pn+k]) {
	case needMore:
		t.pn += k
		return nil, st
	case notConnect:
		t.started = true
		if t.pn == 0 {
			return b, st
		}
		held := append(t.pre[:t.pn:t.pn], b...)
		return held, st
	}
	// Plain MQTT: decode both directions as MQTT from here on.
	c.kind = kindMQTT
	c.mq = &mqtt.Conn{ForceVersion: t.d.opts.ForceVersion}
	t.d.stats.TLSConns--
	t.d.stats.MQTTConns++
	// The server's sink stays: its first byte tells a TLS server (alert,
	// handshake) from a plain MQTT broker.
	held := append([]byte(nil), t.pre[:t.pn]...)
	t.toMQTT(held, st)
	t.dir.sink.data(b, st)
	return nil, st
}

// toMQTT replaces this sink by an MQTT one and feeds it b.
func (t *tlsSink) toMQTT(b []byte, st stamp) {
	i := toClient
	if t.fromClient {
		i = toServer
	}
	t.dir.sink = t.c.newMQTTSink(t.d, i)
	if len(b) > 0 {
		t.dir.sink.data(b, st)
	}
}

// record handles one complete record.
func (t *tlsSink) record(st stamp) {
	by := byName(toClient)
	if t.fromClient {
		by = byName(toServer)
	}
	ts := t.c.tlsState()
	if t.hdr[0] == tlsChangeCipherSpec && ts.pending[t.index()] != nil {
		ts.ciphers[t.index()], ts.pending[t.index()] = ts.pending[t.index()], nil
	} else if t.decrypting() {
		t.decrypted(ts, st)
		return
	}
	switch t.hdr[0] {
	case tlsHandshake:
		if t.encrypted {
			t.afterEncryption(ts, st, false)
			return
		}
		if !t.keep {
			return
		}
		t.hs.feed(t.body, func(typ byte, msg []byte, size int) { t.handshakeMessage(ts, typ, msg, size, st) })
		t.body = t.body[:0]
		if cap(t.body) > 4096 {
			t.body = nil
		}
	case tlsChangeCipherSpec:
		t.encrypted = true
		t.hs = handshakeReader{}
	case tlsAlert:
		if len(t.body) == 2 && !t.encrypted {
			t.d.emit(t.alertRecord(st, by, t.body[0], t.body[1]))
			return
		}
		t.d.emit(t.eventRecord(st, EventTLSAlert, by, "encrypted alert", &TLSInfo{AlertEncrypted: true}))
	case tlsApplicationData:
		t.afterEncryption(ts, st, true)
	}
}

// alertRecord reports an alert read in clear or decrypted: close_notify
// as the normal end it is, any other by name.
func (t *tlsSink) alertRecord(st stamp, by string, level, desc byte) Record {
	typ := EventTLSAlert
	if desc == 0 {
		typ = EventTLSClose
	}
	return t.eventRecord(st, typ, by, alertText(level, desc),
		&TLSInfo{AlertLevel: level, Alert: desc, AlertName: alertName(desc)})
}

func (t *tlsSink) eventRecord(st stamp, typ, by, detail string, info *TLSInfo) Record {
	return Record{Kind: KindEvent, Frame: st.frame, Time: st.time, Conn: t.c.id,
		Client: t.c.client, Server: t.c.server, FromClient: by == "client",
		Event: &Event{Type: typ, By: by, Detail: detail, TLS: info}}
}

func helloDetail(sni string) string {
	if sni == "" {
		return "ClientHello without server name"
	}
	return "ClientHello for " + sni
}

func (t *tlsSink) gap(int, stamp, gapCause) { t.broken = true; t.body = nil }
func (t *tlsSink) end(stamp)                { t.body = nil }

// reader reads big-endian fields; past the end it returns zeros and sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) bytes(n int) []byte {
	if n > len(r.b) {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) u8() int {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16() int {
	v := r.bytes(2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}

func (r *reader) u24() int {
	v := r.bytes(3)
	if v == nil {
		return 0
	}
	return int(v[0])<<16 | int(v[1])<<8 | int(v[2])
}

// alertText names a TLS alert [RFC 8446 6, RFC 5246 7.2].
func alertText(level, desc byte) string {
	lv := fmt.Sprintf("level %d", level)
	switch level {
	case 1:
		lv = "warning"
	case 2:
		lv = "fatal"
	}
	return fmt.Sprintf("%s %s (%d)", lv, alertName(desc), desc)
}

// alertName is an alert description's RFC name ("unknown_ca").
func alertName(desc byte) string {
	if name, ok := alertNames[desc]; ok {
		return name
	}
	return "unknown alert"
}

var alertNames = map[byte]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
	70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
	109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
	112: "unrecognized_name", 113: "bad_certificate_status_response",
	114: "bad_certificate_hash_value", 115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol",
}
