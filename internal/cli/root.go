// Package cli wires atmq's commands: flags → options → run functions that
// take io.Writers, so every command is testable without a terminal.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/internal/term"
)

// Exit codes, documented in README.md.
const (
	ExitOK       = 0 // success; for analyze: no error finding
	ExitFindings = 1 // analyze found at least one error finding
	ExitUsage    = 2 // bad usage or unreadable input
	ExitDamaged  = 3 // input partly unreadable: what could be read was decoded and printed
)

// Streams are the command's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Term says how wide Out's terminal is and whether to colour (the
	// zero value: a pipe). Main detects it; tests set it.
	Term term.Output
}

// exitError carries an exit code out of a command's RunE.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// withCode attaches an exit code to err; a nil err with a non-zero code
// exits silently with that code.
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// NewRoot builds the command tree.
func NewRoot(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "atmq",
		Short: "See both sides of an IoT module's MQTT session and say why it fails",
		Long: `atmq decodes a module's UART AT stream (serial logs or a live port) and the
MQTT packets on the network (pcap/pcapng captures or a live interface),
pairs every AT command with the packets it caused, and explains failures
with evidence and a fix.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("atmq {{.Version}}\n")
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	for _, add := range commands {
		root.AddCommand(add(s))
	}
	return root
}

// commands lists the verbs; each file adds its constructor here.
var commands []func(Streams) *cobra.Command

// Main runs atmq with args and returns the process exit code; tables are
// fitted to out when it is a terminal.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	return Run(args, Streams{In: in, Out: out, Err: errw, Term: term.Detect(out)})
}

// Run is Main with the streams (and the terminal) given.
func Run(args []string, s Streams) int {
	errw := s.Err
	root := NewRoot(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(errw, "atmq:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown flag, wrong argument count…
	fmt.Fprintln(errw, "atmq:", err)
	return ExitUsage
}
