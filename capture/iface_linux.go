//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/atmq/atmq/decode/record"
)

// InterfaceCapture is an open live capture on one network interface.
// On Linux it is a pure-Go AF_PACKET socket (no libpcap, no cgo).
type InterfaceCapture struct {
	iface    string
	linkType int
	h        *pcapgo.EthernetHandle
	framing  linkFraming
	loopback bool
	vmMu     sync.Mutex // guards vm: SetFilter swaps it while Run reads
	vm       *bpf.VM    // the same filter, re-checked in user space
	start    time.Time  // frames stamped earlier were queued before the filter was attached
	once     sync.Once
}

// ARPHRD_* values from /sys/class/net/IFACE/type (linux/if_arp.h).
const (
	arphrdEther    = 1
	arphrdPPP      = 512
	arphrdRawIP    = 519
	arphrdLoopback = 772
	arphrdNone     = 65534
)

// OpenInterface opens a capture on iface and attaches the filter. It
// fails at once, with a remedy in the message, when the interface does
// not exist, its link type is unsupported or privileges are missing
// (errors.Is(err, ErrCapturePermission)).
func OpenInterface(iface string, opts CaptureOptions) (*InterfaceCapture, error) {
	if _, err := net.InterfaceByName(iface); err != nil {
		return nil, fmt.Errorf("capture: no network interface %q (list them with `ip link`): %w", iface, err)
	}
	hw, err := interfaceHardwareType(iface)
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", iface, err)
	}
	var framing linkFraming
	var linkType int
	switch hw {
	case arphrdEther, arphrdLoopback: // the kernel gives loopback frames a zero Ethernet header
		framing, linkType = framingEthernet, int(layers.LinkTypeEthernet)
	case arphrdNone, arphrdPPP, arphrdRawIP: // tun, ppp, wwan: IP with no link header
		framing, linkType = framingRawIP, int(layers.LinkTypeRaw)
	default:
		return nil, fmt.Errorf("capture on %s: link type ARPHRD %d is not supported; capture with tcpdump and use --pcap-follow", iface, hw)
	}
	if err := probePacketSocket(); err != nil {
		return nil, err
	}
	f := opts.filter()
	kernelProg, err := f.compile(framing, hw == arphrdLoopback)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(kernelProg)
	if err != nil {
		return nil, fmt.Errorf("capture filter: %w", err)
	}
	userProg, err := f.compile(framing, false)
	if err != nil {
		return nil, err
	}
	vm, err := bpf.NewVM(userProg)
	if err != nil {
		return nil, fmt.Errorf("capture filter: %w", err)
	}
	start := time.Now()
	h, err := pcapgo.NewEthernetHandle(iface)
	if err != nil {
		if isPermission(err) {
			return nil, fmt.Errorf("capture on %s: %w", iface, ErrCapturePermission)
		}
		return nil, fmt.Errorf("capture on %s: %w", iface, err)
	}
	if err := h.SetBPF(raw); err != nil {
		h.Close()
		return nil, fmt.Errorf("capture on %s: attach filter: %w", iface, err)
	}
	if opts.Promiscuous {
		if err := h.SetPromiscuous(true); err != nil {
			h.Close()
			return nil, fmt.Errorf("capture on %s: promiscuous mode: %w", iface, err)
		}
	}
	return &InterfaceCapture{iface: iface, linkType: linkType, h: h, vm: vm, start: start,
		framing: framing, loopback: hw == arphrdLoopback}, nil
}

// LinkType is the pcap LINKTYPE_* of the frames (Ethernet or raw IP).
func (c *InterfaceCapture) LinkType() int { return c.linkType }

// Run hands every matching frame to out until ctx is cancelled (nil) or
// the interface fails. It closes the capture when it returns.
func (c *InterfaceCapture) Run(ctx context.Context, out func(record.Frame)) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	n := 0
	for {
		data, ci, err := c.h.ReadPacketData()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("capture on %s: %w", c.iface, err)
		}
		// Until the kernel filter was attached the socket queued every
		// packet: drop what came before and check the rest again here
		// (the user-space VM cannot see the loopback direction, which
		// the kernel filter handles).
		if ci.Timestamp.Before(c.start) {
			continue
		}
		c.vmMu.Lock()
		keep, err := c.vm.Run(data)
		c.vmMu.Unlock()
		if err != nil || keep == 0 {
			continue
		}
		n++
		out(record.Frame{Number: n, Time: ci.Timestamp, LinkType: c.linkType, Data: data, OrigLen: ci.Length})
	}
}

// SetFilter replaces the capture's filter while it runs (a live session
// widens it when the module's open command names another broker port).
func (c *InterfaceCapture) SetFilter(f Filter) error {
	kernelProg, err := f.compile(c.framing, c.loopback)
	if err != nil {
		return err
	}
	raw, err := bpf.Assemble(kernelProg)
	if err != nil {
		return fmt.Errorf("capture filter: %w", err)
	}
	userProg, err := f.compile(c.framing, false)
	if err != nil {
		return err
	}
	vm, err := bpf.NewVM(userProg)
	if err != nil {
		return fmt.Errorf("capture filter: %w", err)
	}
	if err := c.h.SetBPF(raw); err != nil {
		return fmt.Errorf("capture on %s: attach filter: %w", c.iface, err)
	}
	c.vmMu.Lock()
	c.vm = vm
	c.vmMu.Unlock()
	return nil
}

// Close releases the socket; a running Run returns soon after.
func (c *InterfaceCapture) Close() error {
	var err error
	c.once.Do(func() { err = c.h.Close() })
	return err
}

func interfaceHardwareType(iface string) (int, error) {
	if strings.ContainsAny(iface, "/") || iface == "." || iface == ".." {
		return 0, fmt.Errorf("bad interface name %q", iface)
	}
	b, err := os.ReadFile("/sys/class/net/" + iface + "/type")
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("/sys/class/net/%s/type: %q", iface, b)
	}
	return v, nil
}

// probePacketSocket checks the capture privilege before anything else,
// because pcapgo flattens the errno into text.
func probePacketSocket() error {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return ErrCapturePermission
		}
		return fmt.Errorf("capture: open packet socket: %w", err)
	}
	unix.Close(fd)
	return nil
}

func isPermission(err error) bool {
	s := err.Error()
	return strings.Contains(s, "operation not permitted") || strings.Contains(s, "permission denied")
}
