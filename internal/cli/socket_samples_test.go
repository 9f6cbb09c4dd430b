package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/internal/scenario"
)

// The socket-style samples (the MQTT client on the MCU, the module a TCP
// socket) are diagnosed from the serial log alone: analyze --serial must
// give their expected findings without the capture.
func TestSocketSamplesSerialOnly(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "pcaps", "*-socket-*"))
	if len(dirs) < 4 {
		t.Fatalf("%d socket samples in pcaps/, want at least 4", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want scenario.Expected
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runAnalyzeMain("analyze", "--serial", filepath.Join(dir, "serial.atmq"), "--json")
			var doc analyzeDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("exit %d, not JSON: %v\n%s", code, err, stderr)
			}
			got := map[string]bool{}
			errs := 0
			for _, f := range doc.Findings {
				got[f.Code] = true
				if f.Severity == "error" {
					errs++
				}
			}
			for _, c := range want.Findings {
				if !got[c] {
					t.Errorf("finding %s missing from the log alone; got %+v", c, doc.Findings)
				}
			}
			if want.NoErrors && (errs > 0 || len(doc.Findings) > 0) {
				t.Errorf("healthy session has findings: %+v", doc.Findings)
			}
			if wantCode := map[bool]int{true: ExitFindings, false: ExitOK}[errs > 0]; code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
		})
	}
}

// atmq at shows the MQTT packets the socket commands carried, fields
// decoded, byte for byte as the host wrote them.
func TestAtShowsSocketPackets(t *testing.T) {
	code, out, stderr := runMain("at", filepath.Join("..", "..", "pcaps", "sim800-socket-healthy", "serial.atmq"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Sockets []struct {
			Conn    string `json:"conn"`
			Packets []struct {
				FromHost bool `json:"from_host"`
				Packet   *struct {
					Type       string  `json:"type"`
					ClientID   *string `json:"client_id"`
					ReturnCode *byte   `json:"return_code"`
					Payload    *string `json:"payload"`
				} `json:"packet"`
			} `json:"packets"`
		} `json:"sockets"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Sockets) != 1 {
		t.Fatalf("sockets %+v", doc.Sockets)
	}
	var seq []string
	for _, p := range doc.Sockets[0].Packets {
		if p.Packet == nil {
			t.Fatalf("undecoded packet in %s", out)
		}
		seq = append(seq, p.Packet.Type)
		switch {
		case p.Packet.Type == "CONNECT" && (p.Packet.ClientID == nil || *p.Packet.ClientID != "tgsm-0001"):
			t.Errorf("CONNECT client id %v", p.Packet.ClientID)
		case p.Packet.Type == "CONNACK" && (p.Packet.ReturnCode == nil || *p.Packet.ReturnCode != 0):
			t.Errorf("CONNACK %v", p.Packet.ReturnCode)
		case p.Packet.Type == "PUBLISH" && (p.Packet.Payload == nil || *p.Packet.Payload != "led=on\r\n\x00"):
			t.Errorf("PUBLISH payload %v", p.Packet.Payload)
		}
	}
	if s := strings.Join(seq, " "); s != "CONNECT CONNACK SUBSCRIBE SUBACK PUBLISH PUBLISH PINGREQ PINGRESP DISCONNECT" {
		t.Errorf("packets %s", s)
	}
}
