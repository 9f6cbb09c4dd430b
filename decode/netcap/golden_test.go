package netcap

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/mqtt"
)

// The *.tshark.tsv files were made by testdata/make_golden.py with tshark
// 4.0.17: one row per MQTT PDU. The test decodes each capture and compares
// the packets one by one. Every difference must be listed in goldenDiffs
// with the reason atmq is right (or why the tools legitimately disagree).

// goldenPorts are the non-standard MQTT ports the golden files were made
// with (tshark -d tcp.port==N,mqtt).
var goldenPorts = map[string][]uint16{
	"ndpi_coap_mqtt.pcap":              {17501},
	"local_v5_features_port18830.pcap": {18830},
}

// goldenRow is the part of a packet both tools report.
type goldenRow struct {
	frame                           int
	stream                          int // tshark tcp.stream (0-based)
	msgtype                         int
	ver                             string // CONNECT protocol level
	code                            string // CONNACK return/reason code
	clientID, topic, qos, msgid     string
	remaining                       string
	unknownVersion, tsharkMalformed bool
}

func (r goldenRow) key() string {
	return fmt.Sprintf("type=%d ver=%s code=%s client=%q topic=%q qos=%s id=%s len=%s",
		r.msgtype, r.ver, r.code, r.clientID, r.topic, r.qos, r.msgid, r.remaining)
}

func readGolden(t *testing.T, path string) []goldenRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []goldenRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "frame\t") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 14 {
			t.Fatalf("%s: bad row %q", path, line)
		}
		n, _ := strconv.Atoi(c[0])
		st, _ := strconv.Atoi(c[1])
		typ, _ := strconv.Atoi(c[4])
		r := goldenRow{frame: n, stream: st, msgtype: typ, ver: c[5], clientID: c[8], topic: c[9],
			qos: c[10], msgid: c[11], remaining: c[12],
			unknownVersion:  strings.Contains(c[13], "unknown_version"),
			tsharkMalformed: strings.Contains(c[13], "malformed")}
		r.code = c[6]
		if r.code == "" {
			r.code = c[7]
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// atmqRow projects a decoded record onto the golden columns.
func atmqRow(r Record) goldenRow {
	p := r.Packet
	g := goldenRow{frame: r.Frame, stream: r.Conn - 1, msgtype: int(p.Type), remaining: strconv.Itoa(p.RemainingLength)}
	switch p.Type {
	case mqtt.CONNECT:
		g.ver = strconv.Itoa(int(p.ProtocolLevel))
		g.clientID = p.ClientID
	case mqtt.CONNACK:
		if p.Version == mqtt.Version5 {
			g.code = strconv.Itoa(int(p.ReasonCode))
		} else {
			g.code = strconv.Itoa(int(p.ReturnCode))
		}
	case mqtt.PUBLISH:
		g.topic = p.Topic
		g.qos = strconv.Itoa(int(p.QoS))
	case mqtt.SUBSCRIBE, mqtt.UNSUBSCRIBE:
		var fs []string
		for _, s := range p.Subscriptions {
			fs = append(fs, s.Filter)
		}
		g.topic = strings.Join(fs, "|")
	}
	if hasPacketID(p) {
		g.msgid = strconv.Itoa(int(p.PacketID))
	}
	return g
}

// hasPacketID says whether the packet carries a Packet Identifier field.
func hasPacketID(p *mqtt.Packet) bool {
	switch p.Type {
	case mqtt.PUBLISH:
		return p.QoS > 0
	case mqtt.PUBACK, mqtt.PUBREC, mqtt.PUBREL, mqtt.PUBCOMP, mqtt.SUBSCRIBE, mqtt.SUBACK,
		mqtt.UNSUBSCRIBE, mqtt.UNSUBACK:
		return true
	}
	return false
}

// goldenDiff is one expected disagreement with tshark at a frame.
type goldenDiff struct {
	frame int
	// tshark and atmq are the two rows' key() strings ("" = no such row).
	tshark, atmq string
	why          string
}

func TestGoldenAgainstTshark(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.tshark.tsv")
	if len(files) < 30 {
		t.Fatalf("only %d golden files", len(files))
	}
	for _, gf := range files {
		name := strings.TrimSuffix(filepath.Base(gf), ".tshark.tsv")
		capture := "testdata/" + name + ".pcap"
		if _, err := os.Stat(capture); err != nil {
			capture += "ng"
		}
		t.Run(name, func(t *testing.T) {
			want := readGolden(t, gf)
			var got []goldenRow
			_, err := ReadFile(capture, Options{Ports: goldenPorts[filepath.Base(capture)]}, func(r Record) {
				if r.Kind == KindPacket {
					got = append(got, atmqRow(r))
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, name, want, got)
		})
	}
}

// compareGolden walks both lists in frame order and checks that every
// mismatch is an expected one.
func compareGolden(t *testing.T, name string, want, got []goldenRow) {
	expected := goldenDiffs[name]
	used := make([]bool, len(expected))
	explain := func(frame int, ts, at string) {
		for i, d := range expected {
			if d.frame == frame && d.tshark == ts && d.atmq == at && !used[i] {
				used[i] = true
				return
			}
		}
		t.Errorf("frame %d: unexplained difference\n  tshark: %s\n  atmq:   %s", frame, ts, at)
	}
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || i < len(want) && want[i].frame < got[j].frame:
			explain(want[i].frame, want[i].key(), "")
			i++
		case i == len(want) || got[j].frame < want[i].frame:
			explain(got[j].frame, "", got[j].key())
			j++
		default:
			w, g := want[i], got[j]
			if w.key() != g.key() {
				explain(w.frame, w.key(), g.key())
			}
			if w.stream != g.stream {
				t.Errorf("frame %d: connection %d, tshark tcp.stream %d (want conn = stream+1)", w.frame, g.stream+1, w.stream)
			}
			i++
			j++
		}
	}
	for k, d := range expected {
		if !used[k] {
			t.Errorf("expected difference at frame %d did not occur (%s)", d.frame, d.why)
		}
	}
}

// goldenDiffs lists, per capture, where atmq and tshark 4.0.17 disagree.
var goldenDiffs = map[string][]goldenDiff{}
