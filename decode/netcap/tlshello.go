package netcap

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// TLS handshake message types [RFC 8446 4, RFC 5246 7.4].
const (
	hsClientHello        = 1
	hsServerHello        = 2
	hsCertificate        = 11
	hsCertificateRequest = 13
	hsServerHelloDone    = 14
	hsClientKeyExchange  = 16
)

// TLS extension types.
const (
	extServerName        = 0  // RFC 6066 3
	extALPN              = 16 // RFC 7301 3.1
	extSupportedVersions = 43 // RFC 8446 4.2.1
)

// clientHelloInfo is what atmq reads from a ClientHello body.
type clientHelloInfo struct {
	random        []byte
	legacyVersion uint16
	versions      []uint16 // supported_versions, GREASE removed; nil without the extension
	suites        []uint16 // GREASE removed
	sni           string
	hasSNI        bool
	alpn          []string
}

// maxHelloList bounds the lists kept from a hello (real hellos carry a
// few dozen suites): a hostile hello cannot make atmq keep more.
const maxHelloList = 128

// isGREASE reports the reserved values clients send to keep servers
// tolerant [RFC 8701 2].
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// parseClientHello reads a ClientHello handshake body (after the 4-byte
// handshake header) [RFC 8446 4.1.2].
func parseClientHello(body []byte) (h clientHelloInfo, ok bool) {
	r := reader{b: body}
	h.legacyVersion = uint16(r.u16())
	h.random = r.bytes(32)
	r.skip(r.u8()) // legacy_session_id
	suites := reader{b: r.bytes(r.u16())}
	r.skip(r.u8()) // legacy_compression_methods
	if r.bad || suites.bad {
		return h, false
	}
	for len(suites.b) >= 2 && len(h.suites) < maxHelloList {
		if s := uint16(suites.u16()); !isGREASE(s) {
			h.suites = append(h.suites, s)
		}
	}
	if len(r.b) == 0 {
		return h, true // a hello without extensions
	}
	exts := reader{b: r.bytes(r.u16())}
	if r.bad {
		return h, false
	}
	for len(exts.b) > 0 && !exts.bad {
		typ := exts.u16()
		data := reader{b: exts.bytes(exts.u16())}
		if exts.bad {
			break
		}
		switch typ {
		case extServerName:
			h.hasSNI = true
			list := reader{b: data.bytes(data.u16())}
			for len(list.b) > 0 && !list.bad {
				nameType := list.u8()
				name := list.bytes(list.u16())
				if nameType == 0 && !list.bad && h.sni == "" {
					h.sni = string(name)
				}
			}
		case extALPN:
			list := reader{b: data.bytes(data.u16())}
			for len(list.b) > 0 && !list.bad && len(h.alpn) < maxHelloList {
				if p := list.bytes(list.u8()); !list.bad {
					h.alpn = append(h.alpn, string(p))
				}
			}
		case extSupportedVersions:
			list := reader{b: data.bytes(data.u8())}
			h.versions = []uint16{}
			for len(list.b) >= 2 && len(h.versions) < maxHelloList {
				if v := uint16(list.u16()); !isGREASE(v) {
					h.versions = append(h.versions, v)
				}
			}
		}
	}
	return h, !exts.bad
}

// offered lists the versions the client offers: supported_versions, or
// legacy_version alone (a TLS 1.2 client offers "up to" it).
func (h *clientHelloInfo) offered() []uint16 {
	if h.versions != nil {
		return h.versions
	}
	return []uint16{h.legacyVersion}
}

// clientHelloSNI returns the server name of a ClientHello handshake
// message ("" when it has none); ok is false when b is not a ClientHello.
func clientHelloSNI(b []byte) (sni string, ok bool) {
	r := reader{b: b}
	if r.u8() != hsClientHello {
		return "", false
	}
	body := r.bytes(r.u24())
	if r.bad {
		return "", false
	}
	h, ok := parseClientHello(body)
	return h.sni, ok
}

// serverHelloInfo is what atmq reads from a ServerHello body.
type serverHelloInfo struct {
	random  []byte
	version uint16 // negotiated: supported_versions, else legacy_version
	suite   uint16
	retry   bool // a TLS 1.3 HelloRetryRequest
}

// helloRetryRandom marks a HelloRetryRequest [RFC 8446 4.1.3].
var helloRetryRandom = [32]byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// parseServerHello reads a ServerHello body [RFC 8446 4.1.3].
func parseServerHello(body []byte) (h serverHelloInfo, ok bool) {
	r := reader{b: body}
	h.version = uint16(r.u16())
	h.random = r.bytes(32)
	r.skip(r.u8()) // legacy_session_id_echo
	h.suite = uint16(r.u16())
	r.skip(1) // legacy_compression_method
	if r.bad {
		return h, false
	}
	h.retry = string(h.random) == string(helloRetryRandom[:])
	if len(r.b) == 0 {
		return h, true
	}
	exts := reader{b: r.bytes(r.u16())}
	for len(exts.b) > 0 && !exts.bad {
		typ := exts.u16()
		data := reader{b: exts.bytes(exts.u16())}
		if typ == extSupportedVersions && !exts.bad {
			if v := data.u16(); !data.bad {
				h.version = uint16(v)
			}
		}
	}
	return h, !r.bad && !exts.bad
}

// VersionName names a TLS protocol version ("TLS 1.2").
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04X", v)
}

// SuiteName names a cipher suite by its IANA name (hex when unknown).
func SuiteName(s uint16) string { return tls.CipherSuiteName(s) }

func versionList(vs []uint16) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = VersionName(v)
	}
	return strings.Join(names, ", ")
}
