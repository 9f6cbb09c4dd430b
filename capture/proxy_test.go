package capture

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/atmq/atmq/decode/record"
)

// TestProxyPassesBytesUnchanged plays a module on one pseudo-terminal and
// a terminal program on the proxy's, and sends every byte value both ways.
func TestProxyPassesBytesUnchanged(t *testing.T) {
	module := newFakeUART(t)
	col := newCollector()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	px, err := StartProxy(ctx, SerialConfig{Port: module.Path}, col.sink(), ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st := col.waitStatus(t, StatusInfo); !bytes.Contains([]byte(st.Msg), []byte(px.Path)) {
		t.Errorf("info status %q does not name the pty %s", st.Msg, px.Path)
	}
	// The user's terminal program opens the pty as a serial port.
	term, err := serial.Open(px.Path, &serial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatalf("open proxy pty %s: %v", px.Path, err)
	}
	defer term.Close()
	term.SetReadTimeout(100 * time.Millisecond)

	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	hostSends := append([]byte("AT+ECMTPUB=0,1,1,0,\"t\"\r"), all...)
	if _, err := term.Write(hostSends); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, module.Far, len(hostSends)); !bytes.Equal(got, hostSends) {
		t.Fatalf("module received %q, want %q", got, hostSends)
	}
	moduleSends := append([]byte("\r\nOK\r\n\r\n+ECMTRECV: 0,0,\"t\","), all...)
	mustWrite(t, module.Far, string(moduleSends))
	var got []byte
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 512)
	for len(got) < len(moduleSends) && time.Now().Before(deadline) {
		n, err := term.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, moduleSends) {
		t.Fatalf("terminal received %q, want %q", got, moduleSends)
	}
	col.waitBytes(t, record.DirHostToModule, hostSends)
	col.waitBytes(t, record.DirModuleToHost, moduleSends)

	cancel()
	if err := px.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if _, err := os.Stat(module.Path); err != nil {
		t.Fatalf("module pty should still exist (the test holds its master): %v", err)
	}
}

// TestProxyKeepsRecordingWhileUnplugged checks that what the terminal
// sends while the port is away is recorded (and reported as undelivered).
func TestProxyKeepsRecordingWhileUnplugged(t *testing.T) {
	module := newFakeUART(t)
	col := newCollector()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	px, err := StartProxy(ctx, SerialConfig{Port: module.Path}, col.sink(), ProxyOptions{ReopenInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	term, err := serial.Open(px.Path, &serial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	module.unplug()
	col.waitStatus(t, StatusUnplugged)
	term.Write([]byte("AT\r"))
	col.waitBytes(t, record.DirHostToModule, []byte("AT\r"))
	if st := col.waitStatus(t, StatusWarning); st.Err == nil {
		t.Errorf("warning without cause: %+v", st)
	}
	cancel()
	if err := px.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestProxyRecordsWhenNobodyReadsThePTY: with no terminal program on the
// pty its buffer fills; module bytes must still all be recorded and the
// port kept drained, with a warning for what could not be passed on.
func TestProxyRecordsWhenNobodyReadsThePTY(t *testing.T) {
	module := newFakeUART(t)
	col := newCollector()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	px, err := StartProxy(ctx, SerialConfig{Port: module.Path}, col.sink(), ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	flood := bytes.Repeat([]byte("+ECMTRECV: 0,0,\"t\",0123456789abcdef0123456789abcdef\r\n"), 12000) // ~620 KB, more than the queue
	go module.Far.Write(flood)
	col.waitBytes(t, record.DirModuleToHost, flood)
	col.waitStatus(t, StatusWarning)
	cancel()
	if err := px.Wait(); err != nil {
		t.Fatal(err)
	}
}
