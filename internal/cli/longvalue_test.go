package cli

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/internal/term"
)

// hugeWord is one 100,000-character word: a base64 image or a hex dump
// with no space to wrap at.
var hugeWord = strings.Repeat("A", 100000)

// writeHugePublishCapture writes a capture of an ECMT device's session
// whose PUBLISH carries hugeWord, split over TCP segments as a real
// stack would send it.
func writeHugePublishCapture(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(262144, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	cli, srv := net.IPv4(10, 0, 0, 5), net.IPv4(10, 0, 0, 1)
	seq := map[bool]uint32{true: 1000, false: 5000}
	when := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	send := func(fromClient bool, syn, ack bool, payload []byte) {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli, DstIP: srv}
		tcp := &layers.TCP{SrcPort: 40001, DstPort: 1883, Seq: seq[fromClient], Ack: seq[!fromClient], SYN: syn, ACK: ack, PSH: len(payload) > 0, Window: 65535}
		if !fromClient {
			ip.SrcIP, ip.DstIP = srv, cli
			tcp.SrcPort, tcp.DstPort = 1883, 40001
		}
		tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		when = when.Add(time.Millisecond)
		data := buf.Bytes()
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: when, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			t.Fatal(err)
		}
		seq[fromClient] += uint32(len(payload))
		if syn {
			seq[fromClient]++
		}
	}
	send(true, true, false, nil)
	send(false, true, true, nil)
	send(true, false, true, nil)
	connect := []byte{0x10, 0, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 120, 0, 4, 'd', 'e', 'v', '1'}
	connect[1] = byte(len(connect) - 2)
	send(true, false, true, connect)
	send(false, false, true, []byte{0x20, 2, 0, 0})
	// PUBLISH QoS 0, topic "t", payload hugeWord.
	body := append([]byte{0, 1, 't'}, hugeWord...)
	pub := []byte{0x30}
	for n := len(body); ; {
		b := byte(n % 128)
		n /= 128
		if n > 0 {
			pub = append(pub, b|0x80)
			continue
		}
		pub = append(pub, b)
		break
	}
	pub = append(pub, body...)
	for len(pub) > 0 {
		n := min(len(pub), 1400)
		send(true, false, true, pub[:n])
		pub = pub[n:]
	}
}

// Every view cuts a 100,000-character word before layout: the output
// stays small, says how long the value was, and no line exceeds the
// terminal. (The table writer used to loop growing by 1 GB/s on this.)
func TestHugeWordEveryView(t *testing.T) {
	dir := t.TempDir()
	hostSide := filepath.Join(dir, "pub.txt")
	os.WriteFile(hostSide, []byte("AT+ECMTOPEN=0,\"10.0.0.1\",1883\r\nOK\r\n+ECMTOPEN: 0,0\r\nAT+ECMTCONN=0,\"dev1\"\r\nOK\r\n+ECMTCONN: 0,0,0\r\n"+
		"AT+ECMTPUB=0,0,0,0,\"t\",\""+hugeWord+"\"\r\nOK\r\n"), 0o644)
	moduleSide := filepath.Join(dir, "recv.txt")
	os.WriteFile(moduleSide, []byte("+ECMTRECV: 0,0,\"t\",\""+hugeWord+"\"\r\n"), 0o644)
	unquoted := filepath.Join(dir, "issue.txt")
	os.WriteFile(unquoted, []byte("AT+ECMTPUB=0,1,1,0,\"t\", "+hugeWord+"\r\nOK\r\n"), 0o644)
	capture := filepath.Join(dir, "pub.pcap")
	writeHugePublishCapture(t, capture)

	type view struct {
		name  string
		args  []string
		table bool // a view for people: cut, and fitted to the width
		quiet bool // the view shows no value (packets: a PUBLISH's length only)
	}
	var views []view
	for _, in := range []struct{ name, serial string }{{"host-side", hostSide}, {"module-side", moduleSide}, {"unquoted", unquoted}} {
		views = append(views,
			view{name: in.name + " analyze table", args: []string{"analyze", "--serial", in.serial}, table: true},
			view{name: in.name + " analyze mermaid", args: []string{"analyze", "--serial", in.serial, "--format", "mermaid"}, table: true},
			view{name: in.name + " analyze json", args: []string{"analyze", "--serial", in.serial, "--json"}},
			view{name: in.name + " at", args: []string{"at", in.serial}, table: true},
			view{name: in.name + " at json", args: []string{"at", "--json", in.serial}},
		)
	}
	views = append(views,
		view{name: "serial+capture analyze table", args: []string{"analyze", "--serial", hostSide, "--pcap", capture}, table: true},
		view{name: "serial+capture analyze mermaid", args: []string{"analyze", "--serial", hostSide, "--pcap", capture, "--format", "mermaid"}, table: true},
		view{name: "serial+capture analyze json", args: []string{"analyze", "--serial", hostSide, "--pcap", capture, "--json"}},
		view{name: "capture-only analyze table", args: []string{"analyze", "--pcap", capture}, table: true, quiet: true},
		view{name: "packets table", args: []string{"packets", "--events", capture}, table: true, quiet: true},
		view{name: "packets json", args: []string{"packets", "--json", capture}},
	)
	for _, v := range views {
		for _, width := range []int{0, 80} {
			if !v.table && width > 0 {
				continue
			}
			var out, errw bytes.Buffer
			code := Run(v.args, Streams{In: strings.NewReader(""), Out: &out, Err: &errw, Term: term.Output{Width: width}})
			if code == ExitUsage {
				t.Errorf("%s: exit %d: %s", v.name, code, errw.String())
				continue
			}
			if !v.table {
				if !json.Valid(out.Bytes()) && !validJSONLines(out.Bytes()) {
					t.Errorf("%s: not JSON", v.name)
				}
				continue
			}
			if out.Len() > 64<<10 {
				t.Errorf("%s at width %d: %d bytes of output for one long value", v.name, width, out.Len())
			}
			if !v.quiet && !strings.Contains(out.String(), " chars)") {
				t.Errorf("%s at width %d: the cut value does not say its length:\n%.2000s", v.name, width, out.String())
			}
			// A Mermaid diagram is source text, one message a line: cut,
			// never wrapped.
			if width > 0 && !strings.Contains(v.name, "mermaid") {
				checkWidth(t, v.name, out.String(), width)
			}
		}
	}
}

func validJSONLines(b []byte) bool {
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if !json.Valid(l) {
			return false
		}
	}
	return true
}

// checkWidth fails for every line of out wider than width columns.
func checkWidth(t *testing.T, name, out string, width int) {
	t.Helper()
	bad := 0
	for i, l := range strings.Split(out, "\n") {
		if w := term.Width(l); w > width {
			if bad < 3 {
				t.Errorf("%s: line %d is %d columns wide (terminal %d): %q", name, i+1, w, width, l)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d more lines too wide", name, bad-3)
	}
}
