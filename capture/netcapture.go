package capture

import (
	"context"
	"errors"

	"github.com/atmq/atmq/decode/record"
)

// CaptureOptions tune a live interface capture.
type CaptureOptions struct {
	Filter      Filter // which packets to keep; the zero Filter means DefaultFilter()
	Promiscuous bool   // also capture frames not addressed to this host (a mirror port, a hub)
}

// ErrCapturePermission is wrapped by the error returned when the process
// may not open a capture. Its text says how to get the right.
var ErrCapturePermission = errors.New("capturing packets needs privileges: run as root (sudo atmq …) or grant the binary the capabilities once with: sudo setcap cap_net_raw,cap_net_admin+eip $(which atmq)")

// ErrCaptureUnsupported is wrapped by the error returned where this build
// cannot capture live (see README: Linux needs nothing; macOS needs a cgo
// build with libpcap; Windows needs Npcap).
var ErrCaptureUnsupported = errors.New("live interface capture is not supported on this OS/build; capture with tcpdump or Wireshark and use --pcap-follow FILE")

// CaptureInterface captures the packets that match opts.Filter on iface
// until ctx is cancelled, handing each frame to out in arrival order,
// numbered from 1. It returns nil when ctx is cancelled.
func CaptureInterface(ctx context.Context, iface string, opts CaptureOptions, out func(record.Frame)) error {
	c, err := OpenInterface(iface, opts)
	if err != nil {
		return err
	}
	return c.Run(ctx, out)
}

func (o CaptureOptions) filter() Filter {
	if len(o.Filter.TCPPorts) == 0 && !o.Filter.DNS {
		return DefaultFilter()
	}
	return o.Filter
}
