package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/bench/fleetgen"
)

var cliPopulation = fleetgen.Population{
	Healthy: 12, NoUsername: 5, UnknownUser: 2, TakeoverLoops: 2, Keepalive60: 3, Storms: 1, Unanswered: 2,
}

// writeRing writes the population as files ring.pcap0… in a new folder.
func writeRing(t *testing.T, p fleetgen.Population, n int) (dir string, paths []string) {
	t.Helper()
	dir = t.TempDir()
	var ws []io.Writer
	var fs []*os.File
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("ring.pcap%d", i))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
		ws = append(ws, f)
		fs = append(fs, f)
	}
	if err := fleetgen.WriteRing(ws, p); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir, paths
}

type fleetDoc struct {
	Summary struct {
		Files       []string `json:"files"`
		Frames      int      `json:"frames"`
		Connections int      `json:"connections"`
		Connects    int      `json:"connects"`
		ClientIDs   int      `json:"client_ids"`
		Accepted    int      `json:"accepted"`
		Refused     int      `json:"refused"`
	} `json:"summary"`
	Clients []struct {
		ClientID string `json:"client_id"`
	} `json:"clients"`
	Findings []struct {
		Code        string `json:"code"`
		Clients     int    `json:"clients"`
		Connections int    `json:"connections"`
	} `json:"findings"`
	Selection *analyzeDoc `json:"selection"`
}

func fleetJSON(t *testing.T, args ...string) (int, fleetDoc, string) {
	t.Helper()
	code, stdout, stderr := runAnalyzeMain(append([]string{"analyze", "--json"}, args...)...)
	var doc fleetDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v: %v\n%s\n%s", args, err, stdout, stderr)
	}
	return code, doc, stderr
}

// A ring read as a directory, a glob, repeated --pcap or one file gives
// the same report as the capture written whole.
func TestAnalyzeFleetRing(t *testing.T) {
	_, whole := writeRing(t, cliPopulation, 1)
	dir, ring := writeRing(t, cliPopulation, 4)
	code, want, stderr := fleetJSON(t, "--pcap", whole[0])
	if code != ExitFindings || stderr != "" {
		t.Fatalf("exit %d (want 1 for the refusals), stderr %q", code, stderr)
	}
	if want.Summary.ClientIDs != cliPopulation.Clients() || want.Summary.Refused != 7 || len(want.Clients) != 13 {
		t.Errorf("summary %+v, %d client rows", want.Summary, len(want.Clients))
	}
	for _, args := range [][]string{
		{dir},
		{"--pcap", dir},
		{"--pcap", filepath.Join(dir, "ring.pcap*")},
		{"--pcap", ring[3], "--pcap", ring[1], "--pcap", ring[0], "--pcap", ring[2]},
	} {
		code, got, _ := fleetJSON(t, args...)
		if code != ExitFindings || len(got.Summary.Files) != 4 {
			t.Errorf("%v: exit %d, files %v", args, code, got.Summary.Files)
		}
		got.Summary.Files = want.Summary.Files
		if fmt.Sprint(got.Summary) != fmt.Sprint(want.Summary) || len(got.Findings) != len(want.Findings) {
			t.Errorf("%v: summary %+v, want %+v", args, got.Summary, want.Summary)
		}
		for i := range got.Findings {
			if i < len(want.Findings) && got.Findings[i] != want.Findings[i] {
				t.Errorf("%v: finding %+v, want %+v", args, got.Findings[i], want.Findings[i])
			}
		}
	}
}

// --client-id adds that client's timeline (table) or analysis (JSON).
func TestAnalyzeFleetSelection(t *testing.T) {
	_, whole := writeRing(t, cliPopulation, 1)
	code, stdout, _ := runAnalyzeMain("analyze", "--pcap", whole[0], "--client-id", "twin-0001")
	if code != ExitFindings {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"Clients with problems: 13 of 25", "Timeline of client id \"twin-0001\"", "client-id-takeover", "CONNECT id=\"twin-0001\""} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "sensor-00003") {
		t.Error("a healthy client's packets are in the timeline or the table")
	}
	_, doc, _ := fleetJSON(t, "--pcap", whole[0], "--client-id", "twin-0001")
	if doc.Selection == nil || len(doc.Selection.Device.Connections) != 6 {
		t.Fatalf("selection: %+v", doc.Selection)
	}
	takeover := false
	for _, f := range doc.Selection.Findings {
		takeover = takeover || f.Code == "client-id-takeover"
	}
	if !takeover {
		t.Errorf("selection findings: %+v", doc.Selection.Findings)
	}
	// fleetgen gives the first client 10.1.0.2: sensor-00000.
	_, stdout, _ = runAnalyzeMain("analyze", "--pcap", whole[0], "--device", "10.1.0.2")
	if !strings.Contains(stdout, "Timeline of device 10.1.0.2") || !strings.Contains(stdout, `CONNECT id="sensor-00000"`) || strings.Contains(stdout, `CONNECT id="sensor-00001"`) {
		t.Errorf("--device timeline:\n%s", stdout)
	}
	if code, stdout, _ := runAnalyzeMain("analyze", "--pcap", whole[0], "--client-id", "twin-0001", "--format", "mermaid"); code != ExitFindings || !strings.HasPrefix(stdout, "sequenceDiagram") {
		t.Errorf("mermaid of the selection: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := runAnalyzeMain("analyze", "--pcap", whole[0], "--format", "mermaid"); code != ExitUsage || !strings.Contains(stderr, "--client-id") {
		t.Errorf("mermaid without a selection: exit %d, %s", code, stderr)
	}
}

func TestAnalyzeFleetHealthyAndAll(t *testing.T) {
	_, whole := writeRing(t, fleetgen.Population{Healthy: 4}, 1)
	code, doc, _ := fleetJSON(t, "--pcap", whole[0])
	if code != ExitOK || len(doc.Findings) != 0 || len(doc.Clients) != 0 {
		t.Errorf("healthy: exit %d, %+v", code, doc)
	}
	_, doc, _ = fleetJSON(t, "--pcap", whole[0], "--all")
	if len(doc.Clients) != 4 {
		t.Errorf("--all: %d clients", len(doc.Clients))
	}
	if code, _, _ := runAnalyzeMain("analyze", "--pcap", filepath.Join(t.TempDir(), "none*.pcap")); code != ExitUsage {
		t.Errorf("a glob matching nothing: exit %d", code)
	}
}

// With a serial log, several captures are read as one stream too: the
// sample's broker capture plus another node's traffic.
func TestAnalyzeSerialWithSeveralCaptures(t *testing.T) {
	sample := filepath.Join("..", "..", "pcaps", "ecmt-no-credentials")
	_, other := writeRing(t, fleetgen.Population{Healthy: 3}, 2)
	code, stdout, stderr := runAnalyzeMain("analyze", "--json", "--serial", filepath.Join(sample, "serial.atmq"),
		"--pcap", filepath.Join(sample, "capture.pcapng"), "--pcap", filepath.Join(filepath.Dir(other[0]), "ring.pcap*"))
	var doc analyzeDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout, stderr)
	}
	codes := map[string]bool{}
	for _, f := range doc.Findings {
		codes[f.Code] = true
	}
	if code != ExitFindings || !codes["connack-refused"] || !codes["no-credentials"] || len(doc.Device.Connections) != 1 {
		t.Errorf("exit %d, findings %v, device %+v", code, codes, doc.Device)
	}
}
