package netcap

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	_ "crypto/sha256" // the suites' hashes
	_ "crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// suiteParams are what decrypting a cipher suite's records needs.
type suiteParams struct {
	keyLen int
	hash   crypto.Hash
	chacha bool
}

// decryptableSuites: the TLS 1.3 suites [RFC 8446 B.4] and the TLS 1.2
// AEAD suites with ECDHE or RSA key exchange [RFC 5288, 5289, 7905].
var decryptableSuites = map[uint16]suiteParams{
	0x1301: {16, crypto.SHA256, false}, // TLS_AES_128_GCM_SHA256
	0x1302: {32, crypto.SHA384, false}, // TLS_AES_256_GCM_SHA384
	0x1303: {32, crypto.SHA256, true},  // TLS_CHACHA20_POLY1305_SHA256
	0xc02b: {16, crypto.SHA256, false}, // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	0xc02f: {16, crypto.SHA256, false}, // ECDHE_RSA_WITH_AES_128_GCM_SHA256
	0xc02c: {32, crypto.SHA384, false}, // ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	0xc030: {32, crypto.SHA384, false}, // ECDHE_RSA_WITH_AES_256_GCM_SHA384
	0x009c: {16, crypto.SHA256, false}, // RSA_WITH_AES_128_GCM_SHA256
	0x009d: {32, crypto.SHA384, false}, // RSA_WITH_AES_256_GCM_SHA384
	0xcca8: {32, crypto.SHA256, true},  // ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	0xcca9: {32, crypto.SHA256, true},  // ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
}

// recordCipher decrypts one direction's records in one key epoch.
type recordCipher struct {
	aead     cipher.AEAD
	iv       []byte // 12 bytes; TLS 1.2 GCM: the 4-byte implicit part
	seq      uint64
	tls13    bool
	explicit bool // TLS 1.2 GCM: an 8-byte explicit nonce opens each record
	// TLS 1.3: the traffic secret, for KeyUpdate.
	secret []byte
	suite  suiteParams
}

func newAEAD(key []byte, chacha bool) (cipher.AEAD, error) {
	if chacha {
		return chacha20poly1305.New(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// hkdfExpandLabel is TLS 1.3's HKDF-Expand-Label [RFC 8446 7.1].
func hkdfExpandLabel(h crypto.Hash, secret []byte, label string, length int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0) // empty context
	return hkdf.Expand(h.New, secret, string(info), length)
}

// tls13Cipher makes the cipher of a TLS 1.3 traffic secret [RFC 8446 7.3].
func tls13Cipher(p suiteParams, secret []byte) (*recordCipher, error) {
	key, err := hkdfExpandLabel(p.hash, secret, "key", p.keyLen)
	if err != nil {
		return nil, err
	}
	iv, err := hkdfExpandLabel(p.hash, secret, "iv", 12)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key, p.chacha)
	if err != nil {
		return nil, err
	}
	return &recordCipher{aead: aead, iv: iv, tls13: true, secret: secret, suite: p}, nil
}

// next is the cipher after a KeyUpdate [RFC 8446 7.2].
func (rc *recordCipher) next() (*recordCipher, error) {
	s, err := hkdfExpandLabel(rc.suite.hash, rc.secret, "traffic upd", rc.suite.hash.Size())
	if err != nil {
		return nil, err
	}
	return tls13Cipher(rc.suite, s)
}

// prf12 is the TLS 1.2 PRF, P_hash with HMAC [RFC 5246 5].
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	labelSeed := append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	a := labelSeed
	var out []byte
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
		mac.Reset()
		mac.Write(a)
		mac.Write(labelSeed)
		out = mac.Sum(out)
	}
	return out[:n]
}

// tls12Ciphers derives both directions' ciphers from the master secret:
// the key block holds no MAC keys for AEAD suites [RFC 5246 6.3].
func tls12Ciphers(p suiteParams, master, clientRandom, serverRandom []byte) (client, server *recordCipher, err error) {
	ivLen := 4
	if p.chacha {
		ivLen = 12
	}
	seed := append(append([]byte(nil), serverRandom...), clientRandom...)
	kb := prf12(p.hash.New, master, "key expansion", seed, 2*p.keyLen+2*ivLen)
	mk := func(key, iv []byte) (*recordCipher, error) {
		aead, err := newAEAD(key, p.chacha)
		if err != nil {
			return nil, err
		}
		return &recordCipher{aead: aead, iv: iv, explicit: !p.chacha, suite: p}, nil
	}
	if client, err = mk(kb[:p.keyLen], kb[2*p.keyLen:2*p.keyLen+ivLen]); err != nil {
		return nil, nil, err
	}
	server, err = mk(kb[p.keyLen:2*p.keyLen], kb[2*p.keyLen+ivLen:])
	return client, server, err
}

var errRecordAuth = errors.New("record does not decrypt")

// open decrypts one record (header hdr, body) and returns its content
// type and plaintext (TLS 1.3: the inner type, padding removed).
func (rc *recordCipher) open(hdr [5]byte, body []byte) (byte, []byte, error) {
	var nonce [12]byte
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], rc.seq)
	typ := hdr[0]
	var aad []byte
	switch {
	case rc.explicit:
		if len(body) < 8+rc.aead.Overhead() {
			return 0, nil, errRecordAuth
		}
		copy(nonce[:4], rc.iv)
		copy(nonce[4:], body[:8])
		body = body[8:]
	default:
		copy(nonce[:], rc.iv)
		for i := range 8 {
			nonce[4+i] ^= seq[i]
		}
	}
	if len(body) < rc.aead.Overhead() {
		return 0, nil, errRecordAuth
	}
	if rc.tls13 {
		aad = hdr[:]
	} else {
		aad = make([]byte, 0, 13)
		aad = append(aad, seq[:]...)
		aad = append(aad, typ, hdr[1], hdr[2])
		aad = binary.BigEndian.AppendUint16(aad, uint16(len(body)-rc.aead.Overhead()))
	}
	plain, err := rc.aead.Open(nil, nonce[:], body, aad)
	if err != nil {
		return 0, nil, errRecordAuth
	}
	rc.seq++
	if rc.tls13 {
		i := len(plain) - 1
		for i >= 0 && plain[i] == 0 {
			i--
		}
		if i < 0 {
			return 0, nil, errRecordAuth // no inner content type
		}
		return plain[i], plain[:i], nil
	}
	return typ, plain, nil
}

// setUpDecryption prepares a session's ciphers at its ServerHello when
// the key log holds its secrets and its suite is one atmq decrypts.
func (d *Decoder) setUpDecryption(ts *tlsConnState, h serverHelloInfo) {
	secrets := d.opts.TLSKeys.secrets(ts.clientRandom)
	p, ok := decryptableSuites[h.suite]
	if secrets == nil || !ok {
		return
	}
	ts.secrets = secrets
	if h.version >= 0x0304 {
		c, err1 := tls13Cipher(p, secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"])
		s, err2 := tls13Cipher(p, secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
		if err1 != nil || err2 != nil || secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"] == nil || secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"] == nil {
			return
		}
		ts.ciphers = [2]*recordCipher{toServer: c, toClient: s}
	} else {
		master := secrets["CLIENT_RANDOM"]
		if len(master) != 48 || len(h.random) != 32 {
			return
		}
		c, s, err := tls12Ciphers(p, master, ts.clientRandom, h.random)
		if err != nil {
			return
		}
		ts.pending = [2]*recordCipher{toServer: c, toClient: s}
	}
	d.stats.TLSDecrypted++
}

// decrypting says whether this direction's records are being decrypted.
func (t *tlsSink) decrypting() bool {
	return t.c.tls != nil && t.c.tls.ciphers[t.index()] != nil
}

// decrypted handles one record of a direction with keys: handshake
// messages move the key epoch on, application data goes to the MQTT
// sink, alerts are reported by name.
func (t *tlsSink) decrypted(ts *tlsConnState, st stamp) {
	i := t.index()
	rc := ts.ciphers[i]
	if t.hdr[0] == tlsChangeCipherSpec {
		return // TLS 1.3 middlebox-compatibility record
	}
	typ, plain, err := rc.open(t.hdr, t.body)
	t.body = t.body[:0]
	if err != nil {
		// Wrong or missing keys for this epoch: stop, say nothing false.
		ts.ciphers[i] = nil
		t.d.emit(t.eventRecord(st, EventTLSAlert, byName(i), "record does not decrypt with the key log's secrets: decryption stopped", &TLSInfo{AlertEncrypted: true}))
		return
	}
	t.encrypted = true
	switch typ {
	case tlsHandshake:
		var next *recordCipher
		t.dhs.feed(plain, func(mt byte, _ []byte, _ int) {
			switch {
			case mt == 20 && rc.tls13: // Finished: application traffic keys next
				label := "CLIENT_TRAFFIC_SECRET_0"
				if !t.fromClient {
					label = "SERVER_TRAFFIC_SECRET_0"
				}
				if s := ts.secrets[label]; s != nil {
					next, _ = tls13Cipher(rc.suite, s)
				}
				if t.fromClient && !ts.done {
					t.finished(ts, st)
				}
			case mt == 24 && rc.tls13: // KeyUpdate
				next, _ = rc.next()
			case mt == 20 && !ts.done:
				ts.ccs[i] = true
				if ts.ccs[toServer] && ts.ccs[toClient] {
					t.finished(ts, st)
				}
			}
		})
		if next != nil {
			ts.ciphers[i] = next
			t.dhs = handshakeReader{}
		}
	case tlsApplicationData:
		if t.plain == nil {
			if t.c.mq == nil {
				t.c.becomeMQTTState(t.d)
			}
			t.plain = t.c.newMQTTSink(t.d, i)
		}
		t.plain.data(plain, st)
	case tlsAlert:
		if len(plain) == 2 {
			t.d.emit(t.alertRecord(st, byName(i), plain[0], plain[1]))
		}
	}
}
