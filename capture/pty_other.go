//go:build !linux

package capture

import (
	"errors"
	"os"
)

type ptyPair struct {
	master, tty *os.File
	path        string
}

// openPTY: proxy mode is implemented for Linux only in this build.
func openPTY() (*ptyPair, error) {
	return nil, errors.New("proxy mode (--pty) is supported on Linux only; use a tap (--serial-rx) or --script here")
}

func (p *ptyPair) Close() error { return nil }
