package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"go.bug.st/serial"
)

// SerialConfig says which serial port to open and how.
//
// Flow control: go.bug.st/serial v1.8 always switches RTS/CTS hardware
// flow control off and has no XON/XOFF setting, so FlowControl accepts
// only "none" (or ""). What it does offer is the initial level of the
// RTS and DTR output lines (RTS, DTR; both asserted when nil), which is
// what USB-UART adapters wired to a module's reset or power-key pins need.
type SerialConfig struct {
	Port        string // device path (/dev/ttyUSB0) or name (COM3)
	Baud        int    // bits per second; 0 means 115200
	DataBits    int    // 5, 6, 7 or 8; 0 means 8
	Parity      string // none (N), odd (O), even (E), mark (M), space (S); "" means none
	StopBits    string // "1", "1.5" or "2"; "" means 1
	FlowControl string // "none" or ""; see the type's comment
	RTS         *bool  // initial RTS level; nil leaves it asserted
	DTR         *bool  // initial DTR level; nil leaves it asserted
}

// DefaultBaud is the baud rate used when SerialConfig.Baud is 0: the
// factory setting of most cellular modules' AT port.
const DefaultBaud = 115200

// readTimeout bounds each blocking read so a reader notices cancellation.
const readTimeout = 100 * time.Millisecond

// withDefaults fills the zero fields.
func (c SerialConfig) withDefaults() SerialConfig {
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.Parity == "" {
		c.Parity = "none"
	}
	if c.StopBits == "" {
		c.StopBits = "1"
	}
	if c.FlowControl == "" {
		c.FlowControl = "none"
	}
	return c
}

// Mode checks c and converts it to go.bug.st/serial's mode.
func (c SerialConfig) Mode() (*serial.Mode, error) {
	c = c.withDefaults()
	if c.Port == "" {
		return nil, errors.New("no serial port given")
	}
	if c.Baud < 0 {
		return nil, fmt.Errorf("serial port %s: bad baud rate %d", c.Port, c.Baud)
	}
	if c.DataBits < 5 || c.DataBits > 8 {
		return nil, fmt.Errorf("serial port %s: data bits must be 5, 6, 7 or 8, not %d", c.Port, c.DataBits)
	}
	m := &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits}
	switch strings.ToLower(c.Parity) {
	case "none", "n":
		m.Parity = serial.NoParity
	case "odd", "o":
		m.Parity = serial.OddParity
	case "even", "e":
		m.Parity = serial.EvenParity
	case "mark", "m":
		m.Parity = serial.MarkParity
	case "space", "s":
		m.Parity = serial.SpaceParity
	default:
		return nil, fmt.Errorf("serial port %s: parity %q: want none, odd, even, mark or space", c.Port, c.Parity)
	}
	switch c.StopBits {
	case "1":
		m.StopBits = serial.OneStopBit
	case "1.5":
		m.StopBits = serial.OnePointFiveStopBits
	case "2":
		m.StopBits = serial.TwoStopBits
	default:
		return nil, fmt.Errorf("serial port %s: stop bits %q: want 1, 1.5 or 2", c.Port, c.StopBits)
	}
	switch strings.ToLower(c.FlowControl) {
	case "none":
	case "rtscts", "hardware", "xonxoff", "software":
		return nil, fmt.Errorf("serial port %s: flow control %q is not supported (go.bug.st/serial v1.8 offers none; RTS/DTR levels can be set)", c.Port, c.FlowControl)
	default:
		return nil, fmt.Errorf("serial port %s: flow control %q: want none", c.Port, c.FlowControl)
	}
	if c.RTS != nil || c.DTR != nil {
		bits := &serial.ModemOutputBits{RTS: true, DTR: true}
		if c.RTS != nil {
			bits.RTS = *c.RTS
		}
		if c.DTR != nil {
			bits.DTR = *c.DTR
		}
		m.InitialStatusBits = bits
	}
	return m, nil
}

// Check finds the mistakes that would make opening c fail, without
// opening it (opening toggles DTR/RTS, which resets some boards): a bad
// setting, or a device path that does not exist (Windows COM names are
// not paths and are only checked by opening).
func (c SerialConfig) Check() error {
	if _, err := c.Mode(); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	if _, err := os.Stat(c.Port); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("serial port %s: no such device (list the ports with `atmq ports`)", c.Port)
		}
		return fmt.Errorf("serial port %s: %w", c.Port, err)
	}
	return nil
}

// String describes c as a terminal program would: "/dev/ttyUSB0 115200 8N1".
func (c SerialConfig) String() string {
	c = c.withDefaults()
	p := "?"
	if c.Parity != "" {
		p = strings.ToUpper(c.Parity[:1])
	}
	return fmt.Sprintf("%s %d %d%s%s", c.Port, c.Baud, c.DataBits, p, c.StopBits)
}

// openSerial opens the port described by c with a short read timeout.
func openSerial(c SerialConfig) (serial.Port, error) {
	mode, err := c.Mode()
	if err != nil {
		return nil, err
	}
	p, err := serial.Open(c.Port, mode)
	if err != nil {
		return nil, describeOpenError(c.Port, err)
	}
	if err := p.SetReadTimeout(readTimeout); err != nil {
		p.Close()
		return nil, fmt.Errorf("serial port %s: set read timeout: %w", c.Port, err)
	}
	return p, nil
}

// describeOpenError adds the usual remedy to an open failure.
func describeOpenError(port string, err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PermissionDenied:
			return fmt.Errorf("serial port %s: permission denied (add your user to the dialout group, or run as root): %w", port, err)
		case serial.PortBusy:
			return fmt.Errorf("serial port %s: busy (another program has it open): %w", port, err)
		}
	}
	return fmt.Errorf("serial port %s: %w", port, err)
}
