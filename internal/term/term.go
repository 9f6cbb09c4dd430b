// Package term knows what atmq's standard output is: how wide the terminal
// is and whether to colour. Tables and wrapped explanations ask it, so a
// view never prints lines wider than the terminal it goes to.
package term

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Output describes where a command's tables go.
type Output struct {
	// Width is the terminal's width in columns; 0 when stdout is not a
	// terminal (a pipe or a file: lines are not cut to any width).
	Width int
	// Color says severities may be coloured with ANSI escapes.
	Color bool
}

// Detect inspects w: a terminal gets its width (from the kernel, else
// $COLUMNS, else 80) and colour unless NO_COLOR is set or TERM is "dumb";
// anything else gets neither.
func Detect(w io.Writer) Output {
	f, ok := w.(*os.File)
	if !ok {
		return Output{}
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		// Not a terminal (ENOTTY), or a platform without the ioctl.
		return Output{}
	}
	width := int(ws.Col)
	if width <= 0 {
		// A pseudo-terminal nobody sized (some CI runners, `script`).
		width = 80
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
			width = n
		}
	}
	return Output{Width: width, Color: colorAllowed()}
}

// colorAllowed follows https://no-color.org: any non-empty NO_COLOR turns
// colour off; so does a terminal that declares it cannot show it.
func colorAllowed() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// Styles for Paint.
const (
	Red    = "\x1b[1;31m"
	Yellow = "\x1b[33m"
	Cyan   = "\x1b[36m"
	Bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// Paint wraps s in style when colour is on.
func (o Output) Paint(s, style string) string {
	if !o.Color || s == "" || style == "" {
		return s
	}
	return style + s + reset
}

// SeverityStyle is the colour of a finding's severity (error, warning,
// info) or of a failed outcome.
func SeverityStyle(severity string) string {
	switch severity {
	case "error", "failed":
		return Red
	case "warning":
		return Yellow
	case "info":
		return Cyan
	}
	return ""
}
