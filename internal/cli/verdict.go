package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// A verdict on the input comes before any verdict on the session: input
// atmq did not understand (a log with no AT command, a capture with no
// MQTT) must not end in an empty, healthy-looking report. Each check names
// the file and says what atmq saw in it.

// serialVerdict fails for a log that yielded no AT command and no URC of a
// known dialect.
func serialVerdict(path string, log *at.Log, formatFlag string) error {
	if log == nil || log.Damaged > 0 {
		return nil // the damage is reported (exit 3) and explains what is missing
	}
	if v := log.Verdict(formatFlag); v != "" {
		return fmt.Errorf("%s: %s", path, v)
	}
	return nil
}

// captureVerdict fails for a capture with nothing the analysis can use: no
// MQTT packet, no TCP or TLS event on the broker ports and, when there is
// a serial log to explain, no DNS lookup either.
func captureVerdict(label string, frames int, recs []netcap.Record, ports []uint16, withSerial bool) error {
	for _, r := range recs {
		if usableRecord(r, ports, withSerial) {
			return nil
		}
	}
	return nothingToAnalyse(label, frames, ports)
}

// usableRecord says whether a capture record gives the analysis something:
// an MQTT packet, a TLS handshake, a connection on a broker port, or (with
// a serial log naming a host) a DNS lookup.
func usableRecord(r netcap.Record, ports []uint16, withSerial bool) bool {
	switch {
	case r.Kind == netcap.KindPacket:
		return true
	case r.Kind != netcap.KindEvent || r.Event == nil:
	case r.Event.Type == netcap.EventDNS:
		return withSerial
	case strings.HasPrefix(r.Event.Type, "TLS-"):
		return true
	case slices.Contains(ports, r.Server.Port()) || r.Server.Port() == netcap.DefaultTLSPort:
		return true
	}
	return false
}

// nothingToAnalyse is the verdict on a capture that held nothing usable.
func nothingToAnalyse(path string, frames int, ports []uint16) error {
	names := make([]string, 0, len(ports)+1)
	for _, p := range ports {
		names = append(names, strconv.Itoa(int(p)))
	}
	names = append(names, strconv.Itoa(netcap.DefaultTLSPort)+" (TLS)")
	return fmt.Errorf("%s: nothing to analyse: %d frames read, no MQTT packet and no TCP connection on port %s; "+
		"is the broker on another port (--port N)? `atmq packets --events %s` lists what the capture holds",
		path, frames, strings.Join(names, ", "), path)
}
