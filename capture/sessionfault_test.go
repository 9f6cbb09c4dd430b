package capture

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// smallDisk mounts a 1 MB tmpfs for the test (as root; skipped otherwise)
// and returns its path.
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// A full disk stops the session at once, naming the file; the files keep
// whole records only, session.json counts what they hold, and no
// session.json.tmp is left.
func TestSessionFullDisk(t *testing.T) {
	for _, full := range []string{CaptureFileName, SerialFileName} {
		t.Run(full, func(t *testing.T) {
			dir := filepath.Join(smallDisk(t), "session")
			s, err := NewSession(dir, SessionOptions{LinkType: 1, FlushInterval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
			big := bytes.Repeat([]byte{'x'}, 1400)
			var werr error
			for i := 1; i <= 5000 && werr == nil; i++ {
				if full == CaptureFileName {
					werr = s.Frame(record.Frame{Number: i, Time: t0, LinkType: 1, Data: big})
					if i%50 == 0 && werr == nil {
						werr = s.SerialChunk(record.SerialChunk{Time: t0, Dir: record.DirModuleToHost, Data: []byte("OK\r\n")})
					}
				} else {
					werr = s.SerialChunk(record.SerialChunk{Time: t0, Dir: record.DirModuleToHost, Data: big})
					if i%50 == 0 && werr == nil {
						werr = s.Frame(record.Frame{Number: i, Time: t0, LinkType: 1, Data: big[:100]})
					}
				}
				if werr == nil && i%100 == 0 {
					werr = s.Flush()
				}
			}
			select {
			case <-s.Failed():
			default:
				t.Fatalf("no failure reported; last error %v", werr)
			}
			if werr == nil || !strings.Contains(werr.Error(), filepath.Join(dir, full)) || s.Err() != werr {
				t.Errorf("error %v, want one naming %s", werr, filepath.Join(dir, full))
			}
			if err := s.Frame(record.Frame{Number: 9999, Time: t0, LinkType: 1, Data: big}); err != werr {
				t.Errorf("write after the failure: %v", err)
			}
			s.Close()
			if _, err := os.Stat(filepath.Join(dir, InfoFileName+".tmp")); !os.IsNotExist(err) {
				t.Errorf("session.json.tmp left: %v", err)
			}
			info, err := ReadSessionInfo(dir)
			if err != nil {
				t.Fatal(err)
			}
			frames, _ := readCapture(t, filepath.Join(dir, CaptureFileName)) // fails the test on a cut block
			chunks := readSerialFile(t, filepath.Join(dir, SerialFileName))
			if info.Frames != len(frames) || info.Chunks != len(chunks) || info.End == nil {
				t.Errorf("session.json says %d frames, %d chunks (end %v); the files hold %d and %d",
					info.Frames, info.Chunks, info.End, len(frames), len(chunks))
			}
			if len(frames) == 0 && len(chunks) == 0 {
				t.Errorf("nothing kept")
			}
			b, _ := os.ReadFile(filepath.Join(dir, SerialFileName))
			if len(b) > 0 && b[len(b)-1] != '\n' {
				t.Errorf("serial.atmq ends inside a line")
			}
		})
	}
}
