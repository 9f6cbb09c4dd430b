package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/decode/netcap"
)

// addTLSKeylogFlag adds --tls-keylog: an NSS key log (SSLKEYLOGFILE) whose
// sessions are decrypted so the MQTT inside TLS is decoded.
func addTLSKeylogFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "tls-keylog", "", "NSS key log file (SSLKEYLOGFILE format): decrypt the TLS sessions it has secrets for (a pcapng's Decryption Secrets Block is used without it)")
}

// loadTLSKeylog reads the --tls-keylog file; nil when none was given. Its
// errors name the file and line, never a secret.
func loadTLSKeylog(path string) (*netcap.KeyLog, error) {
	if path == "" {
		return nil, nil
	}
	k, err := netcap.ReadKeyLogFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tls-keylog: %w", err)
	}
	return k, nil
}
