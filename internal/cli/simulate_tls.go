package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/atmq/atmq/internal/modemsim"
)

// simulateTLSOptions are the certificates `atmq simulate` gives the
// module's TLS stack, standing in for the files a real module holds.
type simulateTLSOptions struct {
	CA, Cert, Key string
	KeyLog        string // NSS key log the module appends its secrets to
}

func addSimulateTLSFlags(cmd *cobra.Command, o *simulateTLSOptions) {
	f := cmd.Flags()
	f.StringVar(&o.CA, "tls-ca", "", "PEM CA file the module trusts; enables TLS (AT+ECMTCFG=\"ssl\", AT+QMTCFG=\"ssl\" + AT+QSSLCFG), otherwise asking for TLS gets ERROR")
	f.StringVar(&o.Cert, "tls-cert", "", "PEM client certificate the module sends (with --tls-key)")
	f.StringVar(&o.Key, "tls-key", "", "PEM key of --tls-cert")
	f.StringVar(&o.KeyLog, "tls-keylog", "", "append the module's TLS secrets to this NSS key log (SSLKEYLOGFILE format), to decrypt its captures")
}

// tlsOptions checks the flags and opens the key log; the returned closer
// closes it (nil options when no TLS flag was given).
func (o simulateTLSOptions) tlsOptions() (*modemsim.TLSOptions, io.Closer, error) {
	if o.CA == "" && o.Cert == "" && o.Key == "" && o.KeyLog == "" {
		return nil, nil, nil
	}
	if o.CA == "" {
		return nil, nil, fmt.Errorf("--tls-cert, --tls-key and --tls-keylog need --tls-ca")
	}
	if (o.Cert == "") != (o.Key == "") {
		return nil, nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	for _, p := range []string{o.CA, o.Cert, o.Key} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, nil, fmt.Errorf("TLS file: %w", err)
		}
	}
	t := &modemsim.TLSOptions{CAFile: o.CA, CertFile: o.Cert, KeyFile: o.Key}
	if o.KeyLog == "" {
		return t, nil, nil
	}
	f, err := os.OpenFile(o.KeyLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--tls-keylog: %w", err)
	}
	t.KeyLog = f
	return t, f, nil
}
