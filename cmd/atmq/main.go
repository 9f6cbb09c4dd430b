// Command atmq sees both sides of an IoT module's MQTT session — the UART AT
// stream and the TCP MQTT packets — and says why it fails.
package main

import (
	"os"

	"github.com/atmq/atmq/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
