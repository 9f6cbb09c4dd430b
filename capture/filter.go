package capture

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/net/bpf"
)

// DefaultMQTTPorts are the IANA ports for MQTT (1883) and MQTT over TLS (8883).
var DefaultMQTTPorts = []uint16{1883, 8883}

// dnsPort is DNS's port; name lookups explain many failed connects.
const dnsPort = 53

// maxFilterPorts keeps every jump of the compiled program within the
// 8-bit offsets classic BPF allows.
const maxFilterPorts = 32

// snapLen is what the filter's accept returns: the whole packet, as
// libpcap's MAXIMUM_SNAPLEN.
const snapLen = 262144

// Filter says which packets a live capture keeps: TCP with a source or
// destination port in TCPPorts (the MQTT ports), and DNS (UDP and TCP
// port 53) when DNS is set. IPv4 fragments after the first are dropped
// (they carry no ports), as tcpdump's "tcp port N" does; IPv6 packets
// with extension headers before TCP/UDP are not matched.
type Filter struct {
	TCPPorts []uint16
	DNS      bool
}

// DefaultFilter keeps MQTT on its standard ports and DNS.
func DefaultFilter() Filter {
	return Filter{TCPPorts: append([]uint16(nil), DefaultMQTTPorts...), DNS: true}
}

// String is the filter in tcpdump syntax, for session.json and for
// libpcap where it compiles the filter itself.
func (f Filter) String() string {
	var parts []string
	for _, p := range f.tcpPorts() {
		if p == dnsPort && f.DNS {
			continue
		}
		parts = append(parts, fmt.Sprintf("tcp port %d", p))
	}
	if f.DNS {
		parts = append(parts, fmt.Sprintf("port %d", dnsPort))
	}
	return strings.Join(parts, " or ")
}

// tcpPorts is TCPPorts plus 53 when DNS is set, sorted, without duplicates.
func (f Filter) tcpPorts() []uint16 {
	set := map[uint16]bool{}
	for _, p := range f.TCPPorts {
		set[p] = true
	}
	if f.DNS {
		set[dnsPort] = true
	}
	out := make([]uint16, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// linkFraming says where the IP header starts in a captured frame.
type linkFraming int

const (
	framingEthernet linkFraming = iota // 14-byte Ethernet header (also Linux loopback)
	framingRawIP                       // no link header: tun, ppp, wwan raw-IP
)

// compile assembles the classic BPF program for f. With dropOutgoing the
// program also rejects packets the host itself sent (a Linux-only
// extension): on loopback every packet is seen once leaving and once
// arriving, and libpcap drops the outgoing copy the same way.
func (f Filter) compile(framing linkFraming, dropOutgoing bool) ([]bpf.Instruction, error) {
	tcp := f.tcpPorts()
	var udp []uint16
	if f.DNS {
		udp = []uint16{dnsPort}
	}
	if len(tcp) == 0 && len(udp) == 0 {
		return nil, errors.New("capture filter: no ports to capture")
	}
	if len(tcp) > maxFilterPorts {
		return nil, fmt.Errorf("capture filter: %d ports, at most %d", len(tcp), maxFilterPorts)
	}
	var a assembler
	l := uint32(0) // offset of the IP header
	if dropOutgoing {
		a.op(bpf.LoadExtension{Num: bpf.ExtType})
		a.jeq(4, "reject", "") // PACKET_OUTGOING
	}
	switch framing {
	case framingEthernet:
		l = 14
		a.op(bpf.LoadAbsolute{Off: 12, Size: 2}) // EtherType
		a.jeq(0x0800, "ip4", "")
		a.jeq(0x86dd, "ip6", "reject")
	case framingRawIP:
		a.op(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0}) // IP version
		a.jeq(0x40, "ip4", "")
		a.jeq(0x60, "ip6", "reject")
	default:
		return nil, fmt.Errorf("capture filter: unknown link framing %d", framing)
	}

	a.label("ip4")
	a.op(bpf.LoadAbsolute{Off: l + 9, Size: 1}) // protocol
	a.jeq(6, "tcp4", "")
	a.jeq(17, "udp4", "reject")
	for _, proto := range []struct {
		name  string
		ports []uint16
	}{{"tcp4", tcp}, {"udp4", udp}} {
		a.label(proto.name)
		a.op(bpf.LoadAbsolute{Off: l + 6, Size: 2})
		a.jset(0x1fff, "reject", "")   // not the first fragment: no ports
		a.op(bpf.LoadMemShift{Off: l}) // X = IP header length
		a.op(bpf.LoadIndirect{Off: l, Size: 2})
		a.portMatch(proto.ports, "accept", "")
		a.op(bpf.LoadIndirect{Off: l + 2, Size: 2})
		a.portMatch(proto.ports, "accept", "reject")
	}

	a.label("ip6")
	a.op(bpf.LoadAbsolute{Off: l + 6, Size: 1}) // next header
	a.jeq(6, "tcp6", "")
	a.jeq(17, "udp6", "reject")
	for _, proto := range []struct {
		name  string
		ports []uint16
	}{{"tcp6", tcp}, {"udp6", udp}} {
		a.label(proto.name)
		a.op(bpf.LoadAbsolute{Off: l + 40, Size: 2})
		a.portMatch(proto.ports, "accept", "")
		a.op(bpf.LoadAbsolute{Off: l + 42, Size: 2})
		a.portMatch(proto.ports, "accept", "reject")
	}

	a.label("accept")
	a.op(bpf.RetConstant{Val: snapLen})
	a.label("reject")
	a.op(bpf.RetConstant{Val: 0})
	return a.assemble()
}

// assembler resolves symbolic forward jumps of a classic BPF program.
// A target "" means the next instruction.
type assembler struct {
	ins    []asmIns
	labels map[string]int
}

type asmIns struct {
	ins    bpf.Instruction
	jt, jf string // for conditional jumps
}

func (a *assembler) op(i bpf.Instruction) { a.ins = append(a.ins, asmIns{ins: i}) }

func (a *assembler) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.ins)
}

func (a *assembler) jeq(v uint32, jt, jf string) {
	a.ins = append(a.ins, asmIns{ins: bpf.JumpIf{Cond: bpf.JumpEqual, Val: v}, jt: jt, jf: jf})
}

func (a *assembler) jset(v uint32, jt, jf string) {
	a.ins = append(a.ins, asmIns{ins: bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: v}, jt: jt, jf: jf})
}

// portMatch compares A with each port: a match goes to jt; no match
// falls through to jf. An empty list jumps to jf at once.
func (a *assembler) portMatch(ports []uint16, jt, jf string) {
	if len(ports) == 0 {
		if jf != "" {
			a.ins = append(a.ins, asmIns{ins: bpf.Jump{}, jt: jf})
		}
		return
	}
	for i, p := range ports {
		f := ""
		if i == len(ports)-1 {
			f = jf
		}
		a.jeq(uint32(p), jt, f)
	}
}

func (a *assembler) assemble() ([]bpf.Instruction, error) {
	skip := func(from int, target string) (int, error) {
		if target == "" {
			return 0, nil
		}
		to, ok := a.labels[target]
		if !ok {
			return 0, fmt.Errorf("capture filter: undefined label %q", target)
		}
		d := to - from - 1
		if d < 0 {
			return 0, fmt.Errorf("capture filter: backward jump to %q", target)
		}
		return d, nil
	}
	out := make([]bpf.Instruction, len(a.ins))
	for i, in := range a.ins {
		switch j := in.ins.(type) {
		case bpf.JumpIf:
			t, err := skip(i, in.jt)
			if err != nil {
				return nil, err
			}
			f, err := skip(i, in.jf)
			if err != nil {
				return nil, err
			}
			if t > 255 || f > 255 {
				return nil, errors.New("capture filter: jump too long for classic BPF")
			}
			j.SkipTrue, j.SkipFalse = uint8(t), uint8(f)
			out[i] = j
		case bpf.Jump:
			t, err := skip(i, in.jt)
			if err != nil {
				return nil, err
			}
			j.Skip = uint32(t)
			out[i] = j
		default:
			out[i] = in.ins
		}
	}
	return out, nil
}
