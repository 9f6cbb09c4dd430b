package at

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/record"
)

// MQTT 3.1.1 packets written by hand (client "dev1", keepalive 60).
var (
	connectDev1  = []byte{0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 4, 'd', 'e', 'v', '1'}
	connackOK    = []byte{0x20, 0x02, 0, 0}
	connackAuth  = []byte{0x20, 0x02, 0, 5}
	publishHello = []byte{0x30, 0x0a, 0, 3, 'a', '/', 'b', 'h', 'e', 'l', 'l', 'o'}
)

// uartReplay replays a UART exchange as chunks, one second apart.
type uartReplay struct {
	chunks []record.SerialChunk
	t      time.Time
}

func (s *uartReplay) host(b ...[]byte) { s.add(record.DirHostToModule, b) }
func (s *uartReplay) mod(b ...[]byte)  { s.add(record.DirModuleToHost, b) }
func (s *uartReplay) add(d record.Direction, b [][]byte) {
	if s.t.IsZero() {
		s.t = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	s.t = s.t.Add(time.Second)
	var data []byte
	for _, x := range b {
		data = append(data, x...)
	}
	s.chunks = append(s.chunks, record.SerialChunk{Time: s.t, Dir: d, Data: data})
}

func str(s string) []byte { return []byte(s) }

func streamPackets(t *testing.T, l *Log) []SocketPacket {
	t.Helper()
	ss := SocketStreams(l)
	if len(ss) != 1 {
		t.Fatalf("%d socket streams, want 1; problems %v", len(ss), l.Problems)
	}
	return ss[0].Packets()
}

func TestSocketSIM800RawBytes(t *testing.T) {
	var s uartReplay
	s.host(str("AT+CIPSTART=0,\"TCP\",\"127.0.0.1\",1883\r\n"))
	s.mod(str("\r\nOK\r\n"))
	s.mod(str("\r\n0, CONNECT OK\r\n"))
	s.host(str("AT+CIPSEND=0,18\r\n"))
	s.mod(str("\r\n> "))
	s.host(connectDev1)
	s.mod(str("\r\n0, SEND OK\r\n"))
	// The CONNACK pushed inline, then a PUBLISH after +RECEIVE (CIPHEAD).
	s.mod(str("\r\n+IPD,4:"), connackAuth, str("\r\n"))
	s.mod(str("\r\n0, CLOSED\r\n"))
	l, err := ReadChunks(s.chunks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	open := l.Transactions[0]
	if open.Result != "0, CONNECT OK" || open.Outcome != OutcomeOK || SocketOp(&open) != SockOpen {
		t.Errorf("open %+v", open)
	}
	send := l.Transactions[1]
	if send.Final != "0, SEND OK" || send.Outcome != OutcomeOK || string(send.Payload) != string(connectDev1) {
		t.Errorf("send %+v", send)
	}
	ss := SocketStreams(l)
	if len(ss) != 1 || ss[0].ClosedBy != "peer" || ss[0].Host != "127.0.0.1" {
		t.Fatalf("streams %+v", ss)
	}
	ps := ss[0].Packets()
	if len(ps) != 2 || ps[0].Packet == nil || ps[0].Packet.ClientID != "dev1" || ps[0].Packet.KeepAlive != 60 || !ps[0].FromHost {
		t.Fatalf("packets %+v", ps)
	}
	if p := ps[1].Packet; p == nil || p.Type != mqtt.CONNACK || p.ReturnCode != 5 || ps[1].FromHost {
		t.Errorf("connack %+v", ps[1])
	}
	if len(l.Problems) > 0 {
		t.Errorf("problems %v", l.Problems)
	}
}

func TestSocketQuectelReadOnDemand(t *testing.T) {
	var s uartReplay
	s.host(str("AT+QIOPEN=1,0,\"TCP\",\"127.0.0.1\",1883,0,0\r\n"))
	s.mod(str("\r\nOK\r\n"), str("\r\n+QIOPEN: 0,0\r\n"))
	s.host(str("AT+QISEND=0,18\r\n"))
	s.mod(str("\r\n> "))
	s.host(connectDev1)
	s.mod(str("\r\nSEND OK\r\n"))
	s.mod(str("\r\n+QIURC: \"recv\",0\r\n"))
	s.host(str("AT+QIRD=0,1500\r\n"))
	// CONNACK and a PUBLISH in one read; 0x0a inside the data is no line end.
	data := append(append([]byte(nil), connackOK...), publishHello...)
	s.mod(str("\r\n+QIRD: 16\r\n"), data, str("\r\n\r\nOK\r\n"))
	s.host(str("AT+QICLOSE=0\r\n"))
	s.mod(str("\r\nOK\r\n"))
	l, err := ReadChunks(s.chunks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := l.Transactions[0]; o.Result != "+QIOPEN: 0,0" || o.Outcome != OutcomeOK {
		t.Errorf("open %+v", o)
	}
	ps := streamPackets(t, l)
	if len(ps) != 3 {
		t.Fatalf("packets %+v", ps)
	}
	if ps[1].Packet == nil || ps[1].Packet.Type != mqtt.CONNACK || ps[2].Packet == nil || string(ps[2].Packet.Payload) != "hello" {
		t.Errorf("read %+v", ps[1:])
	}
	if ss := SocketStreams(l); ss[0].ClosedBy != "host" {
		t.Errorf("closed by %q", ss[0].ClosedBy)
	}
	if len(l.Problems) > 0 {
		t.Errorf("problems %v", l.Problems)
	}
}

func TestSocketHexForms(t *testing.T) {
	// u-blox in hex mode and BC95: the data is written as hex.
	log := "AT+USOCR=6\r\n+USOCR: 0\r\nOK\r\nAT+USOCO=0,\"127.0.0.1\",1883\r\nOK\r\n" +
		"AT+USOWR=0,18,\"101000044d5154540402003c000464657631\"\r\n+USOWR: 0,18\r\nOK\r\n" +
		"+UUSORD: 0,4\r\nAT+USORD=0,4\r\n+USORD: 0,4,\"20020005\"\r\nOK\r\n+UUSOCL: 0\r\n"
	l, err := ReadLog(strings.NewReader(log), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := SocketStreams(l)
	if len(ss) != 1 || ss[0].ClosedBy != "peer" {
		t.Fatalf("streams %+v", ss)
	}
	ps := ss[0].Packets()
	if len(ps) != 2 || ps[0].Packet == nil || ps[0].Packet.ClientID != "dev1" || ps[1].Packet == nil || ps[1].Packet.ReturnCode != 5 {
		t.Fatalf("packets %+v", ps)
	}
}

func TestSocketSendFailAndBufferFull(t *testing.T) {
	log := "AT+CIPSTART=\"TCP\",\"127.0.0.1\",\"1883\"\r\nOK\r\nCONNECT OK\r\n" +
		"AT+CIPSEND=2000\r\nERROR\r\n" +
		"AT+CIPSEND=18\r\n> \r\nSEND FAIL\r\n"
	l, err := ReadLog(strings.NewReader(log), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := SocketStreams(l)
	if len(ss) != 1 || len(ss[0].Segments) != 2 {
		t.Fatalf("streams %+v", ss)
	}
	if a, b := ss[0].Segments[0], ss[0].Segments[1]; a.Failed != "ERROR" || a.Declared != 2000 || b.Failed != "SEND FAIL" {
		t.Errorf("segments %+v", ss[0].Segments)
	}
	if SocketMaxSend("sock-cip") != 1460 {
		t.Errorf("max send %d", SocketMaxSend("sock-cip"))
	}
}

// The real socket-style logs of the corpus: terminals saved them as text,
// so their binary MQTT bytes are mangled; what they still show is read.
func TestSocketRealLogs(t *testing.T) {
	for _, c := range []struct {
		file      string
		fromHost  bool
		salvage   string // in the first packet's salvage text
		closedBy  string
		openState Outcome
	}{
		{"29_socket_sim800l_pubsubclient_cipstart_cipsend_connack.txt", true, `a CONNECT (protocol name MQTT); readable: "GsmClientTest"`, "", OutcomeOK},
		// The open command follows a Markdown backtick: read once the
		// log reader takes Markdown around commands.
		{"15_socket_bg96_qiopen_qisend_tinygsm_markdown.txt", true, "a CONNECT (protocol name MQTT)", "host", ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "atlogs", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			l, err := ReadLog(f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ss := SocketStreams(l)
			if len(ss) == 0 {
				t.Fatal("no socket stream")
			}
			s := ss[0]
			if (c.openState != "" && s.OpenOutcome != c.openState) || s.ClosedBy != c.closedBy {
				t.Errorf("open %q closed by %q", s.OpenOutcome, s.ClosedBy)
			}
			ps := s.Packets()
			if len(ps) == 0 || !ps[0].Mangled || ps[0].FromHost != c.fromHost || !strings.Contains(ps[0].Salvage, c.salvage) {
				t.Fatalf("packets %+v", ps)
			}
			// The CONNACK the host read is in the log only as blank lines.
			if len(ps) < 2 || ps[1].FromHost || !ps[1].Mangled || ps[1].Declared != 4 {
				t.Errorf("read %+v", ps[1:])
			}
		})
	}
}

// Every socket command of the real-log corpus that is read as a command
// gets the socket operation its expectation names (socket_op), and its
// final and result as expected.
func TestSocketOpsOfRealLogs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "atlogs", "expect", "*_socket_*.expect.json"))
	if len(files) < 10 {
		t.Fatalf("%d socket-style expectations", len(files))
	}
	checked := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var exp struct {
			Log          string `json:"log"`
			Transactions []struct {
				Line     int    `json:"line"`
				Command  string `json:"command"`
				SocketOp string `json:"socket_op"`
				Final    string `json:"final"`
				Result   string `json:"result"`
				Outcome  string `json:"outcome"`
			} `json:"transactions"`
		}
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join("testdata", "atlogs", exp.Log))
		if err != nil {
			t.Fatal(err)
		}
		l, err := ReadLog(f, Options{})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range exp.Transactions {
			if w.SocketOp == "" {
				continue
			}
			for i := range l.Transactions {
				tr := &l.Transactions[i]
				if tr.Line != w.Line || tr.Command != w.Command {
					continue
				}
				checked++
				if got := SocketOp(tr); got != w.SocketOp || tr.Final != w.Final || tr.Result != w.Result || string(tr.Outcome) != w.Outcome {
					t.Errorf("%s line %d %s: socket op %q final %q result %q outcome %q, want %q %q %q %q",
						exp.Log, w.Line, w.Command, got, tr.Final, tr.Result, tr.Outcome, w.SocketOp, w.Final, w.Result, w.Outcome)
				}
			}
		}
	}
	// Commands behind library prefixes (Wio LTE arrows, WiFiEspAT, r-map)
	// are found once the log reader takes those prefixes.
	if checked < 10 {
		t.Errorf("only %d socket commands checked", checked)
	}
	t.Logf("%d socket commands of the real logs checked", checked)
}
