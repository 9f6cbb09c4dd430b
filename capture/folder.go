package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SettledFileName is the session folder's file of what `atmq live`
// settled while it ran: one JSON value a line (correlate.SettledLine).
const SettledFileName = "settled.jsonl"

// FindSessionFiles finds the serial log and the capture in a session
// folder — atmq's own or one put together by hand: exactly one
// *.pcap/*.pcapng (gzip allowed); serial.atmq, else exactly one *.log or
// *.txt. Either may be missing, not both.
func FindSessionFiles(dir string) (serial, pcap string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", "", err
	}
	var caps, logs []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		lower := strings.ToLower(name)
		switch {
		case strings.HasSuffix(lower, ".pcap"), strings.HasSuffix(lower, ".pcapng"),
			strings.HasSuffix(lower, ".pcap.gz"), strings.HasSuffix(lower, ".pcapng.gz"):
			caps = append(caps, name)
		case lower == SerialFileName:
			serial = filepath.Join(dir, name)
		case strings.HasSuffix(lower, ".log"), strings.HasSuffix(lower, ".txt"):
			logs = append(logs, name)
		}
	}
	sort.Strings(caps)
	sort.Strings(logs)
	switch len(caps) {
	case 0:
	case 1:
		pcap = filepath.Join(dir, caps[0])
	default:
		return "", "", fmt.Errorf("%s: %d captures (%s): pick one with --pcap", dir, len(caps), strings.Join(caps, ", "))
	}
	if serial == "" {
		switch len(logs) {
		case 0:
		case 1:
			serial = filepath.Join(dir, logs[0])
		default:
			return "", "", fmt.Errorf("%s: %d serial logs (%s) and no %s: pick one with --serial", dir, len(logs), strings.Join(logs, ", "), SerialFileName)
		}
	}
	if serial == "" && pcap == "" {
		return "", "", fmt.Errorf("%s: no capture (*.pcap, *.pcapng) and no serial log (%s, *.log, *.txt)", dir, SerialFileName)
	}
	return serial, pcap, nil
}

// CreateSettled creates the session folder's settled.jsonl.
func CreateSettled(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, SettledFileName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}
