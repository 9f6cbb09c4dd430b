package netcap

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link types atmq reads (pcap LINKTYPE_* values).
const (
	linkNull     = 0   // BSD loopback, host byte order family
	linkEthernet = 1   // Ethernet, possibly with 802.1Q/QinQ tags
	linkRaw      = 101 // raw IPv4 or IPv6, version from the first nibble
	linkLoop     = 108 // OpenBSD loopback, network byte order family
	linkSLL      = 113 // Linux cooked capture v1 (tcpdump -i any)
	linkIPv4     = 228
	linkIPv6     = 229
	linkSLL2     = 276 // Linux cooked capture v2
)

const (
	protoTCP = 6
	protoUDP = 17
)

// segment is the transport-layer view of one frame: what the decoder needs
// from the link, IP and TCP/UDP headers. payload aliases the frame's data.
type segment struct {
	proto    uint8
	src, dst netip.AddrPort
	// TCP only.
	seq, ack            uint32
	syn, ackf, fin, rst bool
	payload             []byte
	wireLen             int // payload length on the wire (> len(payload) when the snap length cut it)
}

// frameParser decodes link, IP and transport headers with gopacket's
// DecodingLayerParser: no allocation per frame, one parser per first layer.
type frameParser struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	tcp   layers.TCP
	udp   layers.UDP

	byFirst map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newFrameParser() *frameParser {
	p := &frameParser{byFirst: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL,
		layers.LayerTypeLinuxSLL2, layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		dlp := gopacket.NewDecodingLayerParser(first, &p.eth, &p.dot1q, &p.sll, &p.sll2, &p.loop,
			&p.ip4, &p.ip6, &p.tcp, &p.udp)
		// Stop quietly at the first layer we don't need (ARP, ICMP, payload).
		dlp.IgnoreUnsupported = true
		// A slice indexed by layer type: the default map lookup per layer
		// was a tenth of the decoding time.
		dlp.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
		for _, l := range []gopacket.DecodingLayer{&p.eth, &p.dot1q, &p.sll, &p.sll2, &p.loop, &p.ip4, &p.ip6, &p.tcp, &p.udp} {
			dlp.AddDecodingLayer(l)
		}
		p.byFirst[first] = dlp
	}
	p.decoded = make([]gopacket.LayerType, 0, 8)
	return p
}

// errUnsupportedLink marks a frame whose link type atmq does not read.
type errUnsupportedLink int

func (e errUnsupportedLink) Error() string { return fmt.Sprintf("unsupported link type %d", int(e)) }

// parse fills s from one frame. ok is false for frames that carry no
// TCP or UDP over IP (ARP, ICMP, IP fragments after the first…).
func (p *frameParser) parse(linkType int, data []byte, s *segment) (ok bool, err error) {
	var first gopacket.LayerType
	switch linkType {
	case linkEthernet:
		first = layers.LayerTypeEthernet
	case linkSLL:
		first = layers.LayerTypeLinuxSLL
	case linkSLL2:
		first = layers.LayerTypeLinuxSLL2
	case linkNull, linkLoop:
		first = layers.LayerTypeLoopback
	case linkIPv4:
		first = layers.LayerTypeIPv4
	case linkIPv6:
		first = layers.LayerTypeIPv6
	case linkRaw:
		if len(data) == 0 {
			return false, nil
		}
		switch data[0] >> 4 {
		case 4:
			first = layers.LayerTypeIPv4
		case 6:
			first = layers.LayerTypeIPv6
		default:
			return false, nil
		}
	default:
		return false, errUnsupportedLink(linkType)
	}
	dlp := p.byFirst[first]
	if err := dlp.DecodeLayers(data, &p.decoded); err != nil {
		// Malformed headers: not our business, the frame is skipped.
		return false, nil
	}
	var ipPayloadLen = -1 // transport bytes on the wire, when known
	haveIP := false
	for _, lt := range p.decoded {
		switch lt {
		case layers.LayerTypeIPv4:
			if p.ip4.FragOffset != 0 || p.ip4.Flags&layers.IPv4MoreFragments != 0 {
				return false, nil // fragments are not reassembled
			}
			src, _ := netip.AddrFromSlice(p.ip4.SrcIP)
			dst, _ := netip.AddrFromSlice(p.ip4.DstIP)
			s.src, s.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
			ipPayloadLen = int(p.ip4.Length) - int(p.ip4.IHL)*4
			haveIP = true
		case layers.LayerTypeIPv6:
			src, _ := netip.AddrFromSlice(p.ip6.SrcIP)
			dst, _ := netip.AddrFromSlice(p.ip6.DstIP)
			s.src, s.dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
			ipPayloadLen = int(p.ip6.Length)
			if p.ip6.HopByHop != nil {
				ipPayloadLen -= len(p.ip6.HopByHop.Contents)
			}
			haveIP = true
		case layers.LayerTypeTCP:
			if !haveIP {
				return false, nil
			}
			t := &p.tcp
			s.proto = protoTCP
			s.src = netip.AddrPortFrom(s.src.Addr(), uint16(t.SrcPort))
			s.dst = netip.AddrPortFrom(s.dst.Addr(), uint16(t.DstPort))
			s.seq, s.ack = t.Seq, t.Ack
			s.syn, s.ackf, s.fin, s.rst = t.SYN, t.ACK, t.FIN, t.RST
			s.payload = t.Payload
			s.wireLen = len(t.Payload)
			if want := ipPayloadLen - int(t.DataOffset)*4; want > s.wireLen {
				s.wireLen = want
			}
			return true, nil
		case layers.LayerTypeUDP:
			if !haveIP {
				return false, nil
			}
			u := &p.udp
			s.proto = protoUDP
			s.src = netip.AddrPortFrom(s.src.Addr(), uint16(u.SrcPort))
			s.dst = netip.AddrPortFrom(s.dst.Addr(), uint16(u.DstPort))
			s.payload = u.Payload
			s.wireLen = len(u.Payload)
			return true, nil
		}
	}
	return false, nil
}
