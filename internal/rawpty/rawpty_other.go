//go:build !linux

// Package rawpty opens pseudo-terminals in raw mode; implemented for Linux.
package rawpty

import (
	"errors"
	"os"
)

// Pair is a pseudo-terminal (Linux only).
type Pair struct {
	Master *os.File
	TTY    *os.File
	Path   string
}

// ErrUnsupported is returned by Open outside Linux.
var ErrUnsupported = errors.New("pseudo-terminals are supported on Linux only")

// Open fails outside Linux.
func Open() (*Pair, error) { return nil, ErrUnsupported }

// Close does nothing.
func (p *Pair) Close() error { return nil }
