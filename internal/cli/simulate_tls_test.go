package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/atmq/atmq/internal/tlstest"
)

// TestSimulateTLSFlags: --tls-ca lets the host enable TLS; without it the
// same command is answered ERROR; a certificate without its key is a
// usage error.
func TestSimulateTLSFlags(t *testing.T) {
	dir := t.TempDir()
	ca, err := tlstest.NewCA(dir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "AT+ECMTCFG=\"ssl\",0,2,\"ca.pem\",\"\",\"\"\r\n"
	for _, tc := range []struct {
		tls  simulateTLSOptions
		want string
	}{
		{simulateTLSOptions{}, "ERROR"},
		{simulateTLSOptions{CA: ca.File, KeyLog: dir + "/keys.log"}, "OK"},
	} {
		var out bytes.Buffer
		o := simulateOptions{Dialect: "ecmt", TLS: tc.tls}
		if err := runSimulate(context.Background(), o, strings.NewReader(cmd), &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("%+v: got %q, want %s", tc.tls, got, tc.want)
		}
	}
	o := simulateOptions{Dialect: "ecmt", TLS: simulateTLSOptions{CA: ca.File, Cert: ca.File}}
	if err := runSimulate(context.Background(), o, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); !isUsage(err) {
		t.Fatalf("--tls-cert without --tls-key: %v", err)
	}
}

func isUsage(err error) bool {
	var e *exitError
	return errors.As(err, &e) && e.code == ExitUsage
}
