package capture

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindSessionFilesPrefersSerialAtmq(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"capture.pcapng", "serial.atmq", "notes.txt", "README.md", "expected.json"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	serial, pcap, err := FindSessionFiles(dir)
	if err != nil || filepath.Base(serial) != "serial.atmq" || filepath.Base(pcap) != "capture.pcapng" {
		t.Errorf("got %q %q %v", serial, pcap, err)
	}
	os.Remove(filepath.Join(dir, "serial.atmq"))
	if serial, _, err = FindSessionFiles(dir); err != nil || filepath.Base(serial) != "notes.txt" {
		t.Errorf("fallback to the one .txt: %q %v", serial, err)
	}
}
