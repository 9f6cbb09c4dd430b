package modemsim

import "github.com/atmq/atmq/internal/rawpty"

// PTY is a pseudo-terminal pair: the module serves on Master, the host
// (MCU code, a terminal program, atmq live) opens Path like a serial port.
type PTY = rawpty.Pair

// OpenPTY opens a raw pseudo-terminal for a module (Linux only).
func OpenPTY() (*PTY, error) { return rawpty.Open() }
