package modemsim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/atmq/atmq/internal/mosquittotest"
)

// TestQMTSession: Quectel's dialect end to end — configure, open,
// connect, multi-topic subscribe, inline / prompt / PUBEX publishes,
// quoted receive URCs (with the recv/mode length field), unsubscribe,
// disconnect, close.
func TestQMTSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectQMT})
	h.cmd(`AT+QMTCFG="version",1,4`, "OK")
	h.cmd(`AT+QMTCFG="keepalive",1,30`, "OK")
	h.cmd(`AT+QMTCFG="recv/mode",1,0,1`, "OK")
	h.cmd(`AT+QMTCFG="ssl",1,1,0`, "ERROR") // TLS is not simulated: refuse, don't pretend
	h.cmd(fmt.Sprintf(`AT+QMTOPEN=1,"%s",%d`, b.Host, b.Port), "OK")
	h.expectURC("+QMTOPEN: 1,0")
	h.cmd(fmt.Sprintf(`AT+QMTOPEN=1,"%s",%d`, b.Host, b.Port), "OK")
	h.expectURC("+QMTOPEN: 1,2") // index in use
	h.cmd(`AT+QMTCONN=1,"quec1"`, "OK")
	h.expectURC("+QMTCONN: 1,0,0")
	waitLog(t, b, "as quec1 (p2, c1, k30)")

	h.cmd(`AT+QMTSUB=1,1,"q/a",1,"q/b",2`, "OK")
	h.expectURC("+QMTSUB: 1,1,0,1,2")

	h.cmd(`AT+QMTPUB=1,0,0,0,"q/a","in line"`, "OK")
	h.expectURC("+QMTPUB: 1,0,0")
	h.expectURC(`+QMTRECV: 1,0,"q/a",7,"in line"`)

	h.send(`AT+QMTPUB=1,4,1,0,"q/a"` + "\r\n")
	h.waitPrompt("> ")
	h.send("prompted\x1a")
	h.final()
	h.expectURC("+QMTPUB: 1,4,0")
	waitLog(t, b, "Received PUBLISH from quec1 (d0, q1, r0, m4, 'q/a', ... (8 bytes))")
	if l := h.urc(`+QMTRECV: 1,`); !strings.HasSuffix(l, `,"q/a",8,"prompted"`) {
		t.Fatalf("prompt publish delivery: %s", l)
	}

	// PUBEX with a declared length: exactly 5 bytes, Ctrl-Z not needed
	// and CR LF inside the payload kept.
	h.send(`AT+QMTPUBEX=1,5,2,0,"q/b",5` + "\r\n")
	h.waitPrompt("> ")
	h.send("ab\r\nc")
	h.final()
	h.expectURC("+QMTPUBEX: 1,5,0")
	waitLog(t, b, "Received PUBREL from quec1 (Mid: 5)")
	if l := h.urc(`+QMTRECV: 1,`); !strings.HasSuffix(l, `,"q/b",5,"ab`) {
		t.Fatalf("PUBEX delivery: %s", l)
	}

	h.cmd(`AT+QMTUNS=1,6,"q/a","q/b"`, "OK")
	h.expectURC("+QMTUNS: 1,6,0")
	h.cmd(`AT+QMTDISC=1`, "OK")
	h.expectURC("+QMTDISC: 1,0")
	waitLog(t, b, "Received DISCONNECT from quec1")
	h.cmd(`AT+QMTCLOSE=1`, "OK")
	h.expectURC("+QMTCLOSE: 1,-1") // already closed by DISC
	h.cmd(`AT+QMTOPEN=6,"h",1`, "ERROR")
}

// TestQMTRefusedAndStatus: a refused CONNACK is printed as
// +QMTCONN: <idx>,0,<rc> and followed by +QMTSTAT: <idx>,4 when the
// broker closes (as in atlogs/10); a kicked session gives +QMTSTAT: 0,1.
func TestQMTRefusedAndStatus(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{ClientIDPrefixes: "tracker-"})
	h := startModule(t, Options{Dialect: DialectQMT})
	h.cmd(fmt.Sprintf(`AT+QMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
	h.expectURC("+QMTOPEN: 0,0")
	h.cmd(`AT+QMTCONN=0,"sensor-1"`, "OK")
	h.expectURC("+QMTCONN: 0,0,5")
	h.expectURC("+QMTSTAT: 0,4")

	h.cmd(fmt.Sprintf(`AT+QMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
	h.expectURC("+QMTOPEN: 0,0")
	h.cmd(`AT+QMTCONN=0,"tracker-1"`, "OK")
	h.expectURC("+QMTCONN: 0,0,0")
	twin := startModule(t, Options{Dialect: DialectQMT})
	twin.cmd(fmt.Sprintf(`AT+QMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
	twin.expectURC("+QMTOPEN: 0,0")
	twin.cmd(`AT+QMTCONN=0,"tracker-1"`, "OK")
	twin.expectURC("+QMTCONN: 0,0,0")
	h.expectURC("+QMTSTAT: 0,1")
}

// TestCMQTTSession: SIMCom's dialect — START, ACCQ, CONNECT with a URL,
// SUBTOPIC + SUB, TOPIC + PAYLOAD + PUB with typed lengths, the receive
// block, DISC, REL, STOP — against a password broker.
func TestCMQTTSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"sim": "pw-7600"}})
	h := startModule(t, Options{Dialect: DialectCMQTT})
	h.cmd("AT+CMQTTSTART", "OK")
	h.expectURC("+CMQTTSTART: 0")
	h.cmd(`AT+CMQTTACCQ=0,"sim7600"`, "OK")
	h.cmd(`AT+CMQTTACCQ=0,"again"`, "ERROR")
	h.expectURC("+CMQTTACCQ: 0,19")

	// Wrong password: CONNACK 5 is reported as 5 + 26 = 31.
	h.cmd(fmt.Sprintf(`AT+CMQTTCONNECT=0,"tcp://%s:%d",60,1,"sim","nope"`, b.Host, b.Port), "OK")
	h.expectURC("+CMQTTCONNECT: 0,31")
	h.cmd(fmt.Sprintf(`AT+CMQTTCONNECT=0,"tcp://%s:%d",60,1,"sim","pw-7600"`, b.Host, b.Port), "OK")
	h.expectURC("+CMQTTCONNECT: 0,0")
	waitLog(t, b, "as sim7600 (p2, c1, k60, u'sim')")

	h.send("AT+CMQTTSUBTOPIC=0,6,1\r\n")
	h.waitPrompt(">")
	h.send("s/in/#")
	h.final()
	h.cmd("AT+CMQTTSUB=0", "OK")
	h.expectURC("+CMQTTSUB: 0,0")
	waitLog(t, b, "s/in/# (QoS 1)")

	h.send("AT+CMQTTSUB=0,4,2\r\n") // one-step form: topic after the prompt
	h.waitPrompt(">")
	h.send("s/up")
	h.final()
	h.expectURC("+CMQTTSUB: 0,0")

	h.send("AT+CMQTTTOPIC=0,4\r\n")
	h.waitPrompt(">")
	h.send("s/up")
	h.final()
	h.send("AT+CMQTTPAYLOAD=0,9\r\n")
	h.waitPrompt(">")
	h.send("{\"t\":21}\n")
	h.final()
	h.cmd("AT+CMQTTPUB=0,1,60", "OK")
	h.expectURC("+CMQTTPUB: 0,0")
	h.expectURC("+CMQTTRXSTART: 0,4,9")
	h.expectURC("+CMQTTRXTOPIC: 0,4")
	h.expectURC("s/up")
	h.expectURC("+CMQTTRXPAYLOAD: 0,9")
	h.expectURC("{\"t\":21}\n")
	h.expectURC("+CMQTTRXEND: 0")
	// Topic and payload are consumed by PUB.
	h.cmd("AT+CMQTTPUB=0,1,60", "ERROR")

	h.cmd("AT+CMQTTDISC=0,60", "OK")
	h.expectURC("+CMQTTDISC: 0,0")
	waitLog(t, b, "Received DISCONNECT from sim7600")
	h.cmd("AT+CMQTTREL=0", "OK")
	h.cmd("AT+CMQTTSTOP", "OK")
	h.expectURC("+CMQTTSTOP: 0")
	if h.seen(func(l string) bool { return strings.HasPrefix(l, "+CMQTTCONNLOST") }) {
		t.Fatal("CONNLOST after our own DISC")
	}
}

// TestCMQTTConnLost: the broker closes a silent client (NoPingreq,
// keepalive 2 s) and the module prints +CMQTTCONNLOST: 0,1.
func TestCMQTTConnLost(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectCMQTT, Faults: Faults{NoPingreq: true}})
	h.cmd("AT+CMQTTSTART", "OK")
	h.cmd(`AT+CMQTTACCQ=0,"quiet"`, "OK")
	h.cmd(fmt.Sprintf(`AT+CMQTTCONNECT=0,"tcp://%s:%d",2,1`, b.Host, b.Port), "OK")
	h.expectURC("+CMQTTCONNECT: 0,0")
	h.expectURC("+CMQTTCONNLOST: 0,1")
	waitLog(t, b, "Client quiet has exceeded timeout, disconnecting.")
}

// TestESPATSession: ESP-AT answers MQTTCONN/SUB/PUB only after the
// broker's ack, prints +MQTTSUBRECV with the length, and takes escaped
// strings.
func TestESPATSession(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{})
	h := startModule(t, Options{Dialect: DialectESPAT})
	h.cmd(`AT+MQTTUSERCFG=0,1,"esp\,32","","",0,0,""`, "OK")
	h.cmd(`AT+MQTTCONNCFG=0,0,0,"e/will","gone",1,0`, "OK")
	h.send(fmt.Sprintf(`AT+MQTTCONN=0,"%s",%d,0`+"\r\n", b.Host, b.Port))
	h.expectURC(fmt.Sprintf(`+MQTTCONNECTED:0,1,"%s","%d","",0`, b.Host, b.Port))
	if h.final() != "OK" {
		t.Fatal("MQTTCONN not OK")
	}
	waitLog(t, b, "as esp,32 (p2, c1, k120)")
	h.send("AT+MQTTCONN?\r\n")
	h.expectURC(fmt.Sprintf(`+MQTTCONN:0,4,1,"%s","%d","",0`, b.Host, b.Port))
	h.final()

	h.cmd(`AT+MQTTSUB=0,"e/#",1`, "OK")
	h.send(`AT+MQTTSUB=0,"e/#",1` + "\r\n")
	h.expectURC("ALREADY SUBSCRIBE")
	h.final()
	h.cmd(`AT+MQTTPUB=0,"e/a","say \"hi\"",1,0`, "OK")
	h.expectURC(`+MQTTSUBRECV:0,"e/a",8,say "hi"`)

	h.send(`AT+MQTTPUBRAW=0,"e/raw",6,2,0` + "\r\n")
	h.final()
	h.waitPrompt(">")
	h.send("r,a\r\nw")
	h.expectURC("+MQTTPUB:OK")
	h.expectURC(`+MQTTSUBRECV:0,"e/raw",6,r,a`)

	h.cmd(`AT+MQTTUNSUB=0,"e/#"`, "OK")
	h.send(`AT+MQTTUNSUB=0,"e/#"` + "\r\n")
	h.expectURC("NO UNSUBSCRIBE")
	h.final()
	h.cmd("AT+MQTTCLEAN=0", "OK")
	waitLog(t, b, "Received DISCONNECT from esp,32")
	h.cmd(`AT+MQTTPUB=0,"e/a","x",0,0`, "ERROR")
}

// TestESPATRefused: a refused CONNECT prints +MQTTDISCONNECTED:0 then
// ERROR (atlogs/02); an invalid filter makes the broker close the
// connection: +MQTTDISCONNECTED:0 then ERROR for the SUB (atlogs/03).
func TestESPATRefused(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"u": "p"}})
	h := startModule(t, Options{Dialect: DialectESPAT})
	h.cmd(`AT+MQTTUSERCFG=0,1,"esp1","u","bad",0,0,""`, "OK")
	h.send(fmt.Sprintf(`AT+MQTTCONN=0,"%s",%d,0`+"\r\n", b.Host, b.Port))
	h.expectURC("+MQTTDISCONNECTED:0")
	if h.final() != "ERROR" {
		t.Fatal("refused MQTTCONN not ERROR")
	}
	waitLog(t, b, "Sending CONNACK to 127.0.0.1 (0, 5)")

	h.cmd(`AT+MQTTUSERCFG=0,1,"esp1","u","p",0,0,""`, "OK")
	h.send(fmt.Sprintf(`AT+MQTTCONN=0,"%s",%d,0`+"\r\n", b.Host, b.Port))
	h.urc("+MQTTCONNECTED:0,")
	h.final()
	h.send(`AT+MQTTSUB=0,"bad/#/filter",0` + "\r\n")
	h.expectURC("+MQTTDISCONNECTED:0")
	if got := h.final(); got != "ERROR" {
		t.Fatalf("SUB on a closed connection: %s", got)
	}
	out := h.raw()
	if i, j := strings.LastIndex(out, "+MQTTDISCONNECTED:0"), strings.LastIndex(out, "ERROR"); i > j {
		t.Fatalf("ERROR printed before +MQTTDISCONNECTED:\n%s", h.transcript())
	}
}

// TestFaultsAcrossDialects: the MQTT 3.1 default and password truncation
// apply to every dialect's CONNECT (mosquitto logs p1 for 3.1 and refuses
// the truncated password).
func TestFaultsAcrossDialects(t *testing.T) {
	t.Parallel()
	b := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"u": "0123456789"}})
	faults := Faults{DefaultVersion31: true}

	sim := startModule(t, Options{Dialect: DialectCMQTT, Faults: faults})
	sim.cmd("AT+CMQTTSTART", "OK")
	sim.cmd(`AT+CMQTTACCQ=0,"cm31"`, "OK")
	sim.cmd(fmt.Sprintf(`AT+CMQTTCONNECT=0,"tcp://%s:%d",60,1,"u","0123456789"`, b.Host, b.Port), "OK")
	sim.expectURC("+CMQTTCONNECT: 0,0")
	waitLog(t, b, "as cm31 (p1, c1, k60, u'u')")

	esp := startModule(t, Options{Dialect: DialectESPAT, Faults: faults})
	esp.cmd(`AT+MQTTUSERCFG=0,1,"esp31","u","0123456789",0,0,""`, "OK")
	esp.send(fmt.Sprintf(`AT+MQTTCONN=0,"%s",%d,0`+"\r\n", b.Host, b.Port))
	esp.urc("+MQTTCONNECTED:0,")
	esp.final()
	waitLog(t, b, "as esp31 (p1, c1, k120, u'u')")

	qmt := startModule(t, Options{Dialect: DialectQMT, Faults: Faults{TruncatePassword: 8}})
	qmt.cmd(fmt.Sprintf(`AT+QMTOPEN=0,"%s",%d`, b.Host, b.Port), "OK")
	qmt.expectURC("+QMTOPEN: 0,0")
	qmt.cmd(`AT+QMTCONN=0,"qt","u","0123456789"`, "OK")
	qmt.expectURC("+QMTCONN: 0,0,5")

	short := startModule(t, Options{Dialect: DialectCMQTT, Faults: Faults{TruncatePassword: 8}})
	short.cmd("AT+CMQTTSTART", "OK")
	short.cmd(`AT+CMQTTACCQ=0,"ct"`, "OK")
	short.cmd(fmt.Sprintf(`AT+CMQTTCONNECT=0,"tcp://%s:%d",60,1,"u","0123456789"`, b.Host, b.Port), "OK")
	short.expectURC("+CMQTTCONNECT: 0,31")
}
