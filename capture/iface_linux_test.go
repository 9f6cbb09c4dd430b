//go:build linux

package capture

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/atmq/atmq/decode/record"
)

// skipWithoutCapture skips where this process may not open AF_PACKET
// sockets (CI runs as root, so there it runs).
func skipWithoutCapture(t *testing.T) {
	t.Helper()
	if err := probePacketSocket(); err != nil {
		if errors.Is(err, ErrCapturePermission) {
			t.Skip("skipping live capture test: no CAP_NET_RAW (run as root to include it)")
		}
		t.Fatal(err)
	}
}

func listenTCP(t *testing.T) (net.Listener, uint16) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	return ln, uint16(ln.Addr().(*net.TCPAddr).Port)
}

func TestCaptureLoopbackKeepsOnlyFilteredPorts(t *testing.T) {
	skipWithoutCapture(t)
	_, mqttPort := listenTCP(t)
	_, otherPort := listenTCP(t)

	c, err := OpenInterface("lo", CaptureOptions{Filter: Filter{TCPPorts: []uint16{mqttPort}, DNS: true}})
	if err != nil {
		t.Fatal(err)
	}
	if c.LinkType() != int(layers.LinkTypeEthernet) {
		t.Errorf("lo link type %d, want Ethernet", c.LinkType())
	}
	var mu sync.Mutex
	var frames []record.Frame
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(f record.Frame) { mu.Lock(); frames = append(frames, f); mu.Unlock() })
	}()

	send := func(port uint16, msg string) {
		conn, err := net.Dial("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(msg))
		conn.Close()
	}
	snapshot := func() []record.Frame {
		mu.Lock()
		defer mu.Unlock()
		return append([]record.Frame(nil), frames...)
	}
	// The socket may start capturing a moment after Run begins: warm it
	// up with a marker query (not counted below) until it is seen.
	warm := time.Now().Add(10 * time.Second)
	for !capturedDNS(snapshot(), 0x34) {
		if time.Now().After(warm) {
			t.Fatal("the capture saw nothing on lo after 10 s")
		}
		sendDNS(t, 0x34)
		time.Sleep(50 * time.Millisecond)
	}
	send(otherPort, "not me")
	send(mqttPort, "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00") // a CONNECT
	// A DNS query to 127.0.0.1:53: no server needed, the datagram still crosses lo.
	sendDNS(t, 0x12)

	var syns, connects, dns, others int
	count := func(f record.Frame) {
		p := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			switch {
			case uint16(tcp.DstPort) == otherPort || uint16(tcp.SrcPort) == otherPort:
				others++
			case tcp.SYN && !tcp.ACK && uint16(tcp.DstPort) == mqttPort:
				syns++
			case len(tcp.Payload) > 0 && tcp.Payload[0] == 0x10 && uint16(tcp.DstPort) == mqttPort:
				connects++
			}
		}
		if udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && udp.DstPort == 53 && len(udp.Payload) > 0 && udp.Payload[0] == 0x12 {
			dns++
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := snapshot()
		syns, connects, dns, others = 0, 0, 0, 0
		for i, f := range got {
			if f.Number != i+1 || f.LinkType != int(layers.LinkTypeEthernet) || f.Time.IsZero() || f.OrigLen < len(f.Data) {
				t.Fatalf("frame %d: bad record %+v", i, f)
			}
			count(f)
		}
		if syns >= 1 && connects >= 1 && dns >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %d SYNs, %d CONNECTs, %d DNS queries captured on lo (want 1 each)", syns, connects, dns)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A duplicate (lo's second copy of a packet) arrives before a packet
	// sent later: send a marker query and count once it is captured.
	sendDNS(t, 0x56)
	for !capturedDNS(snapshot(), 0x56) {
		if time.Now().After(deadline) {
			t.Fatal("after 5 s the marker DNS query was not captured on lo")
		}
		time.Sleep(20 * time.Millisecond)
	}
	syns, connects, dns, others = 0, 0, 0, 0
	for _, f := range snapshot() {
		count(f)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if others != 0 {
		t.Errorf("%d frames of the unfiltered port %d were captured", others, otherPort)
	}
	// Loopback shows each packet leaving and arriving; only one copy must be kept.
	if syns != 1 || connects != 1 || dns != 1 {
		t.Errorf("%d SYNs, %d CONNECTs, %d DNS queries: want exactly one of each", syns, connects, dns)
	}
}

func TestOpenInterfaceErrors(t *testing.T) {
	if _, err := OpenInterface("nosuchif0", CaptureOptions{}); err == nil {
		t.Error("missing interface opened")
	}
	if _, err := OpenInterface("../lo", CaptureOptions{}); err == nil {
		t.Error("path-like interface name accepted")
	}
}

func TestOpenInterfaceWithoutPrivilegeSaysHow(t *testing.T) {
	if probePacketSocket() == nil {
		t.Skip("this process may capture; the missing-privilege message is checked when run unprivileged")
	}
	_, err := OpenInterface("lo", CaptureOptions{})
	if !errors.Is(err, ErrCapturePermission) || !strings.Contains(err.Error(), "setcap cap_net_raw,cap_net_admin+eip") {
		t.Fatalf("got %v", err)
	}
}

// sendDNS sends a DNS query whose first byte (its id's) is id to
// 127.0.0.1:53: no server needed, the datagram still crosses lo.
func sendDNS(t *testing.T, id byte) {
	t.Helper()
	u, err := net.Dial("udp4", "127.0.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	u.Write(append([]byte{id}, "\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"...))
}

// capturedDNS says whether frames hold the DNS query sendDNS sent with id.
func capturedDNS(frames []record.Frame, id byte) bool {
	for _, f := range frames {
		p := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
		if udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && udp.DstPort == 53 && len(udp.Payload) > 0 && udp.Payload[0] == id {
			return true
		}
	}
	return false
}
