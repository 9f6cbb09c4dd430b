//go:build linux

// Package rawpty opens pseudo-terminals in raw mode, as a UART is: the
// simulated module serves on one, and atmq's serial proxy hands one to the
// user's terminal program.
package rawpty

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pair is a pseudo-terminal: the program playing the device drives
// Master; the other side opens Path like a serial port.
type Pair struct {
	// Master is non-blocking and joins Go's poller, so reads can be
	// cancelled with deadlines.
	Master *os.File
	// TTY is our own handle on the terminal side. While it is open the
	// master never reads EIO, so programs can open and close Path at will;
	// close it to let the master see the last close.
	TTY  *os.File
	Path string
}

// Open creates a pseudo-terminal whose terminal side is raw: no echo by
// the line discipline, no CR/LF translation, no signals on ^C or ^Z
// (Ctrl-Z ends prompt-mode payloads).
func Open() (*Pair, error) {
	m, t, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("create pseudo-terminal: %w", err)
	}
	// pty.Open's ioctls call File.Fd, which puts the master in blocking
	// mode for good; a blocking read cannot be cancelled. Re-wrap a
	// non-blocking duplicate so it joins Go's poller.
	fd, err := unix.Dup(int(m.Fd()))
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		m.Close()
		t.Close()
		return nil, fmt.Errorf("pseudo-terminal %s: %w", t.Name(), err)
	}
	master := os.NewFile(uintptr(fd), m.Name())
	m.Close()
	// A fresh pty is in cooked mode with echo: bytes written to the
	// master would come back as if typed. Raw until a program sets its own.
	if err := makeRaw(int(t.Fd())); err != nil {
		master.Close()
		t.Close()
		return nil, fmt.Errorf("pseudo-terminal %s: set raw mode: %w", t.Name(), err)
	}
	return &Pair{Master: master, TTY: t, Path: t.Name()}, nil
}

// makeRaw is cfmakeraw(3).
func makeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}

// Close closes both sides.
func (p *Pair) Close() error {
	err := p.Master.Close()
	if err2 := p.TTY.Close(); err == nil {
		err = err2
	}
	return err
}
