package netcap

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// pcapng block types and the TLS key log secrets type of a Decryption
// Secrets Block (pcapng draft, section 4.7; editcap --inject-secrets).
const (
	ngSectionHeader = 0x0A0D0D0A
	ngDecryptionSec = 0x0000000A
	dsbTLSKeyLog    = 0x544c534b
	maxDSB          = 16 << 20 // a DSB larger than this is not read
)

// ReadDecryptionSecrets returns the TLS key log carried in a pcapng
// file's Decryption Secrets Blocks (nil when it has none, or is no pcapng).
func ReadDecryptionSecrets(path string) (*KeyLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil // Decode reports the damage
		}
		r = bufio.NewReader(z)
	}
	return readDSBs(path, r)
}

// readDSBs walks the pcapng blocks, keeping only DSBs' key logs.
func readDSBs(name string, r io.Reader) (*KeyLog, error) {
	var keys *KeyLog
	var order binary.ByteOrder = binary.LittleEndian
	var hdr [8]byte
	for block := 1; ; block++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return keys, nil // end of file (damage is Decode's to report)
		}
		typ := binary.LittleEndian.Uint32(hdr[:4])
		if block == 1 && typ != ngSectionHeader {
			return nil, nil // not pcapng
		}
		if typ == ngSectionHeader {
			var bom [4]byte
			if _, err := io.ReadFull(r, bom[:]); err != nil {
				return keys, nil
			}
			order = binary.LittleEndian
			if binary.BigEndian.Uint32(bom[:]) == 0x1A2B3C4D {
				order = binary.BigEndian
			}
			n := int64(order.Uint32(hdr[4:])) - 12
			if n < 0 {
				return keys, nil
			}
			if _, err := io.CopyN(io.Discard, r, n); err != nil {
				return keys, nil
			}
			continue
		}
		typ = order.Uint32(hdr[:4])
		total := int64(order.Uint32(hdr[4:]))
		if total < 12 || total%4 != 0 {
			return keys, nil
		}
		body := total - 8
		if typ != ngDecryptionSec || body > maxDSB {
			if _, err := io.CopyN(io.Discard, r, body); err != nil {
				return keys, nil
			}
			continue
		}
		b := make([]byte, body) // bounded by maxDSB
		if _, err := io.ReadFull(r, b); err != nil {
			return keys, nil
		}
		if len(b) < 12 {
			continue
		}
		stype, slen := order.Uint32(b[:4]), int(order.Uint32(b[4:8]))
		if stype != dsbTLSKeyLog || slen > len(b)-8 {
			continue
		}
		k, err := ParseKeyLog(fmt.Sprintf("%s (Decryption Secrets Block %d)", name, block), bytes.NewReader(b[8:8+slen]))
		if err != nil {
			return nil, err
		}
		if keys == nil {
			keys = &KeyLog{}
		}
		keys.Merge(k)
	}
}

// secretsCarrier is a FrameReader whose files may carry decryption secrets.
type secretsCarrier interface {
	decryptionSecrets() (*KeyLog, error)
}

func (fr *FileReader) decryptionSecrets() (*KeyLog, error) {
	if !fr.ng || fr.path == "" {
		return nil, nil
	}
	return ReadDecryptionSecrets(fr.path)
}

// decryptionSecrets merges the secrets of every file; called before the
// first Next, while all files are still pending.
func (m *MultiReader) decryptionSecrets() (*KeyLog, error) {
	var all *KeyLog
	for _, rf := range m.pending {
		k, err := ReadDecryptionSecrets(rf.path)
		if err != nil {
			return nil, err
		}
		if k.Len() > 0 {
			if all == nil {
				all = &KeyLog{}
			}
			all.Merge(k)
		}
	}
	return all, nil
}
