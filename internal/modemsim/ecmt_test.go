package modemsim

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/internal/mosquittotest"
)

// openECMT opens and connects context 0 with the given CONN arguments and
// returns the +ECMTCONN URC.
func openECMT(h *host, b *mosquittotest.Broker, connArgs string) string {
	h.t.Helper()
	h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
	h.expectURC("+ECMTOPEN: 0,0")
	h.cmd("AT+ECMTCONN=0,"+connArgs, "OK")
	return h.urc("+ECMTCONN:")
}

// TestECMTFullSession drives a whole ECMT session against a real broker:
// echo, configuration, open, connect, subscribe, publish at QoS 0/1/2
// (inline and through the prompt), receive our own messages, cancel a
// prompt, unsubscribe, disconnect.
func TestECMTFullSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectECMT, Echo: true, LocalAddr: "127.0.0.5"})

	h.send("AT\r\n")
	if got := h.final(); got != "OK" {
		t.Fatalf("AT: %s", got)
	}
	// Echo repeats the CR at once (the LF after it is echoed when it
	// arrives, after the result, as on real modules).
	if !strings.HasPrefix(h.raw(), "AT\r\r\nOK\r\n") {
		t.Fatalf("echo on: output starts %q, want the command echoed before the result", h.raw())
	}
	h.cmd("ATE0", "OK")
	before := len(h.raw())
	h.cmd(`AT+ECMTCFG="keepalive",0,60`, "OK")
	if got := h.raw()[before:]; got != "\r\nOK\r\n" {
		t.Fatalf("echo off: output %q, want only the result", got)
	}
	h.send("AT+ECMTCFG=\"keepalive\",0\r\n")
	h.expectURC(`+ECMTCFG: "keepalive",60`)
	if h.final() != "OK" {
		t.Fatal("ECMTCFG query not OK")
	}

	if got := openECMT(h, b, `"dev1"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatalf("connect: %s", got)
	}
	// The device connected from its own loopback address, as MQTT 3.1.1
	// (p2) with the configured keepalive.
	waitLog(t, b, "New client connected from 127.0.0.5:")
	waitLog(t, b, "as dev1 (p2, c1, k60)")

	h.cmd(`AT+ECMTSUB=0,1,"sim/t/#",2`, "OK")
	h.expectURC("+ECMTSUB: 0,1,0,2")
	waitLog(t, b, "Received SUBSCRIBE from dev1")

	// QoS 0, inline payload.
	h.cmd(`AT+ECMTPUB=0,0,0,0,"sim/t/a","hello0"`, "OK")
	h.expectURC("+ECMTPUB: 0,0,0")
	h.expectURC(`+ECMTRECV: 0,0,"sim/t/a",hello0`)

	// QoS 1: the host's msgID is the packet identifier on the wire.
	h.cmd(`AT+ECMTPUB=0,7,1,0,"sim/t/b","hello1"`, "OK")
	h.expectURC("+ECMTPUB: 0,7,0")
	waitLog(t, b, "Received PUBLISH from dev1 (d0, q1, r0, m7, 'sim/t/b', ... (6 bytes))")
	recv := h.urc(`+ECMTRECV: 0,`)
	if !strings.HasSuffix(recv, `,"sim/t/b",hello1`) || strings.HasPrefix(recv, "+ECMTRECV: 0,0,") {
		t.Fatalf("QoS 1 delivery %q: want a non-zero broker packet id and the payload", recv)
	}
	waitLog(t, b, "Received PUBACK from dev1") // our automatic ack of the delivery

	// QoS 2 through the prompt; the payload holds a comma and CR LF,
	// which ECMT prints raw.
	h.send(`AT+ECMTPUB=0,8,2,0,"sim/t/c"` + "\r\n")
	h.waitPrompt("> ")
	h.send("a,b\r\nc\x1a")
	if h.final() != "OK" {
		t.Fatal("prompt publish not OK")
	}
	h.expectURC("+ECMTPUB: 0,8,0")
	waitLog(t, b, "Received PUBREL from dev1 (Mid: 8)")
	h.expectURC(`+ECMTRECV: 0,` + recvID(t, h, "sim/t/c") + `,"sim/t/c",a,b`)
	h.expectURC("c") // the rest of the raw payload after its CR LF
	waitLog(t, b, "Received PUBCOMP from dev1")

	// ESC cancels the prompt: OK and nothing published.
	h.send(`AT+ECMTPUB=0,9,1,0,"sim/t/cancelled"` + "\r\n")
	h.waitPrompt("> ")
	h.send("never\x1b")
	if h.final() != "OK" {
		t.Fatal("ESC did not answer OK")
	}

	h.cmd(`AT+ECMTUNS=0,2,"sim/t/#"`, "OK")
	h.expectURC("+ECMTUNS: 0,2,0")
	h.cmd(`AT+ECMTSUB=0,3,"sim/u",0`, "OK")
	h.expectURC("+ECMTSUB: 0,3,0,0")
	h.cmd(`AT+ECMTPUB=0,0,0,0,"sim/t/x","late"`, "OK")
	h.cmd(`AT+ECMTPUB=0,0,0,0,"sim/u","marker"`, "OK")
	h.expectURC(`+ECMTRECV: 0,0,"sim/u",marker`)
	// The broker keeps one connection's order: after the marker, a
	// message on the unsubscribed topic would have arrived already.
	if h.seen(func(l string) bool { return strings.Contains(l, "sim/t/x") || strings.Contains(l, "cancelled") }) {
		t.Fatalf("received a message after UNSUBSCRIBE or a cancelled one:\n%s", h.transcript())
	}
	if strings.Contains(b.Log(), "sim/t/cancelled") {
		t.Fatal("the cancelled prompt publish reached the broker")
	}

	h.send("AT+ECMTCONN?\r\n")
	h.expectURC("+ECMTCONN: 0,3")
	h.final()
	h.cmd("AT+ECMTDISC=0", "OK")
	h.expectURC("+ECMTDISC: 0,0")
	waitLog(t, b, "Received DISCONNECT from dev1")
	if h.seen(func(l string) bool { return strings.HasPrefix(l, "+ECMTSTAT") }) {
		t.Fatal("+ECMTSTAT after our own DISC")
	}
	// After DISC the context is closed: CONN needs a new OPEN.
	h.cmd(`AT+ECMTCONN=0,"dev1"`, "ERROR")
	h.cmd("AT+NOSUCH", "ERROR")
}

// recvID finds the packet id the broker used for a delivery on topic; it
// reads the line without consuming it.
func recvID(t *testing.T, h *host, topic string) string {
	t.Helper()
	line := h.waitFor("delivery on "+topic, func(l string) bool {
		return strings.HasPrefix(l, "+ECMTRECV: 0,") && strings.Contains(l, `"`+topic+`"`)
	})
	// Put it back for the caller's exact match.
	h.mu.Lock()
	for i := range h.lines {
		if h.lines[i] == line && h.used[i] {
			h.used[i] = false
			break
		}
	}
	h.mu.Unlock()
	f := strings.Split(strings.TrimPrefix(line, "+ECMTRECV: "), ",")
	return f[1]
}

// TestECMTAuthRefusals: the broker refuses with CONNACK 5 for no
// credentials, a wrong password and a password the firmware truncated;
// ECMT reports the return code in +ECMTCONN: 0,0,<rc>.
func TestECMTAuthRefusals(t *testing.T) {
	t.Parallel()
	const user, pass = "dev", "a-long-password-0123456789"
	b := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{user: pass}})
	cases := []struct {
		name   string
		faults Faults
		args   string
		want   string
	}{
		{"no credentials", Faults{}, `"c1"`, "+ECMTCONN: 0,0,5"},
		{"wrong password", Faults{}, `"c2","dev","wrong"`, "+ECMTCONN: 0,0,5"},
		{"right password", Faults{}, `"c3","dev","` + pass + `"`, "+ECMTCONN: 0,0,0"},
		{"truncated password", Faults{TruncatePassword: 16}, `"c4","dev","` + pass + `"`, "+ECMTCONN: 0,0,5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := startModule(t, Options{Dialect: DialectECMT, Faults: tc.faults})
			if got := openECMT(h, b, tc.args); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if tc.want != "+ECMTCONN: 0,0,0" {
				// The broker closed the refused connection: the context is
				// closed again, without a status URC (ECMT prints none
				// for a refusal).
				h.cmd("AT+ECMTOPEN?", "OK")
				h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
				h.expectURC("+ECMTOPEN: 0,0")
			}
		})
	}
}

// TestECMTEmptyClientIDPersistentSession: an empty client id with clean
// session off is refused with CONNACK 2 [MQTT-3.1.3-8].
func TestECMTEmptyClientIDPersistentSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectECMT})
	h.cmd(`AT+ECMTCFG="session",0,0`, "OK")
	if got := openECMT(h, b, `""`); got != "+ECMTCONN: 0,0,2" {
		t.Fatalf("got %s, want +ECMTCONN: 0,0,2", got)
	}
	waitLog(t, b, "Sending CONNACK to 127.0.0.1 (0, 2)")
}

// TestECMTTypographicQuotes: a command pasted with “ ” is answered ERROR
// and no connection is made; the AcceptTypographicQuotes fault opens it.
func TestECMTTypographicQuotes(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectECMT, LocalAddr: "127.0.0.5"})
	h.cmd(fmt.Sprintf("AT+ECMTOPEN=0,\u201c%s\u201d,%d", b.Host, b.Port), "ERROR")
	h.cmd(`AT+ECMTCONN=0,"dev"`, "ERROR") // nothing open
	if strings.Contains(b.Log(), "New connection from 127.0.0.5") {
		t.Fatalf("the module connected despite ERROR:\n%s", b.Log())
	}

	lenient := startModule(t, Options{Dialect: DialectECMT, Faults: Faults{AcceptTypographicQuotes: true}})
	lenient.cmd(fmt.Sprintf("AT+ECMTOPEN=0,\u201c%s\u201d,%d", b.Host, b.Port), "OK")
	lenient.expectURC("+ECMTOPEN: 0,0")
}

// TestECMTPeerClose: a second connection with the same client id makes
// the broker close ours; the module prints +ECMTSTAT: 0,1.
func TestECMTPeerClose(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectECMT})
	if got := openECMT(h, b, `"twin"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	other := startModule(t, Options{Dialect: DialectECMT, LocalAddr: "127.0.0.6"})
	if got := openECMT(other, b, `"twin"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	h.expectURC("+ECMTSTAT: 0,1")
	h.cmd(`AT+ECMTPUB=0,0,0,0,"t","x"`, "ERROR") // no session any more
}

// TestECMTKeepalive: with keepalive 1 the module pings; with NoPingreq
// and keepalive 2 the broker closes the silent connection (after 1.5 ×
// keepalive [MQTT-3.1.2-24]) and the module reports +ECMTSTAT: 0,1.
func TestECMTKeepalive(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})

	h := startModule(t, Options{Dialect: DialectECMT})
	h.cmd(`AT+ECMTCFG="keepalive",0,1`, "OK")
	if got := openECMT(h, b, `"pinger"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	waitLog(t, b, "Received PINGREQ from pinger")

	silent := startModule(t, Options{Dialect: DialectECMT, Faults: Faults{NoPingreq: true}})
	silent.cmd(`AT+ECMTCFG="keepalive",0,2`, "OK")
	if got := openECMT(silent, b, `"silent"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	silent.expectURC("+ECMTSTAT: 0,1")
	waitLog(t, b, "Client silent has exceeded timeout, disconnecting.")
	if strings.Contains(b.Log(), "Received PINGREQ from silent") {
		t.Fatal("NoPingreq module sent PINGREQ")
	}
}

// TestECMTInvalidFilterServerCloses: mosquitto closes the connection on a
// SUBSCRIBE with an invalid filter; the SUB fails and STAT follows.
func TestECMTInvalidFilterServerCloses(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectECMT})
	if got := openECMT(h, b, `"filt"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	h.cmd(`AT+ECMTSUB=0,5,"devices/#/cmd",1`, "OK")
	h.expectURC("+ECMTSUB: 0,5,2")
	h.expectURC("+ECMTSTAT: 0,1")
}

// TestECMTOpenRefusedPort: nothing listens → +ECMTOPEN: 0,-1.
func TestECMTOpenRefusedPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	h := startModule(t, Options{Dialect: DialectECMT})
	h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"127.0.0.1",%d`, port), "OK")
	h.expectURC("+ECMTOPEN: 0,-1")
}

// TestECMTFaultVersionAndURCs: DefaultVersion31 connects as MQTT 3.1
// (mosquitto logs p1) until ECMTCFG "version" says 4; DropURC hides the
// CONN result while the CONNECT still happens; SlowURC still delivers.
func TestECMTFaultVersionAndURCs(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectECMT, Faults: Faults{DefaultVersion31: true, DropURC: "+ECMTCONN", SlowURC: 50 * time.Millisecond}})
	h.send("AT+ECMTCFG=\"version\",0\r\n")
	h.expectURC(`+ECMTCFG: "version",3`)
	h.final()
	h.cmd(fmt.Sprintf(`AT+ECMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
	h.expectURC("+ECMTOPEN: 0,0")
	h.cmd(`AT+ECMTCONN=0,"old-firmware-with-a-28-chars"`, "OK")
	waitLog(t, b, "as old-firmware-with-a-28-chars (p1, c1, k120)")
	// mosquitto logs the CONNECT before its CONNACK reaches the module:
	// wait for the module's own word that the session is up.
	waitMTState(h, "ECMTCONN", 0, mtConnected)
	h.cmd(`AT+ECMTSUB=0,1,"v",0`, "OK") // connected, though no URC said so
	h.expectURC("+ECMTSUB: 0,1,0,0")
	// The result URC has three fields; the read command's answer two.
	if h.seen(func(l string) bool { return strings.HasPrefix(l, "+ECMTCONN") && strings.Count(l, ",") == 2 }) {
		t.Fatal("dropped URC was printed")
	}
}

// waitMTState asks the module (AT+<name>?) until connection idx reports
// state: the module's own word that a step it runs in the background is
// done.
func waitMTState(h *host, name string, idx int, state mtState) {
	h.t.Helper()
	want := fmt.Sprintf("+%s: %d,%d", name, idx, state)
	for deadline := time.Now().Add(waitLimit); ; {
		h.send("AT+" + name + "?\r\n")
		h.final()
		if h.seen(func(l string) bool { return l == want }) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the module never reported %q; output so far:\n%s", want, h.transcript())
		}
	}
}

// TestECMTWillOnSilentDeath: the will configured with ECMTCFG "will" is
// in the CONNECT: when the broker drops the silent device (NoPingreq), it
// publishes the will, and a second device subscribed to it receives it.
func TestECMTWillOnSilentDeath(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	watcher := startModule(t, Options{Dialect: DialectECMT})
	if got := openECMT(watcher, b, `"watcher"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	watcher.cmd(`AT+ECMTSUB=0,1,"status/#",1`, "OK")
	watcher.expectURC("+ECMTSUB: 0,1,0,1")

	dying := startModule(t, Options{Dialect: DialectECMT, Faults: Faults{NoPingreq: true}})
	dying.cmd(`AT+ECMTCFG="will",0,1,1,0,"status/dev9","offline"`, "OK")
	dying.send("AT+ECMTCFG=\"will\",0\r\n")
	dying.expectURC(`+ECMTCFG: "will",1,1,0,"status/dev9","offline"`)
	dying.final()
	dying.cmd(`AT+ECMTCFG="keepalive",0,2`, "OK")
	if got := openECMT(dying, b, `"dev9"`); got != "+ECMTCONN: 0,0,0" {
		t.Fatal(got)
	}
	dying.expectURC("+ECMTSTAT: 0,1")
	if l := watcher.urc("+ECMTRECV: 0,"); !strings.HasSuffix(l, `,"status/dev9",offline`) {
		t.Fatalf("will delivery: %s", l)
	}
}
