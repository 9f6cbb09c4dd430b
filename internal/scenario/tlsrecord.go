package scenario

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
	"github.com/atmq/atmq/internal/tlstest"
)

// keyLog collects the NSS key log the module writes from its connection
// goroutines.
type keyLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.buf.Write(p)
}

func (k *keyLog) Bytes() []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]byte(nil), k.buf.Bytes()...)
}

// setupTLS makes the recording's certificates in dir (a CA signing the
// broker's certificate and the module's client certificate, and another
// CA), turns the broker into a TLS listener on TLSPort and gives the
// module its TLS options, writing its key log to the returned keyLog.
func setupTLS(t *TLSSetup, dir string, conf *mosquittotest.Config, opts *modemsim.Options) (*keyLog, error) {
	ca, err := tlstest.NewCA(dir, "ca")
	if err != nil {
		return nil, err
	}
	other, err := tlstest.NewCA(dir, "other-ca")
	if err != nil {
		return nil, err
	}
	srv, err := ca.Server(dir, "server")
	if err != nil {
		return nil, err
	}
	conf.Port = TLSPort
	conf.Extra = append(append([]string(nil), conf.Extra...), "cafile "+ca.File, "certfile "+srv.CertFile, "keyfile "+srv.KeyFile)
	if t.RequireCertificate {
		conf.Extra = append(conf.Extra, "require_certificate true")
	}
	keys := &keyLog{}
	mt := &modemsim.TLSOptions{CAFile: ca.File, KeyLog: keys, MaxVersion: t.MaxVersion}
	if t.ModuleTrustsOtherCA {
		mt.CAFile = other.File
	}
	if t.ModuleCert {
		client, err := ca.Client(dir, "client")
		if err != nil {
			return nil, err
		}
		mt.CertFile, mt.KeyFile = client.CertFile, client.KeyFile
	}
	opts.TLS = mt
	return keys, nil
}

// pcapng block type of a Decryption Secrets Block and its TLS key log
// secrets type (pcapng draft section 4.7, as editcap --inject-secrets
// writes it).
const (
	blockDSB      = 0x0000000a
	secretsTLSKey = 0x544c534b
)

// injectKeyLog rewrites the pcapng at path with a Decryption Secrets Block
// holding keyLog after its Section Header and first Interface Description
// blocks, before any packet, where readers expect it.
func injectKeyLog(path string, keyLog []byte) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// Skip the SHB and the IDB: each block's total length is at offset 4
	// (little-endian, as pcapgo writes on this machine's byte order).
	off := 0
	for range 2 {
		if off+12 > len(b) {
			return fmt.Errorf("%s: too short for a pcapng header", path)
		}
		n := int(binary.LittleEndian.Uint32(b[off+4:]))
		if n < 12 || off+n > len(b) {
			return fmt.Errorf("%s: block at %d has length %d", path, off, n)
		}
		off += n
	}
	pad := (4 - len(keyLog)%4) % 4
	total := 12 + 8 + len(keyLog) + pad
	dsb := make([]byte, 0, total)
	dsb = binary.LittleEndian.AppendUint32(dsb, blockDSB)
	dsb = binary.LittleEndian.AppendUint32(dsb, uint32(total))
	dsb = binary.LittleEndian.AppendUint32(dsb, secretsTLSKey)
	dsb = binary.LittleEndian.AppendUint32(dsb, uint32(len(keyLog)))
	dsb = append(dsb, keyLog...)
	dsb = append(dsb, make([]byte, pad)...)
	dsb = binary.LittleEndian.AppendUint32(dsb, uint32(total))
	out := append(append(append([]byte(nil), b[:off]...), dsb...), b[off:]...)
	return os.WriteFile(path, out, 0o644)
}
