package cli

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// tsharkFields runs tshark on file and returns one row of fields per
// packet: number, epoch time, protocol column, info column, comments.
func tsharkFields(t *testing.T, file string) [][]string {
	t.Helper()
	cmd := exec.Command("tshark", "-r", file, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|",
		"-e", "frame.number", "-e", "frame.time_epoch", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info", "-e", "frame.comment")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark -r %s: %v\n%s", file, err, errb.String())
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (apt-get install tshark): the export is checked by Wireshark's own reader")
	}
}

// tshark reads the exported file: the AT lines are `at` packets between
// the MQTT frames, in time order, with atmq's reading and the findings as
// comments, and the password is masked.
func TestExportPcapngTshark(t *testing.T) {
	needTshark(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "session.pcapng")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"export", "../../pcaps/ecmt-password-truncated", "--pcapng", out}, strings.NewReader(""), &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rows := tsharkFields(t, out)
	var order []string // the story, in file order
	prev := 0.0
	atPackets := 0
	for _, r := range rows {
		if len(r) < 5 {
			t.Fatalf("short tshark row %q", r)
		}
		ts, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatalf("time %q: %v", r[1], err)
		}
		if ts < prev {
			t.Errorf("packet %s at %.9f is before the one listed above it (%.9f)", r[0], ts, prev)
		}
		prev = ts
		proto, info, comment := r[2], r[3], r[4]
		if proto == "AT" {
			atPackets++
			if !strings.HasPrefix(comment, "atmq: T") && !strings.HasPrefix(comment, "atmq: E") {
				t.Errorf("AT packet %s has no reading: %q", r[0], comment)
			}
		}
		switch {
		case proto == "AT" && strings.Contains(info, "AT+ECMTCONN="):
			order = append(order, "AT+ECMTCONN")
			if !strings.Contains(comment, "atmq finding ERROR connack-refused") {
				t.Errorf("the connect line lacks its finding: %q", comment)
			}
		case proto == "MQTT" && strings.Contains(info, "Connect Command"):
			order = append(order, "CONNECT")
			if !strings.Contains(comment, "capture frame 4: CONNECT") {
				t.Errorf("CONNECT comment %q", comment)
			}
		case proto == "MQTT" && strings.Contains(info, "Connect Ack"):
			order = append(order, "CONNACK")
			if !strings.Contains(comment, "atmq finding ERROR connack-refused") {
				t.Errorf("the CONNACK lacks its finding: %q", comment)
			}
		case proto == "AT" && strings.Contains(info, "+ECMTCONN: 0,0,5"):
			order = append(order, "+ECMTCONN: 0,0,5")
		}
	}
	if got := strings.Join(order, " → "); got != "AT+ECMTCONN → CONNECT → CONNACK → +ECMTCONN: 0,0,5" {
		t.Errorf("order in the file: %s", got)
	}
	if atPackets != 6 {
		t.Errorf("%d AT packets, want the log's 6 lines", atPackets)
	}
	raw, _ := os.ReadFile(out)
	if bytes.Contains(raw, []byte("k9Vq2-long-device-secret")) {
		t.Error("the password is in the exported file")
	}

	// The golden listing, as `tshark -r` prints it (the Info column
	// depends on the tshark release: compared only with the one that made
	// it).
	listing, err := exec.Command("tshark", "-r", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	version, _ := exec.Command("tshark", "--version").Output()
	first := strings.SplitN(string(version), "\n", 2)[0]
	var fields bytes.Buffer
	for _, r := range rows {
		fields.WriteString(strings.Join(append([]string{r[0], r[2], r[3]}, r[4]), "\t") + "\n")
	}
	got := "# " + first + "\n" + string(listing) + "# frame, protocol, info, comments\n" + fields.String()
	golden := filepath.Join("testdata", "export", "ecmt-password-truncated.tshark.txt")
	if *updateGolden {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run ExportPcapngTshark -update writes it)", err)
	}
	if !strings.HasPrefix(string(want), "# "+first+"\n") {
		t.Logf("golden made by another tshark (%q); not compared", strings.SplitN(string(want), "\n", 2)[0])
		return
	}
	if string(want) != got {
		t.Errorf("tshark output differs from %s (-update rewrites it):\n%s", golden, got)
	}
}

// --no-redact keeps the password; every bundled session exports to a
// file tshark reads without complaint.
func TestExportEverySample(t *testing.T) {
	needTshark(t)
	dir := t.TempDir()
	sessions, _ := filepath.Glob("../../pcaps/*")
	for _, s := range sessions {
		if fi, err := os.Stat(s); err != nil || !fi.IsDir() {
			continue
		}
		out := filepath.Join(dir, filepath.Base(s)+".pcapng")
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"export", s, "--pcapng", out, "--no-redact"}, strings.NewReader(""), &stdout, &stderr); code != ExitOK {
			t.Errorf("%s: exit %d: %s", s, code, stderr.String())
			continue
		}
		cmd := exec.Command("tshark", "-r", out)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		o, err := cmd.Output()
		if err != nil || strings.Contains(errb.String(), "appears to be damaged") || !bytes.Contains(o, []byte(" AT ")) {
			t.Errorf("%s: tshark: %v %s\n%s", s, err, errb.String(), o)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "ecmt-password-truncated.pcapng"))
	if err != nil || !bytes.Contains(raw, []byte("k9Vq2-long-device-secret")) {
		t.Errorf("--no-redact lost the password (%v)", err)
	}
}

func TestExportUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"export", "../../pcaps/ecmt-password-truncated"}, strings.NewReader(""), &stdout, &stderr); code != ExitUsage || !strings.Contains(stderr.String(), "--pcapng") {
		t.Errorf("no --pcapng: exit %d %s", code, stderr.String())
	}
	stderr.Reset()
	if code := Main([]string{"export", "--pcapng", filepath.Join(t.TempDir(), "x.pcapng")}, strings.NewReader(""), &stdout, &stderr); code != ExitUsage {
		t.Errorf("no input: exit %d %s", code, stderr.String())
	}
}

// readNg returns the link type and time of every packet of a pcapng.
func readNg(t *testing.T, file string) (links []int, times []time.Time) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return links, times
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		lt := -1
		if len(ci.AncillaryData) > 0 {
			if l, ok := ci.AncillaryData[0].(layers.LinkType); ok {
				lt = int(l)
			}
		}
		links, times = append(links, lt), append(times, ci.Timestamp)
	}
}

// A serial log alone keeps its own clock; a capture cut mid-record is
// exported up to the cut, with exit status 3.
func TestExportSerialOnlyAndDamaged(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "serial.pcapng")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"export", "--serial", "../../pcaps/ecmt-no-credentials/serial.atmq", "--pcapng", out}, strings.NewReader(""), &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	links, times := readNg(t, out)
	if len(links) != 6 {
		t.Errorf("%d packets, want the log's 6 lines", len(links))
	}
	for i := range links {
		if links[i] != linkTypeUpperPDU || times[i].Year() != 2026 {
			t.Errorf("packet %d: link type %d at %v", i+1, links[i], times[i])
		}
	}

	whole, err := os.ReadFile("../../pcaps/ecmt-no-credentials/capture.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcapng")
	os.WriteFile(cut, whole[:900], 0o644)
	out = filepath.Join(dir, "damaged.pcapng")
	stderr.Reset()
	code := Main([]string{"export", "--serial", "../../pcaps/ecmt-no-credentials/serial.atmq", "--pcap", cut, "--pcapng", out}, strings.NewReader(""), &stdout, &stderr)
	if code != ExitDamaged || !strings.Contains(stderr.String(), "cut.pcapng: frame 8") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	links, times = readNg(t, out)
	frames, lines := 0, 0
	for i, lt := range links {
		if lt == linkTypeUpperPDU {
			lines++
		} else {
			frames++
		}
		if i > 0 && times[i].Before(times[i-1]) {
			t.Errorf("packet %d out of time order", i+1)
		}
	}
	if frames != 7 || lines != 6 {
		t.Errorf("%d frames and %d lines, want the 7 frames before the cut and 6 lines", frames, lines)
	}
}
