//go:build windows || (darwin && cgo)

package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket/pcap"

	"github.com/atmq/atmq/decode/record"
)

// InterfaceCapture is an open live capture on one network interface,
// through libpcap (macOS, cgo build) or Npcap (Windows, loaded at run time).
type InterfaceCapture struct {
	iface    string
	linkType int
	h        *pcap.Handle
	once     sync.Once
}

// OpenInterface opens a capture on iface with the filter compiled by libpcap.
func OpenInterface(iface string, opts CaptureOptions) (*InterfaceCapture, error) {
	// A short read timeout lets Run notice cancellation on platforms
	// where closing the handle does not wake a blocked read.
	h, err := pcap.OpenLive(iface, snapLen, opts.Promiscuous, 200*time.Millisecond)
	if err != nil {
		s := strings.ToLower(err.Error())
		if strings.Contains(s, "permission") || strings.Contains(s, "not permitted") {
			return nil, fmt.Errorf("capture on %s: %w (%v)", iface, ErrCapturePermission, err)
		}
		return nil, fmt.Errorf("capture on %s: %w (is Npcap/libpcap installed? list interfaces with tcpdump -D)", iface, err)
	}
	if err := h.SetBPFFilter(opts.filter().String()); err != nil {
		h.Close()
		return nil, fmt.Errorf("capture on %s: filter: %w", iface, err)
	}
	return &InterfaceCapture{iface: iface, linkType: int(h.LinkType()), h: h}, nil
}

// SetFilter replaces the capture's filter while it runs.
func (c *InterfaceCapture) SetFilter(f Filter) error {
	if err := c.h.SetBPFFilter(f.String()); err != nil {
		return fmt.Errorf("capture on %s: filter: %w", c.iface, err)
	}
	return nil
}

// LinkType is the pcap LINKTYPE_* of the frames.
func (c *InterfaceCapture) LinkType() int { return c.linkType }

// Run hands every matching frame to out until ctx is cancelled (nil) or
// the interface fails. It closes the capture when it returns.
func (c *InterfaceCapture) Run(ctx context.Context, out func(record.Frame)) error {
	defer c.Close()
	n := 0
	for ctx.Err() == nil {
		data, ci, err := c.h.ReadPacketData()
		if errors.Is(err, pcap.NextErrorTimeoutExpired) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("capture on %s: %w", c.iface, err)
		}
		n++
		out(record.Frame{Number: n, Time: ci.Timestamp, LinkType: c.linkType, Data: data, OrigLen: ci.Length})
	}
	return nil
}

// Close releases the handle.
func (c *InterfaceCapture) Close() error {
	c.once.Do(func() { c.h.Close() })
	return nil
}
