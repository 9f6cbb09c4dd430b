//go:build !unix

package mosquittotest

import "syscall"

// brokerProcAttr: no process-group settings outside Unix.
func brokerProcAttr() *syscall.SysProcAttr { return nil }
