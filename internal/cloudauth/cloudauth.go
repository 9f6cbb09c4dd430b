// Package cloudauth knows how the cloud IoT platforms want a device's
// MQTT client id, username and password written: which platform a
// connection goes to (from the broker's host name or, failing that, the
// credentials' shape), whether each field has the documented form,
// whether an expiry or timestamp has passed at the connect, and — given
// the device secret — whether the signature is the one the platform
// computes, and if not, which field differs.
//
// Everything here is a pure function of the fields: correlate gathers
// them from the log and the capture and turns the problems into findings.
// The device secret is never part of any text this package returns.
package cloudauth

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"time"
)

// Problem codes; correlate uses them as finding codes.
const (
	CodeFormat     = "credential-format"
	CodeExpired    = "credential-expired"
	CodeSignature  = "credential-signature"
	CodeNeedsCert  = "credential-platform-needs-cert"
	CodeSecretForm = "credential-secret-format"
)

// Connect is what a connection presented, as far as it is known.
type Connect struct {
	Host     string // broker host name (open command, DNS answer, SNI); "" when only an address is known
	Port     int    // 0 when unknown
	TLS      bool   // the connection is TLS
	TLSKnown bool   // TLS is known (true or false)
	ClientID string
	Username string
	Password string
	// HasUsername, HasPassword: the field was sent (an empty value
	// sent differs from none).
	HasUsername, HasPassword bool
	// At is the session's time of the connect (capture or log clock);
	// zero when the log has no times.
	At time.Time
	// Secret is the device secret the user gave (--device-secret); ""
	// when none. It is never printed.
	Secret string
}

// Problem is one thing wrong with the credentials.
type Problem struct {
	Code  string
	Error bool   // the platform refuses such a CONNECT (else: a warning)
	Field string // "client id", "username", "password", "device secret", "connection"
	Text  string // what is wrong, with the values that show it (never the secret)
	Fix   string
}

// Report is what Check found about one connect.
type Report struct {
	Platform string // "Alibaba Cloud IoT", …
	Why      string // how the platform was recognised
	Form     string // the credentials the platform wants, in words
	Problems []Problem
	// Verified is set when the signature was recomputed from the
	// device secret and matches.
	Verified bool
	// Notes are facts worth showing that are no problem ("the token
	// expires 2 h after the connect").
	Notes []string
}

// platform is one platform's knowledge.
type platform struct {
	name  string
	hosts []string // host name suffixes (lower case)
	// hostOK, when set, must also accept the (lower case) host name
	// (AWS shares amazonaws.com with every other AWS service).
	hostOK func(host string) bool
	form   string
	// shaped reports whether the fields have this platform's
	// unmistakable form, for connects whose host is not known.
	shaped func(c *Connect) bool
	// check returns the problems, whether the signature was verified,
	// and notes.
	check func(c *Connect) checkResult
}

type checkResult struct {
	problems []Problem
	verified bool
	notes    []string
}

func (r *checkResult) add(p Problem) { r.problems = append(r.problems, p) }

// platforms, in the order their shapes are tried.
var platforms = []*platform{aliyun, onenet, huawei, tencent, azure, aws, thingsboard, emqxCloud}

// Recognise returns the platform's name and how it was recognised; ""
// when the connect goes to no known platform.
func Recognise(c Connect) (name, why string) {
	p, why := recognise(&c)
	if p == nil {
		return "", ""
	}
	return p.name, why
}

func recognise(c *Connect) (*platform, string) {
	h := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(c.Host), "."))
	if h != "" {
		for _, p := range platforms {
			for _, s := range p.hosts {
				if (h == s || strings.HasSuffix(h, "."+s)) && (p.hostOK == nil || p.hostOK(h)) {
					return p, fmt.Sprintf("the broker's host name %s", c.Host)
				}
			}
		}
	}
	for _, p := range platforms {
		if p.shaped != nil && p.shaped(c) {
			return p, "the form of the credentials"
		}
	}
	return nil, ""
}

// Check recognises the platform and checks the credentials against its
// rules; nil when the connect goes to no known platform.
func Check(c Connect) *Report {
	p, why := recognise(&c)
	if p == nil {
		return nil
	}
	r := p.check(&c)
	return &Report{Platform: p.name, Why: why, Form: p.form, Problems: r.problems, Verified: r.verified, Notes: r.notes}
}

// hmacOf names the hash of a sign method ("hmacsha1", "sha256", …); nil
// when unknown.
func hmacOf(method string) func() hash.Hash {
	m := strings.ToLower(method)
	m = strings.TrimPrefix(m, "hmac")
	m = strings.TrimPrefix(m, "-")
	switch m {
	case "sha1":
		return sha1.New
	case "sha256":
		return sha256.New
	case "md5":
		return md5.New
	}
	return nil
}

func mac(h func() hash.Hash, key, msg []byte) []byte {
	m := hmac.New(h, key)
	m.Write(msg)
	return m.Sum(nil)
}

// decodeKey decodes a base64 platform key (standard or URL alphabet,
// padded or not).
func decodeKey(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, true
		}
	}
	return nil, false
}

// relative says how far t is from the connect: "3 h before the connect".
func relative(t, at time.Time) string {
	d := t.Sub(at)
	word := "after"
	if d < 0 {
		d, word = -d, "before"
	}
	return fmt.Sprintf("%s %s the connect", span(d), word)
}

// span is a duration in the largest unit that keeps it readable.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 72*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// checkExpiry adds a credential-expired problem about field when expiry
// (named by subject, "the token's expiry (et)") is before the connect, a
// note otherwise.
func checkExpiry(r *checkResult, c *Connect, field, subject string, expiry time.Time, fix string) {
	if c.At.IsZero() {
		r.notes = append(r.notes, fmt.Sprintf("%s is %s (the log has no times to compare with)", subject, expiry.UTC().Format(time.RFC3339)))
		return
	}
	if expiry.Before(c.At) {
		r.add(Problem{Code: CodeExpired, Error: true, Field: field,
			Text: fmt.Sprintf("%s is %s: expired %s", subject, expiry.UTC().Format(time.RFC3339), relative(expiry, c.At)),
			Fix:  fix})
		return
	}
	r.notes = append(r.notes, fmt.Sprintf("%s is %s, %s", subject, expiry.UTC().Format(time.RFC3339), relative(expiry, c.At)))
}

// isHex reports whether s is n hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// quoteShort quotes a value for a message, shortened when long.
func quoteShort(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q… (%d bytes)", s[:77], len(s))
	}
	return fmt.Sprintf("%q", s)
}

var sha256New = sha256.New

func hasSuffixAny(host string, suffixes ...string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, s := range suffixes {
		if h == s || strings.HasSuffix(h, "."+s) {
			return true
		}
	}
	return false
}
