package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// TestLiveWidensCaptureToTheOpenedPort runs a script session on lo with
// no --port, so the capture starts on the default ports only, against a
// broker on another (random) port: the script's open command names that
// port, the capture's filter and the decoder take it in, and the live
// view and the recorded folder both show the CONNECT, the CONNACK 5 and
// its explanation, all from packets on that port.
func TestLiveWidensCaptureToTheOpenedPort(t *testing.T) {
	needCapture(t)
	broker := mosquittotest.Start(t, mosquittotest.Config{Users: map[string]string{"dev": "secret"}})
	modem := startModem(t, modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, LocalAddr: "127.0.0.5"})

	dir := filepath.Join(t.TempDir(), "session")
	script := filepath.Join(t.TempDir(), "connect.at")
	os.WriteFile(script, []byte(fmt.Sprintf("AT+ECMTOPEN=0,\"%s\",%d\nAT+ECMTCONN=0,\"widen-dev\"\n", broker.Host, broker.Port)), 0o644)

	var out, errb syncBuffer
	o := &liveOptions{Serial: modem.Path, Script: script, Iface: "lo",
		Out: dir, Settle: time.Second, Tick: 100 * time.Millisecond, Line: capture.SerialConfig{Baud: 115200}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := runLive(ctx, o, &out, &errb)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != ExitFindings {
		t.Fatalf("live: want exit %d (error finding), got %v\nstdout:\n%s\nstderr:\n%s", ExitFindings, err, out.String(), errb.String())
	}
	if want := fmt.Sprintf("capturing port %d too", broker.Port); !strings.Contains(errb.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errb.String())
	}
	view := out.String()
	for _, want := range []string{"AT+ECMTCONN=0,\"widen-dev\"", "CONNECT", "CONNACK", "connack-refused", "no-credentials"} {
		if !strings.Contains(view, want) {
			t.Errorf("live view lacks %q:\n%s", want, view)
		}
	}
	if n := countFrames(t, filepath.Join(dir, capture.CaptureFileName)); n == 0 {
		t.Errorf("no frame of port %d was recorded", broker.Port)
	}
	codes, exit := analyzeCodes(t, dir, "--port", strconv.Itoa(broker.Port))
	if exit != ExitFindings || !has(codes, "connack-refused") || !has(codes, "no-credentials") {
		t.Errorf("analyze of the recorded folder: exit %d, findings %v; want connack-refused and no-credentials", exit, codes)
	}
}

// TestLiveStateWidensOnOpenCommand feeds the live state a serial chunk
// whose open command names broker port 18883, then real TCP frames of
// that port's connection, joined after its handshake and starting with
// a packet from the broker: the capture is asked once to keep the port
// (the filter setter stands in for the kernel's BPF install), and the
// frames are decoded as MQTT into the session.
func TestLiveStateWidensOnOpenCommand(t *testing.T) {
	var out syncBuffer
	o := &liveOptions{Ports: []uint16{1883}}
	st, err := newLiveState(o, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	var widened []uint16
	st.widen = func(p uint16) { widened = append(widened, p) }

	t0 := time.Now()
	open := "AT+QMTOPEN=0,\"127.0.0.1\",18883\r"
	st.addChunk(record.SerialChunk{Time: t0, Dir: record.DirHostToModule, Data: []byte(open)}, recordNothing)
	st.addChunk(record.SerialChunk{Time: t0.Add(time.Millisecond), Dir: record.DirModuleToHost, Data: []byte("\r\nOK\r\n\r\n+QMTOPEN: 0,0\r\n")}, recordNothing)
	// The same port again is no news.
	st.addChunk(record.SerialChunk{Time: t0.Add(2 * time.Millisecond), Dir: record.DirHostToModule, Data: []byte(open)}, recordNothing)
	if len(widened) != 1 || widened[0] != 18883 {
		t.Fatalf("capture widened to %v, want [18883] once", widened)
	}

	dev, broker := net.IPv4(127, 0, 0, 5), net.IPv4(127, 0, 0, 1)
	seq := map[bool]uint32{true: 1001, false: 5001} // after the handshake
	frame := 0
	send := func(fromDevice bool, payload []byte) {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: dev, DstIP: broker}
		tcp := &layers.TCP{SrcPort: 50341, DstPort: 18883, Seq: seq[fromDevice], Ack: seq[!fromDevice], ACK: true, PSH: true, Window: 65535}
		if !fromDevice {
			ip.SrcIP, ip.DstIP = broker, dev
			tcp.SrcPort, tcp.DstPort = 18883, 50341
		}
		tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		seq[fromDevice] += uint32(len(payload))
		frame++
		data := buf.Bytes()
		st.addFrame(record.Frame{Number: frame, Time: t0.Add(time.Duration(10+frame) * time.Millisecond),
			LinkType: int(layers.LinkTypeRaw), Data: data, OrigLen: len(data)})
	}
	send(false, []byte{0x30, 8, 0, 3, 'c', '/', 'd', 'd', 'o', 'w'}) // PUBLISH c/d from the broker
	send(true, []byte{0xc0, 0})                                      // PINGREQ
	send(false, []byte{0xd0, 0})                                     // PINGRESP
	if len(st.netErr) != 0 {
		t.Fatalf("frame errors: %v", st.netErr)
	}
	if st.records < 3 {
		t.Errorf("%d records decoded from port 18883's frames, want the 3 packets", st.records)
	}
}
