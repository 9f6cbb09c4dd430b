package term

import (
	"testing"

	"github.com/creack/pty"
)

// A real pseudo-terminal reports its size; NO_COLOR turns colour off.
func TestDetectTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 97}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if got := Detect(tty); got != (Output{Width: 97, Color: true}) {
		t.Errorf("terminal detected as %+v", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := Detect(tty); got.Color || got.Width != 97 {
		t.Errorf("with NO_COLOR: %+v", got)
	}
}
