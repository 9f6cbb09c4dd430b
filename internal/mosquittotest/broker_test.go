package mosquittotest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// connect3 sends a hand-built MQTT 3.1.1 CONNECT [MQTT-3.1] and returns
// the CONNACK return code. user/pass are sent when non-empty.
func connect3(t *testing.T, addr, clientID, user, pass string, clean bool) byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	flags := byte(0)
	if clean {
		flags |= 0x02
	}
	body := append(str("MQTT"), 4, 0, 0, 30)
	payload := str(clientID)
	if user != "" {
		flags |= 0x80
		payload = append(payload, str(user)...)
	}
	if pass != "" {
		flags |= 0x40
		payload = append(payload, str(pass)...)
	}
	body[7] = flags
	body = append(body, payload...)
	pkt := append([]byte{0x10, byte(len(body))}, body...)
	if _, err := c.Write(pkt); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	var ack [4]byte
	if _, err := io.ReadFull(bufio.NewReader(c), ack[:]); err != nil {
		t.Fatalf("read CONNACK: %v", err)
	}
	if ack[0] != 0x20 || ack[1] != 2 {
		t.Fatalf("not a CONNACK: % x", ack)
	}
	return ack[3]
}

func TestAnonymousBroker(t *testing.T) {
	b := Start(t, Config{})
	if b.Host != "127.0.0.1" || b.Port == 0 {
		t.Fatalf("broker at %s", b.Addr())
	}
	if rc := connect3(t, b.Addr(), "dev1", "", "", true); rc != 0 {
		t.Fatalf("anonymous CONNECT: CONNACK %d, want 0", rc)
	}
	// field-notes: empty client id + clean session 0 → identifier rejected.
	if rc := connect3(t, b.Addr(), "", "", "", false); rc != 2 {
		t.Fatalf("empty client id, clean 0: CONNACK %d, want 2", rc)
	}
	if err := b.WaitLog("New client connected from 127.0.0.1", 5*time.Second); err != nil {
		t.Error(err)
	}
	if err := b.WaitLog("no such line", 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "no such line") {
		t.Errorf("WaitLog for a missing line: %v", err)
	}
}

func TestPasswordBroker(t *testing.T) {
	b := Start(t, Config{Users: map[string]string{"dev": "s3cret-Pa55", "other": "x"}})
	cases := []struct {
		name, user, pass string
		want             byte
	}{
		{"no credentials", "", "", 5},
		{"right password", "dev", "s3cret-Pa55", 0},
		{"wrong password", "dev", "s3cret", 5},
		{"unknown user", "nobody", "s3cret-Pa55", 5},
	}
	for _, tc := range cases {
		if rc := connect3(t, b.Addr(), "c-"+tc.user, tc.user, tc.pass, true); rc != tc.want {
			t.Errorf("%s: CONNACK %d, want %d", tc.name, rc, tc.want)
		}
	}
}

func TestClientIDPrefixBroker(t *testing.T) {
	b := Start(t, Config{ClientIDPrefixes: "tracker-"})
	if rc := connect3(t, b.Addr(), "tracker-7", "", "", true); rc != 0 {
		t.Errorf("prefixed id: CONNACK %d, want 0", rc)
	}
	if rc := connect3(t, b.Addr(), "sensor-7", "", "", true); rc != 5 {
		t.Errorf("id without prefix: CONNACK %d, want 5", rc)
	}
}

func TestSecondLoopbackAddressAndStop(t *testing.T) {
	b := Start(t, Config{Listen: "127.0.0.2"})
	if rc := connect3(t, b.Addr(), "x", "", "", true); rc != 0 {
		t.Fatalf("CONNACK %d", rc)
	}
	// The broker does not listen on 127.0.0.1 at that port. (Another
	// process may, by chance: the test only asks that our broker never
	// sees the connection.)
	// mosquitto logs after it answers: wait for the lines of the
	// connections made so far before counting.
	if err := b.WaitLog("Sending CONNACK to x", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	before := strings.Count(b.Log(), "New connection from")
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", itoa(b.Port)), time.Second); err == nil {
		c.Write([]byte{0xC0, 0}) // a PINGREQ, for mosquitto to log if it were ours
		c.Close()
	}
	if rc := connect3(t, b.Addr(), "y", "", "", true); rc != 0 { // a known connection as a fence
		t.Fatalf("CONNACK %d", rc)
	}
	if err := b.WaitLog("Sending CONNACK to y", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if after := strings.Count(b.Log(), "New connection from"); after != before+1 {
		t.Errorf("broker bound to 127.0.0.2 saw %d connections, want only the one to 127.0.0.2:\n%s", after-before, b.Log())
	}
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if !b.Exited() {
		t.Fatal("process still running after Stop")
	}
	if c, err := net.DialTimeout("tcp", b.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("port still accepts after Stop")
	}
	if err := b.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestFixedPortTakenFails(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Skip(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	b, err := StartProcess(Config{Port: port})
	if err == nil {
		b.Stop()
		t.Fatal("started on a port that is taken")
	}
	if !strings.Contains(err.Error(), "exited") {
		t.Errorf("error does not say the broker exited: %v", err)
	}
}

func TestBinaryOverride(t *testing.T) {
	t.Setenv("ATMQ_MOSQUITTO", "/nonexistent/mosquitto")
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), "/nonexistent/mosquitto") {
		t.Fatalf("Binary() with a bad ATMQ_MOSQUITTO: %v", err)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// fakeTB records how Start gives up; Fatalf and Skipf stop it by
// panicking, as the real ones stop the goroutine.
type fakeTB struct {
	testing.TB
	how, msg string
}

type stopped struct{}

func (f *fakeTB) Helper()        {}
func (f *fakeTB) Cleanup(func()) {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.how, f.msg = "fatal", fmt.Sprintf(format, args...)
	panic(stopped{})
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.how, f.msg = "skip", fmt.Sprintf(format, args...)
	panic(stopped{})
}

func startWithout(t *testing.T, ci string) *fakeTB {
	t.Setenv("ATMQ_MOSQUITTO", "/nonexistent/mosquitto")
	t.Setenv("CI", ci)
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		Start(f, Config{})
	}()
	return f
}

// TestMissingMosquitto: without a broker a test skips locally and fails
// in CI, each time saying how to install it.
func TestMissingMosquitto(t *testing.T) {
	if f := startWithout(t, ""); f.how != "skip" || !strings.Contains(f.msg, "apt-get install mosquitto") {
		t.Errorf("locally: %s %q, want a skip naming the package", f.how, f.msg)
	}
	if f := startWithout(t, "true"); f.how != "fatal" || !strings.Contains(f.msg, "CI is set") || !strings.Contains(f.msg, "apt-get install mosquitto") {
		t.Errorf("in CI: %s %q, want a failure naming the package", f.how, f.msg)
	}
}
