package mosquittotest

import "syscall"

// brokerProcAttr puts the broker in its own process group, so a Ctrl-C on
// the test binary does not race our orderly SIGTERM, and asks the kernel
// to kill it if we die first (a test timeout must not leave brokers
// running). Pdeathsig follows the thread that started the broker; Go
// keeps threads alive unless a goroutine exits locked to one, which
// nothing here does.
func brokerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
