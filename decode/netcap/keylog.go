package netcap

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// KeyLog holds TLS session secrets from an NSS key log (SSLKEYLOGFILE
// format, https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/)
// or a pcapng Decryption Secrets Block, by client random. Secrets are
// never printed: errors name the file and line, not the values.
type KeyLog struct {
	byRandom map[[32]byte]map[string][]byte // client random → label → secret
}

// Key log bounds: a hostile file cannot make atmq keep more.
const (
	maxKeyLogLine    = 1024
	maxKeyLogEntries = 1 << 20
	maxSecret        = 64
)

// keyLogLabels are the labels atmq uses (others are skipped).
var keyLogLabels = map[string]bool{
	"CLIENT_RANDOM":                   true, // TLS 1.2 master secret
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET": true,
	"SERVER_HANDSHAKE_TRAFFIC_SECRET": true,
	"CLIENT_TRAFFIC_SECRET_0":         true,
	"SERVER_TRAFFIC_SECRET_0":         true,
}

// ReadKeyLogFile reads an NSS key log file.
func ReadKeyLogFile(path string) (*KeyLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	k := &KeyLog{}
	return k, k.read(path, f)
}

// ParseKeyLog reads key log text; name is used in error messages.
func ParseKeyLog(name string, r io.Reader) (*KeyLog, error) {
	k := &KeyLog{}
	return k, k.read(name, r)
}

func (k *KeyLog) read(name string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxKeyLogLine)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 3 {
			return fmt.Errorf("%s line %d: not a key log line (want LABEL CLIENT_RANDOM SECRET)", name, line)
		}
		if !keyLogLabels[f[0]] {
			continue
		}
		random, err1 := hex.DecodeString(f[1])
		secret, err2 := hex.DecodeString(f[2])
		if err1 != nil || err2 != nil || len(random) != 32 || len(secret) == 0 || len(secret) > maxSecret {
			return fmt.Errorf("%s line %d: %s: client random or secret is not hex of the right length", name, line, f[0])
		}
		if err := k.add(f[0], [32]byte(random), secret); err != nil {
			return fmt.Errorf("%s line %d: %v", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return fmt.Errorf("%s line %d: line longer than %d bytes: not a key log", name, line+1, maxKeyLogLine)
		}
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

func (k *KeyLog) add(label string, random [32]byte, secret []byte) error {
	if k.byRandom == nil {
		k.byRandom = map[[32]byte]map[string][]byte{}
	}
	m := k.byRandom[random]
	if m == nil {
		if len(k.byRandom) >= maxKeyLogEntries {
			return fmt.Errorf("more than %d sessions", maxKeyLogEntries)
		}
		m = map[string][]byte{}
		k.byRandom[random] = m
	}
	m[label] = secret
	return nil
}

// Merge adds o's secrets to k.
func (k *KeyLog) Merge(o *KeyLog) {
	if o == nil {
		return
	}
	for r, m := range o.byRandom {
		for l, s := range m {
			_ = k.add(l, r, s) // o is itself bounded
		}
	}
}

// Len is the number of sessions with secrets.
func (k *KeyLog) Len() int {
	if k == nil {
		return 0
	}
	return len(k.byRandom)
}

// secrets returns a session's secrets by label, nil when none.
func (k *KeyLog) secrets(random []byte) map[string][]byte {
	if k == nil || len(random) != 32 {
		return nil
	}
	return k.byRandom[[32]byte(random)]
}
