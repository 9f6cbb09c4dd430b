// Package scenario records the sample sessions in pcaps/: a simulated
// module on a pseudo-terminal driven by an AT script, a real mosquitto on
// loopback, the network captured by atmq's own capture and the serial side
// saved in the log formats users have.
package scenario

import (
	"time"

	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// Addresses on loopback: the broker, the device, and other clients, so the
// capture shows distinct hosts as a server-side capture would.
const (
	BrokerHost = "127.0.0.1"
	BrokerPort = 1883
	DeviceHost = "127.0.0.5"
	OtherHost  = "127.0.0.6"
)

// Log formats a sample's serial log can be saved in.
const (
	LogAtmq  = "atmq"  // serial.atmq: atmq's own recording
	LogSSCOM = "sscom" // serial.log: SSCOM with time-only stamps
	LogRaw   = "raw"   // serial.log: picocom-style module output, no stamps
)

// Scenario is one recorded sample session.
type Scenario struct {
	Name        string
	Title       string // one line: what happens
	Description string // what the user sees and what atmq must say
	Broker      mosquittotest.Config
	Module      modemsim.Options
	// Script is the host's AT script (capture's atmq-script syntax).
	Script string
	// Others are scripts run concurrently by other simulated clients on
	// OtherHost, after the given delay: the "noise" a server-side capture
	// holds, or a second device taking the client id over.
	Others []Other
	// LogFormat selects how serial.* is written; SSCOMZone is the zone
	// the SSCOM stamps are written in (the bench PC's local time).
	LogFormat string
	SSCOMZone *time.Location
	// Expected finding codes atmq analyze must report; NoErrors asserts a
	// healthy session (no error-severity finding).
	Expected []string
	Absent   []string // finding codes that would be wrong here
	NoErrors bool
	// Settle is how long to keep capturing after the script ends, so
	// server-side closes (keepalive, takeover) are recorded.
	Settle time.Duration
	// TLS, when set, runs the broker as a TLS listener on TLSPort with
	// certificates made for the recording, and gives the module TLS.
	TLS *TLSSetup
}

// TLSPort is the broker's TLS listener in the TLS samples.
const TLSPort = 8883

// TLSSetup says how a TLS sample's certificates are arranged.
type TLSSetup struct {
	// ModuleTrustsOtherCA gives the module a CA that did not sign the
	// broker's certificate: it refuses the handshake (unknown_ca).
	ModuleTrustsOtherCA bool
	// RequireCertificate makes the listener demand a client certificate
	// (mosquitto require_certificate true).
	RequireCertificate bool
	// ModuleCert gives the module a client certificate of the broker's CA.
	ModuleCert bool
	// MaxVersion caps the module's TLS version (0 = TLS 1.3).
	MaxVersion uint16
	// KeysInCapture injects the module's key log into capture.pcapng as
	// a Decryption Secrets Block, so analyze decrypts the session.
	KeysInCapture bool
}

// Other is a second simulated client.
type Other struct {
	Delay  time.Duration
	Script string
}
