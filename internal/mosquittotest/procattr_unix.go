//go:build unix && !linux

package mosquittotest

import "syscall"

// brokerProcAttr puts the broker in its own process group.
func brokerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
