//go:build linux

package modemsim

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair: the module serves on Master, the host
// (MCU code, a terminal program, atmq at --port) opens Path like a serial
// port.
type PTY struct {
	Master *os.File
	// TTY is our own handle on the terminal side. While it is open the
	// master never reads EIO, so hosts can open and close Path at will;
	// close it to let the module end when the last host closes.
	TTY  *os.File
	Path string
}

// OpenPTY opens a pseudo-terminal with the terminal side in raw mode, as a
// UART is: no echo by the line discipline, no CR/LF translation, no
// signals on ^C or ^Z (Ctrl-Z ends prompt-mode payloads).
func OpenPTY() (*PTY, error) {
	master, tty, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open pseudo-terminal: %w", err)
	}
	if err := makeRaw(int(tty.Fd())); err != nil {
		master.Close()
		tty.Close()
		return nil, fmt.Errorf("set %s raw: %w", tty.Name(), err)
	}
	return &PTY{Master: master, TTY: tty, Path: tty.Name()}, nil
}

// Close closes both sides.
func (p *PTY) Close() error {
	err := p.Master.Close()
	if e := p.TTY.Close(); err == nil {
		err = e
	}
	return err
}

// makeRaw applies cfmakeraw(3).
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
