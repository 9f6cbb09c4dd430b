package cli

import "fmt"

// tcpPorts converts a --port flag's values, rejecting what is no TCP port.
// An empty list gives def.
func tcpPorts(ports []uint, def ...uint16) ([]uint16, error) {
	if len(ports) == 0 {
		return def, nil
	}
	out := make([]uint16, 0, len(ports))
	for _, p := range ports {
		if p == 0 || p > 65535 {
			return nil, fmt.Errorf("--port %d: not a TCP port", p)
		}
		out = append(out, uint16(p))
	}
	return out, nil
}
