//go:build !linux

package modemsim

import (
	"errors"
	"os"
)

// PTY is a pseudo-terminal pair; only implemented on Linux.
type PTY struct {
	Master *os.File
	TTY    *os.File
	Path   string
}

// OpenPTY is only implemented on Linux.
func OpenPTY() (*PTY, error) { return nil, errors.New("pseudo-terminals are only supported on Linux") }

// Close closes both sides.
func (p *PTY) Close() error { return nil }
