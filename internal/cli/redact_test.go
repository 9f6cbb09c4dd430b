package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// cloudSample is a serial log setting cloud-signed and TLS credentials in
// every dialect (decode/at/testdata/secrets/SOURCES.md).
const cloudSample = "../../decode/at/testdata/secrets/cloud-credentials.log"

// secretsInSamples are the secrets of the bundled samples (pcaps/*: the
// passwords typed and sent; the sent one is cut by the firmware) and of
// the cloud sample: none may appear in any output with --redact.
var secretsInSamples = []string{
	"k9Vq2-long-device-secret-0123456", "not-the-password",
	"Zx9SecretAliyunDeviceSecret0001", "3f2a9c8e7d6b5a4f3e2d1c0b", "6c1f0b2e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
	"Qm7QuectelAliDeviceSecret0002", "a9b8c7d6e5f4a3b2c1d0", "8f14e45fceea167a5a36dedd4bea2543b1e4c9d2",
	"SharedAccessSignature", "Wm9vQmFyU2lnbmF0dXJlMDAwMQ", "c2VjcmV0LXRlbmNlbnQtc2ln", "T25lTkVUc2lnbg",
	"e5f6a7b8c9d0e1f2", "luat-password-0007",
}

// Every output of every command, for every sample, with --redact: no
// secret is printed, on stdout or stderr. Without --redact they are (so
// the test sees what it looks for).
func TestRedactEveryOutput(t *testing.T) {
	dirs, _ := filepath.Glob("../../pcaps/*/capture.pcapng")
	if len(dirs) < 10 {
		t.Fatalf("samples: %v", dirs)
	}
	var runs [][]string
	for _, c := range dirs {
		d := filepath.Dir(c)
		serial, _ := filepath.Glob(filepath.Join(d, "serial.*"))
		capture := filepath.Join(d, "capture.pcapng")
		for _, f := range []string{"table", "json", "mermaid"} {
			runs = append(runs, []string{"analyze", "--format", f, d})
		}
		for _, s := range serial {
			runs = append(runs, []string{"at", s}, []string{"at", "--json", s})
		}
		runs = append(runs, []string{"packets", capture}, []string{"packets", "--json", capture},
			[]string{"packets", "--events", capture}, []string{"packets", "--json", "--events", capture})
	}
	for _, f := range []string{"table", "json", "mermaid"} {
		runs = append(runs, []string{"analyze", "--format", f, "--serial", cloudSample})
	}
	runs = append(runs, []string{"at", cloudSample}, []string{"at", "--json", cloudSample})

	leaked := map[string]bool{}
	for _, args := range runs {
		plain := strings.Join(args, " ")
		_, out, errs := runMain(args...)
		for _, s := range secretsInSamples {
			if strings.Contains(out+errs, s) {
				leaked[s] = true
			}
		}
		red := append([]string{args[0], "--redact"}, args[1:]...)
		code, out, errs := runMain(red...)
		if code == ExitUsage || out+errs == "" {
			t.Errorf("%s --redact: exit %d, no output\n%s", plain, code, errs)
		}
		for _, s := range secretsInSamples {
			if strings.Contains(out+errs, s) {
				t.Errorf("%s --redact prints %q", plain, s)
			}
		}
	}
	for _, s := range secretsInSamples {
		if !leaked[s] {
			t.Errorf("%q is in no output without --redact: the test does not see it", s)
		}
	}
}
