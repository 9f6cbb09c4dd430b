package at

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// qmtSession is one Quectel session with echo on: a configure command, a
// URC landing inside another command's response, a data-mode payload of
// declared length and a Chinese inline payload.
func qmtSession() []record.SerialChunk {
	return session(
		`H:AT+QMTCFG="version",0,4`+"\r", `M:AT+QMTCFG="version",0,4`+"\r\r\nOK\r\n",
		`H:AT+QMTOPEN=0,"127.0.0.1",1883`+"\r", `M:AT+QMTOPEN=0,"127.0.0.1",1883`+"\r\r\nOK\r\n", "M:\r\n+QMTOPEN: 0,0\r\n",
		`H:AT+QMTCONN=0,"dev1","u","p"`+"\r", `M:AT+QMTCONN=0,"dev1","u","p"`+"\r\r\nOK\r\n", "M:\r\n+QMTCONN: 0,0,5\r\n",
		`H:AT+QMTSUB=0,1,"a/b",1`+"\r", `M:AT+QMTSUB=0,1,"a/b",1`+"\r\r\n", `M:+QMTRECV: 0,0,"x/y","early"`+"\r\n", "M:\r\nOK\r\n", "M:\r\n+QMTSUB: 0,1,0,1\r\n",
		`H:AT+QMTPUBEX=0,2,1,0,"a/b",5`+"\r", `M:AT+QMTPUBEX=0,2,1,0,"a/b",5`+"\r\r\n> ", "H:hello", "M:\r\nOK\r\n", "M:\r\n+QMTPUBEX: 0,2,0\r\n",
		`H:AT+QMTPUB=0,0,0,0,"a/b","你好"`+"\r", `M:AT+QMTPUB=0,0,0,0,"a/b","你好"`+"\r\r\nOK\r\n", "M:\r\n+QMTPUB: 0,0,0\r\n",
		"H:AT+QMTDISC=0\r", "M:AT+QMTDISC=0\r\r\nOK\r\n", "M:\r\n+QMTDISC: 0,0\r\n",
	)
}

func TestFormatsOnOneSession(t *testing.T) {
	chunks := qmtSession()
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		log      []byte
		format   string
		hostDir  bool // the log records what the host sent (payloads visible)
		hexLines bool // commands are not visible as text (line numbers of hex rows)
		timed    string
	}{
		{"sscom-utf8", writeSSCOM(chunks), "sscom", true, false, "--date"},
		{"sscom-gbk", toGBK(t, writeSSCOM(chunks)), "sscom", true, false, "--date"},
		{"tio", writeStamped(chunks, "[15:04:05.000] "), "stamped", false, false, "--date"},
		{"tio-iso8601", writeStamped(chunks, "[2006-01-02T15:04:05.000] "), "stamped", false, false, "log"},
		{"teraterm", writeStamped(chunks, "[2006-01-02 15:04:05.000] "), "stamped", false, false, "log"},
		{"teraterm-old", writeStamped(chunks, "[Mon Jan _2 15:04:05.000 2006] "), "stamped", false, false, "log"},
		{"putty", append([]byte("=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2026.11.26 04:00:00 =~=~=~=~=~=~=~=~=~=~=~=\r\n"), writeRaw(chunks)...), "putty", false, false, "none"},
		{"picocom", writeRaw(chunks), "raw", false, false, "none"},
		{"atmq", writeAtmq(chunks), "atmq", true, false, "log"},
		{"socat", writeSocat(chunks), "socat", true, false, "log"},
		{"jpnevulator", writeJpnevulator(chunks), "jpnevulator", true, true, "log"},
		{"interceptty", writeInterceptty(chunks), "interceptty", true, true, "none"},
		{"slsnif", writeSlsnif(chunks), "slsnif", true, true, "log"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := readBytes(t, c.log, Options{Date: day, DateSource: "--date"})
			if l.Format != c.format {
				t.Fatalf("format %q, want %q", l.Format, c.format)
			}
			if l.Dialect != "qmt" {
				t.Errorf("dialect %q, want qmt", l.Dialect)
			}
			if l.TimeSource != c.timed {
				t.Errorf("time source %q, want %q", l.TimeSource, c.timed)
			}
			if len(l.Transactions) != 7 {
				t.Fatalf("%d transactions, want 7:\n%s", len(l.Transactions), dump(l))
			}
			open := txn(t, l, "QMTOPEN", 0)
			if open.Final != "OK" || open.Result != "+QMTOPEN: 0,0" || open.Op != OpOpen || open.Args[ArgHost] != "127.0.0.1" {
				t.Errorf("QMTOPEN: %+v", open)
			}
			conn := txn(t, l, "QMTCONN", 0)
			if conn.Result != "+QMTCONN: 0,0,5" || conn.Meaning != "CONNACK refused: not authorized" {
				t.Errorf("QMTCONN result %q meaning %q", conn.Result, conn.Meaning)
			}
			if conn.Config == nil || conn.Config.Version == nil || *conn.Config.Version != 4 {
				t.Errorf("QMTCONN config %+v, want version 4 from QMTCFG", conn.Config)
			}
			sub := txn(t, l, "QMTSUB", 0)
			if sub.Final != "OK" || sub.Result != "+QMTSUB: 0,1,0,1" || sub.Meaning != "subscribed, granted QoS 1" {
				t.Errorf("QMTSUB: final %q result %q meaning %q", sub.Final, sub.Result, sub.Meaning)
			}
			recv := events(l, "QMTRECV")
			if len(recv) != 1 || string(recv[0].Payload) != "early" || recv[0].Args[ArgTopic] != "x/y" || recv[0].Op != OpReceive {
				t.Errorf("the URC inside QMTSUB's response should be a receive event: %+v", recv)
			}
			pubex := txn(t, l, "QMTPUBEX", 0)
			if pubex.Result != "+QMTPUBEX: 0,2,0" || pubex.Args["length"] != "5" || pubex.Args[ArgTopic] != "a/b" {
				t.Errorf("QMTPUBEX: %+v", pubex)
			}
			if c.hostDir && string(pubex.Payload) != "hello" {
				t.Errorf("QMTPUBEX payload %q, want hello", pubex.Payload)
			}
			pub := txn(t, l, "QMTPUB", 0)
			if pub.Args[ArgPayload] != "你好" {
				t.Errorf("QMTPUB payload %q, want 你好", pub.Args[ArgPayload])
			}
			disc := txn(t, l, "QMTDISC", 0)
			if disc.Meaning != "disconnected" {
				t.Errorf("QMTDISC meaning %q", disc.Meaning)
			}
			// Line numbers as grep -n gives them.
			if !c.hexLines {
				text := c.log
				if c.name == "sscom-gbk" {
					text = writeSSCOM(chunks)
				}
				if want := grepN(t, text, "AT+QMTCONN="); conn.Line != want {
					t.Errorf("QMTCONN line %d, want %d", conn.Line, want)
				}
				if want := grepN(t, text, "+QMTCONN: 0,0,5"); conn.ResultLine != want {
					t.Errorf("QMTCONN result line %d, want %d", conn.ResultLine, want)
				}
			}
			// Stamps: the QMTCONN command is the 6th chunk (host logs) or
			// its echo the 7th.
			if c.timed != "none" {
				want := chunks[5].Time
				if !c.hostDir {
					want = chunks[6].Time
				}
				if !conn.Time.Equal(want) {
					t.Errorf("QMTCONN time %v, want %v", conn.Time, want)
				}
			}
			if len(l.Problems) > 0 {
				t.Errorf("problems: %v", l.Problems)
			}
		})
	}
}

// With ATE0 a module-only log holds no commands: the URCs are still
// decoded, as events.
func TestEchoOffModuleOnly(t *testing.T) {
	chunks := session("H:ATE0\r", "M:ATE0\r\r\nOK\r\n",
		`H:AT+QMTOPEN=0,"h",1883`+"\r", "M:\r\nOK\r\n", "M:\r\n+QMTOPEN: 0,3\r\n")
	l := readBytes(t, writeRaw(chunks), Options{})
	if len(l.Transactions) != 1 || l.Transactions[0].Command != "ATE0" {
		t.Fatalf("want only the echoed ATE0:\n%s", dump(l))
	}
	ev := events(l, "QMTOPEN")
	if len(ev) != 1 || ev[0].Meaning != "unsolicited: failed to activate PDP" {
		t.Errorf("events: %+v", l.Events)
	}
	// A recording with the host side keeps the commands.
	l = readBytes(t, writeAtmq(chunks), Options{})
	open := txn(t, l, "QMTOPEN", 0)
	if open.Final != "OK" || open.Result != "+QMTOPEN: 0,3" || open.Meaning != "failed to activate PDP" {
		t.Errorf("QMTOPEN with echo off: %+v", open)
	}
}

func TestDetectFormat(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"AT\r\r\nOK\r\n", "raw"},
		{"# atmq-serial v1\n- > AT\\r\n", "atmq"},
		{"2026-11-26T04:55:40.1Z < \\r\\nOK\\r\\n\n", "atmq"},
		{"[10:00:00.000]收←◆OK\n", "sscom"},
		{"[04:32:39.628] AT\n[04:32:39.629] OK\n", "stamped"},
		{"22:05:08.282 -> OK\n", "stamped"},
		{"» AT\n« AT\nOK\n» ATI\n", "arrows"},
		{"INFO: {'response': ['OK']}\n", "hostlib"},
		{"> 2026/11/26 04:32:23.000079325  length=3 from=0 to=2\nAT\\r", "socat"},
		{"2026-11-26 04:33:10.964041: Host\n41 54 0D\t AT.\n", "jpnevulator"},
		{"=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2022.05.15 21:25:59 =~=~=~=~=~=~=~=~=~=~=~=\r\nAT\r\n", "putty"},
		{"", "raw"},
	} {
		if got := detectFormat([]byte(c.in)); got != c.want {
			t.Errorf("%q: detected %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnknownFormatAndDialect(t *testing.T) {
	if _, err := ReadLog(strings.NewReader("AT\r\n"), Options{Format: "nope"}); err == nil {
		t.Error("unknown format: want error")
	}
	if _, err := ReadLog(strings.NewReader("AT\r\n"), Options{Dialect: "nope"}); err == nil {
		t.Error("unknown dialect: want error")
	}
	if l, err := ReadLog(strings.NewReader("AT\r\n"), Options{Format: "tio"}); err != nil || l.Format != "stamped" {
		t.Errorf("alias tio: %v %+v", err, l)
	}
}

// A damaged atmq-serial record is counted as damage; the rest is read.
func TestAtmqDamagedRecord(t *testing.T) {
	in := "# atmq-serial v1\n- > AT\\r\nthis is not a record\n- < AT\\r\\r\\nOK\\r\\n\n"
	l := readBytes(t, []byte(in), Options{})
	if l.Damaged != 1 || len(l.Transactions) != 1 || l.Transactions[0].Final != "OK" || l.Transactions[0].FinalLine != 4 {
		t.Errorf("damaged=%d\n%s", l.Damaged, dump(l))
	}
}

// Time-only stamps that go backwards by more than 12 hours cross midnight.
func TestMidnightRollover(t *testing.T) {
	in := "[23:59:59.900] AT\r\n[23:59:59.950] OK\r\n[00:00:00.100] AT+CSQ\r\n[00:00:00.150] OK\r\n"
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	l := readBytes(t, []byte(in), Options{Date: day, DateSource: "capture"})
	if l.TimeSource != "capture" {
		t.Errorf("time source %q", l.TimeSource)
	}
	if got := l.Transactions[1].Time; !got.Equal(time.Date(2026, 11, 27, 0, 0, 0, 100e6, time.UTC)) {
		t.Errorf("after midnight: %v", got)
	}
}

func TestSocatAcrossLines(t *testing.T) {
	chunks := session("H:AT+QMTDISC=0\r", "M:AT+QMTDISC=0\r\r\nOK\r\n\r\n+QMTDISC: 0,0\r\n")
	b := writeSocat(chunks)
	if !bytes.Contains(b, []byte(`AT+QMTDISC=0\r< 2026/11/26`)) {
		t.Fatalf("writer should put the next header on the data's line:\n%s", b)
	}
	l := readBytes(t, b, Options{})
	d := txn(t, l, "QMTDISC", 0)
	if d.Line != 2 || d.FinalLine != 4 || d.ResultLine != 6 {
		t.Errorf("lines %d/%d/%d, want 2/4/6\n%s", d.Line, d.FinalLine, d.ResultLine, b)
	}
}
