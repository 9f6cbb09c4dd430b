//go:build !linux && !windows && !(darwin && cgo)

package capture

import (
	"context"
	"fmt"
	"runtime"

	"github.com/atmq/atmq/decode/record"
)

// InterfaceCapture is not available in this build.
type InterfaceCapture struct{}

// OpenInterface fails: this OS/build has no live capture (a macOS build
// needs CGO_ENABLED=1 and libpcap).
func OpenInterface(iface string, opts CaptureOptions) (*InterfaceCapture, error) {
	return nil, fmt.Errorf("capture on %s (%s, cgo off): %w", iface, runtime.GOOS, ErrCaptureUnsupported)
}

// LinkType is never reached.
func (c *InterfaceCapture) LinkType() int { return 0 }

// Run fails like OpenInterface.
func (c *InterfaceCapture) Run(ctx context.Context, out func(record.Frame)) error {
	return ErrCaptureUnsupported
}

// SetFilter is never reached.
func (c *InterfaceCapture) SetFilter(Filter) error { return ErrCaptureUnsupported }

// Close does nothing.
func (c *InterfaceCapture) Close() error { return nil }
