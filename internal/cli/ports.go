package cli

import (
	"encoding/json"
	"fmt"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/atmq/atmq/capture"
)

func init() { commands = append(commands, newPortsCmd) }

// portsOptions are the flags of `atmq ports`.
type portsOptions struct {
	JSON bool
}

func newPortsCmd(s Streams) *cobra.Command {
	var o portsOptions
	cmd := &cobra.Command{
		Use:   "ports",
		Short: "List serial ports with their USB VID:PID, serial number, manufacturer and product",
		Long: `List this machine's serial ports, to find the USB-UART adapter to give
atmq live (--serial, --serial-rx, --serial-tx). USB ports show the
adapter's VID:PID (e.g. 1a86:7523 CH340, 0403:6001 FT232R, 10c4:ea60 CP210x,
2c7c:… Quectel modules' own USB ports), serial number, manufacturer and product.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPorts(o, capture.ListPorts, s)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array instead of a table")
	return cmd
}

// runPorts prints the ports list returns.
func runPorts(o portsOptions, list func() ([]capture.PortInfo, error), s Streams) error {
	ports, err := list()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if o.JSON {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		if ports == nil {
			ports = []capture.PortInfo{}
		}
		return enc.Encode(ports)
	}
	if len(ports) == 0 {
		_, err := fmt.Fprintln(s.Out, "no serial ports found")
		return err
	}
	tbl := tablewriter.NewTable(s.Out)
	tbl.Header("Port", "USB ID", "Serial number", "Manufacturer", "Product")
	for _, p := range ports {
		if err := tbl.Append(p.Name, portsCell(p.USBID()), portsCell(p.SerialNumber), portsCell(p.Manufacturer), portsCell(p.Product)); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// portsCell shows an empty cell as "-".
func portsCell(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
