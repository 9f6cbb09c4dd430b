package capture

import (
	"fmt"
	"sort"
	"strings"
)

// PortInfo describes one serial port of this machine.
type PortInfo struct {
	Name         string `json:"name"` // /dev/ttyUSB0, COM3
	USB          bool   `json:"usb"`
	VID          string `json:"vid,omitempty"` // USB vendor id, 4 hex digits
	PID          string `json:"pid,omitempty"` // USB product id
	SerialNumber string `json:"serial_number,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
}

// USBID is "vid:pid" as lsusb prints it, or "" for a non-USB port.
func (p PortInfo) USBID() string {
	if !p.USB || p.VID == "" {
		return ""
	}
	return strings.ToLower(p.VID) + ":" + strings.ToLower(p.PID)
}

// ListPorts lists the serial ports with their USB details, sorted by
// name. A machine without serial ports gives an empty list, not an error.
func ListPorts() ([]PortInfo, error) {
	out, err := detailedPorts()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
