//go:build linux

package capture

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ptyPair is a pseudo-terminal whose slave side a user's terminal
// program opens while atmq drives the master side.
type ptyPair struct {
	master *os.File // pollable, so reads can be cancelled with deadlines
	tty    *os.File // kept open so the master never reads EIO between the user's sessions
	path   string
}

// openPTY creates a raw pseudo-terminal.
func openPTY() (*ptyPair, error) {
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
	// A fresh pty is in cooked mode with echo: bytes from the module
	// would be echoed back into the master and sent to the module as if
	// the host had typed them. Raw until the terminal program sets its own.
	if err := makeRaw(int(t.Fd())); err != nil {
		master.Close()
		t.Close()
		return nil, fmt.Errorf("pseudo-terminal %s: set raw mode: %w", t.Name(), err)
	}
	return &ptyPair{master: master, tty: t, path: t.Name()}, nil
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

func (p *ptyPair) Close() error {
	err := p.master.Close()
	if err2 := p.tty.Close(); err == nil {
		err = err2
	}
	return err
}
