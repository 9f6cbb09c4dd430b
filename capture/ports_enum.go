//go:build !darwin || cgo

package capture

import (
	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// detailedPorts asks the OS for the ports and their USB details.
func detailedPorts() ([]PortInfo, error) {
	details, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	// go.bug.st/serial v1.8 on Linux returns an entry without a name for
	// a port that has no /sys device link; its list is in the same order
	// as GetPortsList's, so take the name from there.
	var names []string
	for _, d := range details {
		if d.Name == "" {
			names, _ = serial.GetPortsList()
			break
		}
	}
	out := make([]PortInfo, 0, len(details))
	for i, d := range details {
		name := d.Name
		if name == "" {
			if len(names) != len(details) {
				continue
			}
			name = names[i]
		}
		out = append(out, PortInfo{Name: name, USB: d.IsUSB, VID: d.VID, PID: d.PID,
			SerialNumber: d.SerialNumber, Manufacturer: d.Manufacturer, Product: d.Product})
	}
	return out, nil
}
