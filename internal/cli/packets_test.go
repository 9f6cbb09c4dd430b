package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const captures = "../../decode/netcap/testdata/"

// jsonLines parses every stdout line as a JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		objs = append(objs, m)
	}
	return objs
}

func TestPacketsJSON(t *testing.T) {
	var out, errw bytes.Buffer
	err := runPackets(packetsOptions{File: captures + "suri_mqtt5-pub-mosquittoprops.pcap", JSON: true}, &out, &errw)
	if err != nil {
		t.Fatalf("%v (stderr %s)", err, errw.String())
	}
	lines := jsonLines(t, out.String())
	var types []string
	for _, l := range lines {
		types = append(types, l["type"].(string))
	}
	if got := strings.Join(types, " "); got != "CONNECT CONNACK PUBLISH PUBACK DISCONNECT" {
		t.Fatalf("types %s", got)
	}
	c := lines[0]
	if c["frame"].(float64) != 4 || c["src"] != "[::1]:38764" || c["dst"] != "[::1]:1883" || c["client_id"] != "myvoiceismypassport" ||
		c["version"] != "5.0" || c["password"] != "pass" || c["username"] != "user" {
		t.Errorf("CONNECT line %v", c)
	}
	if _, err := time.Parse(time.RFC3339Nano, c["time"].(string)); err != nil || !strings.Contains(c["time"].(string), ".") {
		t.Errorf("time %q: %v", c["time"], err)
	}
	// Keys come in the documented order: where and when first.
	first := strings.SplitN(out.String(), "\n", 2)[0]
	if !strings.HasPrefix(first, `{"frame":4,"time":"2020-03-24T16:21:50.541952Z","conn":1,"src":"[::1]:38764","dst":"[::1]:1883","type":"CONNECT"`) {
		t.Errorf("first line %s", first)
	}
	p := lines[2]
	if p["topic"] != "topicX" || p["qos"].(float64) != 1 || p["packet_id"].(float64) != 1 || p["payload"] != "baabaablacksheep" {
		t.Errorf("PUBLISH line %v", p)
	}
	if lines[1]["src"] != "[::1]:1883" {
		t.Errorf("CONNACK goes server→client: %v", lines[1])
	}
}

func TestPacketsRedact(t *testing.T) {
	var out, errw bytes.Buffer
	if err := runPackets(packetsOptions{File: captures + "suri_mqtt311-pub-userpass.pcap", JSON: true, Redact: true}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	c := jsonLines(t, out.String())[0]
	if c["type"] != "CONNECT" || c["password"] != "***" || strings.Contains(out.String(), `"pass"`) {
		t.Errorf("redacted CONNECT %v", c)
	}
}

func TestPacketsEvents(t *testing.T) {
	var out, errw bytes.Buffer
	if err := runPackets(packetsOptions{File: captures + "local_mqtt_tls8883_nokeys.pcap", JSON: true, Events: true}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, out.String())
	var got []string
	for _, l := range lines {
		got = append(got, l["type"].(string)+"/"+l["by"].(string))
	}
	if strings.Join(got, " ") != "TCP-SYN/client TCP-SYN-ACK/server TLS-CLIENT-HELLO/client TLS-SERVER-HELLO/server TLS-HANDSHAKE-DONE/client TCP-FIN/server TCP-RST/client" {
		t.Fatalf("events %v", got)
	}
	if lines[2]["sni"] != "localhost" || lines[0]["src"] != "127.0.0.1:60218" && lines[0]["dst"] != "127.0.0.1:8883" {
		t.Errorf("hello %v / syn %v", lines[2], lines[0])
	}
	// Without --events the same file has nothing to print.
	out.Reset()
	errw.Reset()
	if err := runPackets(packetsOptions{File: captures + "local_mqtt_tls8883_nokeys.pcap", JSON: true}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || !strings.Contains(errw.String(), "no MQTT packets") {
		t.Errorf("stdout %q stderr %q", out.String(), errw.String())
	}
}

func TestPacketsPortAndVersion(t *testing.T) {
	// ndpi_coap_mqtt carries MQTT on 17501. Without --port only the one
	// connection that opens with a CONNECT (conn 3) is recognised; the
	// others start mid-stream and need --port.
	var out, errw bytes.Buffer
	file := captures + "ndpi_coap_mqtt.pcap"
	if err := runPackets(packetsOptions{File: file, JSON: true}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	found := jsonLines(t, out.String())
	if len(found) != 44 || found[0]["type"] != "CONNECT" || found[0]["frame"].(float64) != 31 {
		t.Fatalf("without --port: %d packets, first %v", len(found), found[0])
	}
	for _, l := range found {
		if l["conn"].(float64) != 3 {
			t.Fatalf("packet outside the CONNECT-opened connection: %v", l)
		}
	}
	out.Reset()
	if err := runPackets(packetsOptions{File: file, JSON: true, Ports: []uint16{17501}, MQTTVersion: "3.1.1"}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, out.String())
	if len(lines) != 153 {
		t.Fatalf("%d packets, want 153 (as tshark -d tcp.port==17501,mqtt)", len(lines))
	}
	for _, l := range lines {
		if l["version"] != "3.1.1" {
			t.Fatalf("--mqtt-version 3.1.1 not applied: %v", l)
		}
	}
	if lines[0]["midstream"] != true {
		t.Errorf("first packet of a mid-stream flow not marked: %v", lines[0])
	}
}

func TestPacketsTable(t *testing.T) {
	var out, errw bytes.Buffer
	if err := runPackets(packetsOptions{File: captures + "local_connack_refused_1883.pcap", Events: true}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"FRAME", "CLIENT → SERVER", "127.0.0.1:54036 → 127.0.0.1:1883", "CONNECT", `client_id="v31-anon"`,
		"127.0.0.1:54036 ← 127.0.0.1:1883", "rc=5 (not authorized)", "TCP-SYN"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}

func TestPacketsExitCodes(t *testing.T) {
	dir := t.TempDir()
	whole, err := os.ReadFile(captures + "suri_mqtt311-pub-qos1.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	os.WriteFile(cut, whole[:len(whole)-40], 0o644)
	notCap := filepath.Join(dir, "log.txt")
	os.WriteFile(notCap, []byte("AT+CGATT?\r\n+CGATT: 1\r\nOK\r\n"), 0o644)

	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{"ok", []string{"packets", "--json", captures + "suri_mqtt311-pub-qos1.pcap"}, ExitOK, `"type":"PUBACK"`, ""},
		{"damaged", []string{"packets", "--json", cut}, ExitDamaged, `"type":"PUBACK"`, "cut.pcap: frame 13 at byte offset 1347: file ends inside the record"},
		{"not a capture", []string{"packets", notCap}, ExitUsage, "", "log.txt"},
		{"missing", []string{"packets", filepath.Join(dir, "nope.pcap")}, ExitUsage, "", "no such file"},
		{"bad version", []string{"packets", "--mqtt-version", "4.0", captures + "suri_mqtt-ping.pcap"}, ExitUsage, "", "--mqtt-version"},
		{"bad port", []string{"packets", "--port", "70000", captures + "suri_mqtt-ping.pcap"}, ExitUsage, "", "--port"},
		{"no file", []string{"packets"}, ExitUsage, "", "arg"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			code := Main(c.args, strings.NewReader(""), &out, &errw)
			if code != c.code || !strings.Contains(out.String(), c.stdout) || !strings.Contains(errw.String(), c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, c.code, out.String(), errw.String())
			}
		})
	}
}

// BenchmarkPacketsJSON runs `atmq packets --json` on $ATMQ_BENCH_PCAP (made
// by bench/gencap) with output discarded.
func BenchmarkPacketsJSON(b *testing.B) {
	path := os.Getenv("ATMQ_BENCH_PCAP")
	if path == "" {
		b.Skip("set ATMQ_BENCH_PCAP to a capture file")
	}
	for b.Loop() {
		if err := runPackets(packetsOptions{File: path, JSON: true}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRFC3339(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 5, 4, 3, 120000000, time.UTC), "2026-11-26T05:04:03.120000Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), "2026-01-02T03:04:05.123456789Z"},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), "1969-12-31T23:00:00.000000Z"},
	} {
		if got := rfc3339(c.in); got != c.want {
			t.Errorf("%v: %s, want %s", c.in, got, c.want)
		}
		if _, err := time.Parse(time.RFC3339Nano, rfc3339(c.in)); err != nil {
			t.Error(err)
		}
	}
}

func TestPacketsDNSAndRefusedEvents(t *testing.T) {
	var out, errw bytes.Buffer
	if err := runPackets(packetsOptions{File: captures + "crafted_dns_refused.pcap", JSON: true, Events: true}, &out, &errw); err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, out.String())
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%v:%v/%v", l["frame"], l["type"], l["by"]))
	}
	want := "1:DNS/client 2:DNS/server 3:TCP-SYN/client 4:TCP-RST/server 5:TCP-SYN/client 7:DNS/client 8:DNS/server 6:TCP-SYN-UNANSWERED/client"
	if strings.Join(got, " ") != want {
		t.Fatalf("events\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	answer := lines[1]["dns"].(map[string]any)
	if answer["name"] != "broker.example.com" || answer["rcode"].(float64) != 0 || answer["answers"].([]any)[0] != "192.0.2.10" {
		t.Errorf("answer %v", answer)
	}
	if nx := lines[6]["dns"].(map[string]any); nx["rcode"].(float64) != 3 || nx["answers"] != nil {
		t.Errorf("NXDOMAIN %v", nx)
	}
	if q := lines[0]["dns"].(map[string]any); q["response"] != false || q["rcode"] != nil || lines[0]["conn"] != nil {
		t.Errorf("query %v", lines[0])
	}
	if !strings.Contains(lines[3]["detail"].(string), "refused") || lines[3]["src"] != "192.0.2.10:1883" {
		t.Errorf("RST %v", lines[3])
	}
}
