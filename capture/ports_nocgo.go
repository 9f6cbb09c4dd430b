//go:build darwin && !cgo

package capture

import "go.bug.st/serial"

// detailedPorts: go.bug.st/serial reads USB details on macOS through
// IOKit, which needs cgo; a cgo-less build lists names only.
func detailedPorts() ([]PortInfo, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, err
	}
	out := make([]PortInfo, 0, len(names))
	for _, n := range names {
		out = append(out, PortInfo{Name: n})
	}
	return out, nil
}
