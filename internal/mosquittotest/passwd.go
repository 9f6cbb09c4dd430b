package mosquittotest

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// passwordFile renders users in mosquitto's hashed password-file format,
// the one `mosquitto_passwd -b -c` writes since 2.0:
//
//	user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512(password, salt)>
//
// Writing it ourselves keeps the tests independent of mosquitto_passwd
// (absent on some installs) and of its interactive prompts.
func passwordFile(users map[string]string) ([]byte, error) {
	names := make([]string, 0, len(users))
	for u := range users {
		if u == "" || strings.ContainsAny(u, ":\n\r") {
			return nil, fmt.Errorf("mosquitto password file: invalid user name %q", u)
		}
		names = append(names, u)
	}
	slices.Sort(names)
	var sb strings.Builder
	for _, u := range names {
		line, err := hashedEntry(u, users[u])
		if err != nil {
			return nil, err
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return []byte(sb.String()), nil
}

// mosquitto_passwd's defaults (src/password_mosq.h: PW_DEFAULT_ITERATIONS,
// SALT_LEN).
const (
	pwIterations = 101
	pwSaltLen    = 12
)

func hashedEntry(user, password string) (string, error) {
	salt := make([]byte, pwSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum, err := pbkdf2.Key(sha512.New, password, salt, pwIterations, sha512.Size)
	if err != nil {
		return "", err
	}
	enc := base64.StdEncoding
	return fmt.Sprintf("%s:$7$%d$%s$%s", user, pwIterations, enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}
