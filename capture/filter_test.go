package capture

import (
	"net"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// packet builds a frame: Ethernet (or none) / IPv4 or IPv6 / TCP or UDP.
func packet(t testing.TB, ethernet, v6 bool, proto string, sport, dport uint16, fragOffset uint16) []byte {
	t.Helper()
	var ls []gopacket.SerializableLayer
	var nl gopacket.NetworkLayer
	et := layers.EthernetTypeIPv4
	if v6 {
		et = layers.EthernetTypeIPv6
	}
	if ethernet {
		ls = append(ls, &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: et})
	}
	ipProto := layers.IPProtocolTCP
	if proto == "udp" {
		ipProto = layers.IPProtocolUDP
	}
	if v6 {
		ip := &layers.IPv6{Version: 6, NextHeader: ipProto, HopLimit: 64, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		ls, nl = append(ls, ip), ip
	} else {
		// Options make the header longer than 20 bytes, so the test also
		// checks that the program uses the real header length.
		ip := &layers.IPv4{Version: 4, IHL: 6, TTL: 64, Protocol: ipProto, FragOffset: fragOffset,
			SrcIP: net.IPv4(10, 0, 0, 1), DstIP: net.IPv4(10, 0, 0, 2),
			Options: []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 1}}}
		ls, nl = append(ls, ip), ip
	}
	if proto == "udp" {
		u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		u.SetNetworkLayerForChecksum(nl)
		ls = append(ls, u)
	} else {
		tc := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), SYN: true, Window: 1000}
		tc.SetNetworkLayerForChecksum(nl)
		ls = append(ls, tc)
	}
	ls = append(ls, gopacket.Payload("x"))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFilterMatchesMQTTAndDNS(t *testing.T) {
	f := Filter{TCPPorts: []uint16{1883, 8883}, DNS: true}
	cases := []struct {
		name      string
		v6        bool
		proto     string
		sp, dp    uint16
		frag      uint16
		wantMatch bool
	}{
		{"v4 tcp to 1883", false, "tcp", 40000, 1883, 0, true},
		{"v4 tcp from 8883", false, "tcp", 8883, 40000, 0, true},
		{"v4 tcp 80", false, "tcp", 40000, 80, 0, false},
		{"v4 udp to 53", false, "udp", 40000, 53, 0, true},
		{"v4 udp from 53", false, "udp", 53, 40000, 0, true},
		{"v4 udp 1883 (not tcp)", false, "udp", 40000, 1883, 0, false},
		{"v4 tcp 53", false, "tcp", 40000, 53, 0, true},
		{"v4 later fragment", false, "tcp", 40000, 1883, 100, false},
		{"v6 tcp to 1883", true, "tcp", 40000, 1883, 0, true},
		{"v6 udp from 53", true, "udp", 53, 40000, 0, true},
		{"v6 tcp 443", true, "tcp", 40000, 443, 0, false},
	}
	for _, framing := range []linkFraming{framingEthernet, framingRawIP} {
		prog, err := f.compile(framing, false)
		if err != nil {
			t.Fatal(err)
		}
		vm, err := bpf.NewVM(prog)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bpf.Assemble(prog); err != nil {
			t.Fatalf("program does not assemble: %v", err)
		}
		for _, c := range cases {
			pkt := packet(t, framing == framingEthernet, c.v6, c.proto, c.sp, c.dp, c.frag)
			n, err := vm.Run(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if got := n > 0; got != c.wantMatch {
				t.Errorf("framing %d, %s: match=%v, want %v", framing, c.name, got, c.wantMatch)
			}
		}
	}
}

func TestFilterWithoutDNSAndNonIP(t *testing.T) {
	f := Filter{TCPPorts: []uint16{1884}}
	prog, err := f.compile(framingEthernet, false)
	if err != nil {
		t.Fatal(err)
	}
	vm, _ := bpf.NewVM(prog)
	if n, _ := vm.Run(packet(t, true, false, "udp", 40000, 53, 0)); n != 0 {
		t.Error("DNS matched although DNS is off")
	}
	if n, _ := vm.Run(packet(t, true, false, "tcp", 40000, 1884, 0)); n == 0 {
		t.Error("tcp 1884 not matched")
	}
	arp := make([]byte, 42)
	arp[12], arp[13] = 0x08, 0x06
	if n, _ := vm.Run(arp); n != 0 {
		t.Error("ARP matched")
	}
	if n, _ := vm.Run([]byte{1, 2, 3}); n != 0 {
		t.Error("runt frame matched")
	}
}

func TestFilterErrorsAndString(t *testing.T) {
	if _, err := (Filter{}).compile(framingEthernet, false); err == nil {
		t.Error("empty filter compiled")
	}
	many := Filter{}
	for p := 1; p <= maxFilterPorts+1; p++ {
		many.TCPPorts = append(many.TCPPorts, uint16(p))
	}
	if _, err := many.compile(framingEthernet, false); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("too many ports: %v", err)
	}
	many.TCPPorts = many.TCPPorts[:maxFilterPorts-1]
	many.DNS = true // adds port 53: exactly the limit
	if _, err := many.compile(framingEthernet, true); err != nil {
		t.Errorf("%d ports: %v", maxFilterPorts, err)
	}
	if got, want := DefaultFilter().String(), "tcp port 1883 or tcp port 8883 or port 53"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
