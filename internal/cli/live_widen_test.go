package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// TestLiveWidensCaptureToTheOpenedPort runs a script session on lo with
// no --port, so the capture starts on the default ports only, against a
// broker on another (random) port: the script's open command names that
// port, the capture's filter and the decoder take it in, and the live
// view and the recorded folder both show the CONNECT, the CONNACK 5 and
// its explanation, all from packets on that port.
func TestLiveWidensCaptureToTheOpenedPort(t *testing.T) {
	needCapture(t)
	broker := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"dev": "secret"}})
	modem := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, LocalAddr: "127.0.0.5"})

	dir := filepath.Join(t.TempDir(), "session")
	script := filepath.Join(t.TempDir(), "connect.at")
	os.WriteFile(script, []byte(fmt.Sprintf("AT+ECMTOPEN=0,\"%s\",%d\nAT+ECMTCONN=0,\"widen-dev\"\n", broker.Host, broker.Port)), 0o644)

	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, Script: script, Iface: "lo",
		Out: dir, Settle: time.Second, Tick: 100 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := runLive(ctx, o, &out, &errb)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != ExitFindings {
		t.Fatalf("live: want exit %d (error finding), got %v\nstdout:\n%s\nstderr:\n%s", ExitFindings, err, out.String(), errb.String())
	}
	if want := fmt.Sprintf("capturing port %d too", broker.Port); !strings.Contains(errb.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errb.String())
	}
	view := out.String()
	for _, want := range []string{"AT+ECMTCONN=0,\"widen-dev\"", "CONNECT", "CONNACK", "connack-refused", "no-credentials"} {
		if !strings.Contains(view, want) {
			t.Errorf("live view lacks %q:\n%s", want, view)
		}
	}
	if n := countFrames(t, filepath.Join(dir, capture.CaptureFileName)); n == 0 {
		t.Errorf("no frame of port %d was recorded", broker.Port)
	}
	codes, exit := analyzeCodes(t, dir, "--port", strconv.Itoa(broker.Port))
	if exit != ExitFindings || !has(codes, "connack-refused") || !has(codes, "no-credentials") {
		t.Errorf("analyze of the recorded folder: exit %d, findings %v; want connack-refused and no-credentials", exit, codes)
	}
}
