package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// maxReorderLimit bounds --reorder-limit: held segments cost memory (each
// direction also stops at 1 MiB held, all connections at 32 MiB).
const maxReorderLimit = 1 << 16

// addReorderLimitFlag adds --reorder-limit, the segments one direction of
// a connection may hold out of order (netcap.Options.ReorderLimit).
func addReorderLimitFlag(cmd *cobra.Command, p *int) {
	cmd.Flags().IntVar(p, "reorder-limit", 512, "TCP segments held out of order per connection direction before the bytes missing before them are given up on (a TCP-GAP naming the limit)")
}

// checkReorderLimit accepts 1 to maxReorderLimit (0: the default).
func checkReorderLimit(n int) error {
	if n < 0 || n > maxReorderLimit {
		return fmt.Errorf("--reorder-limit %d: want 1 to %d segments", n, maxReorderLimit)
	}
	return nil
}
