package netcap

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// Helpers that build frames byte by byte (independently of the gopacket
// layers the decoder uses), so the tests check the decoder against the
// formats themselves.

// TCP flag bits.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

func checksumFold(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func sum16(b []byte) uint32 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	return s
}

// tcpHeader builds a 20-byte TCP header followed by payload.
func tcpHeader(src, dst netip.AddrPort, flags byte, seq, ack uint32, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint32(h[4:], seq)
	binary.BigEndian.PutUint32(h[8:], ack)
	h[12] = 5 << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 65535)
	return append(h, payload...)
}

func udpHeader(src, dst netip.AddrPort, payload []byte) []byte {
	h := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	return append(h, payload...)
}

// ipPacket wraps a transport segment in IPv4 or IPv6 by the addresses' family.
func ipPacket(src, dst netip.Addr, proto byte, l4 []byte) []byte {
	if src.Is4() {
		h := make([]byte, 20, 20+len(l4))
		h[0] = 0x45
		binary.BigEndian.PutUint16(h[2:], uint16(20+len(l4)))
		h[6] = 0x40 // don't fragment
		h[8] = 64
		h[9] = proto
		s, d := src.As4(), dst.As4()
		copy(h[12:], s[:])
		copy(h[16:], d[:])
		binary.BigEndian.PutUint16(h[10:], checksumFold(sum16(h)))
		return append(h, l4...)
	}
	h := make([]byte, 40, 40+len(l4))
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(l4)))
	h[6] = proto
	h[7] = 64
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, l4...)
}

// link wraps an IP packet for a link type. VLAN tags apply to Ethernet.
func link(lt int, ip []byte, vlans ...uint16) []byte {
	v6 := ip[0]>>4 == 6
	etherType := uint16(0x0800)
	if v6 {
		etherType = 0x86dd
	}
	var h []byte
	switch lt {
	case linkEthernet:
		h = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
		for i, v := range vlans {
			tpid := uint16(0x8100)
			if i == 0 && len(vlans) > 1 {
				tpid = 0x88a8 // QinQ outer tag
			}
			h = binary.BigEndian.AppendUint16(h, tpid)
			h = binary.BigEndian.AppendUint16(h, v)
		}
		h = binary.BigEndian.AppendUint16(h, etherType)
	case linkSLL:
		h = make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		binary.BigEndian.PutUint16(h[14:], etherType)
	case linkSLL2:
		h = make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], etherType)
		binary.BigEndian.PutUint32(h[4:], 3) // interface index
		binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
		h[11] = 6
	case linkNull:
		fam := uint32(2)
		if v6 {
			fam = 30 // Darwin AF_INET6
		}
		h = binary.LittleEndian.AppendUint32(nil, fam)
	case linkLoop:
		fam := uint32(2)
		if v6 {
			fam = 24
		}
		h = binary.BigEndian.AppendUint32(nil, fam)
	case linkRaw, linkIPv4, linkIPv6:
	}
	return append(h, ip...)
}

// flow builds the frames of one TCP connection, tracking sequence numbers.
type flow struct {
	client, server netip.AddrPort
	cseq, sseq     uint32
	lt             int
	vlans          []uint16
}

func newFlow(client, server string) *flow {
	return &flow{client: netip.MustParseAddrPort(client), server: netip.MustParseAddrPort(server),
		cseq: 1000, sseq: 5000, lt: linkEthernet}
}

func (f *flow) frame(fromClient bool, flags byte, seq, ack uint32, payload []byte) []byte {
	src, dst := f.client, f.server
	if !fromClient {
		src, dst = dst, src
	}
	return link(f.lt, ipPacket(src.Addr(), dst.Addr(), protoTCP, tcpHeader(src, dst, flags, seq, ack, payload)), f.vlans...)
}

func (f *flow) syn() []byte {
	b := f.frame(true, fSYN, f.cseq, 0, nil)
	f.cseq++
	return b
}

func (f *flow) synAck() []byte {
	b := f.frame(false, fSYN|fACK, f.sseq, f.cseq, nil)
	f.sseq++
	return b
}

func (f *flow) ack() []byte { return f.frame(true, fACK, f.cseq, f.sseq, nil) }

// c2s sends client bytes and advances the client's sequence number.
func (f *flow) c2s(p []byte) []byte {
	b := f.frame(true, fACK|fPSH, f.cseq, f.sseq, p)
	f.cseq += uint32(len(p))
	return b
}

func (f *flow) s2c(p []byte) []byte {
	b := f.frame(false, fACK|fPSH, f.sseq, f.cseq, p)
	f.sseq += uint32(len(p))
	return b
}

func (f *flow) fin(fromClient bool) []byte {
	if fromClient {
		b := f.frame(true, fFIN|fACK, f.cseq, f.sseq, nil)
		f.cseq++
		return b
	}
	b := f.frame(false, fFIN|fACK, f.sseq, f.cseq, nil)
	f.sseq++
	return b
}

// MQTT packets.

func varint(n int) []byte {
	var b []byte
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		b = append(b, d)
		if n == 0 {
			return b
		}
	}
}

func mqttString(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

func packet(first byte, body []byte) []byte {
	return append(append([]byte{first}, varint(len(body))...), body...)
}

// connect311 is a 3.1.1 CONNECT with a client id.
func connect311(clientID string) []byte {
	body := append(mqttString("MQTT"), 4, 0x02, 0, 60)
	return packet(0x10, append(body, mqttString(clientID)...))
}

func connack(code byte) []byte { return []byte{0x20, 2, 0, code} }

func publish0(topic, payload string) []byte {
	return packet(0x30, append(mqttString(topic), payload...))
}

func pingreq() []byte { return []byte{0xc0, 0} }

// session is the frames of a short MQTT 3.1.1 session on f.
func session(f *flow) [][]byte {
	return [][]byte{
		f.syn(), f.synAck(), f.ack(),
		f.c2s(connect311("dev-1")),
		f.s2c(connack(0)),
		f.c2s(publish0("a/b", "hello")),
		f.fin(true), f.fin(false),
	}
}

// decodeFrames runs frames (numbered from 1, 10 ms apart) through a
// Decoder and returns every record.
func decodeFrames(t testing.TB, lt int, frames [][]byte, opts Options) []Record {
	t.Helper()
	var out []Record
	d := NewDecoder(opts, func(r Record) { out = append(out, r) })
	base := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	for i, b := range frames {
		if err := d.Frame(record.Frame{Number: i + 1, Time: base.Add(time.Duration(i) * 10 * time.Millisecond),
			LinkType: lt, Data: b, OrigLen: len(b)}); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
	}
	d.Flush()
	return out
}

// packets keeps the MQTT packet records.
func packets(rs []Record) []Record {
	var p []Record
	for _, r := range rs {
		if r.Kind == KindPacket {
			p = append(p, r)
		}
	}
	return p
}

// events keeps the event records of one type ("" = all).
func events(rs []Record, typ string) []Record {
	var e []Record
	for _, r := range rs {
		if r.Kind == KindEvent && (typ == "" || r.Event.Type == typ) {
			e = append(e, r)
		}
	}
	return e
}

// frameAt makes frame n (1-based) at 10 ms intervals.
func frameAt(n, lt int, data []byte) record.Frame {
	base := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	return record.Frame{Number: n, Time: base.Add(time.Duration(n-1) * 10 * time.Millisecond),
		LinkType: lt, Data: data, OrigLen: len(data)}
}
