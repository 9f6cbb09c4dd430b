package netcap

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// dns reports one DNS message on UDP port 53 (anywhere in the capture:
// which broker name a module resolved, and what it got, explains many
// failures).
func (d *Decoder) dns(s *segment, st stamp) {
	var msg layers.DNS
	if err := msg.DecodeFromBytes(s.payload, gopacket.NilDecodeFeedback); err != nil {
		return
	}
	info := &DNS{ID: msg.ID, Response: msg.QR, Rcode: int(msg.ResponseCode),
		Client: s.src, Resolver: s.dst}
	if msg.QR {
		info.Client, info.Resolver = s.dst, s.src
	}
	if len(msg.Questions) > 0 {
		info.Name = string(msg.Questions[0].Name)
		info.QType = msg.Questions[0].Type.String()
	}
	for _, a := range msg.Answers {
		if a.Type != layers.DNSTypeA && a.Type != layers.DNSTypeAAAA {
			continue
		}
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			info.Answers = append(info.Answers, ip.Unmap())
		}
	}
	by := "client"
	if msg.QR {
		by = "server"
	}
	d.emit(Record{
		Kind:       KindEvent,
		Frame:      st.frame,
		Time:       st.time,
		Client:     info.Client,
		Server:     info.Resolver,
		FromClient: !msg.QR,
		Event:      &Event{Type: EventDNS, By: by, Detail: dnsDetail(info, msg.ResponseCode), DNS: info},
	})
}

func dnsDetail(info *DNS, rc layers.DNSResponseCode) string {
	if !info.Response {
		return fmt.Sprintf("query %s %s", info.QType, info.Name)
	}
	if rc != layers.DNSResponseCodeNoErr {
		return fmt.Sprintf("answer %s %s: %s", info.QType, info.Name, rc)
	}
	if len(info.Answers) == 0 {
		return fmt.Sprintf("answer %s %s: no address", info.QType, info.Name)
	}
	addrs := make([]string, len(info.Answers))
	for i, a := range info.Answers {
		addrs[i] = a.String()
	}
	return fmt.Sprintf("answer %s %s: %s", info.QType, info.Name, strings.Join(addrs, ", "))
}
