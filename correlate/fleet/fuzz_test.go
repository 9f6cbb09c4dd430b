package fleet_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/atmq/atmq/bench/fleetgen"
	"github.com/atmq/atmq/correlate/fleet"
	"github.com/atmq/atmq/decode/netcap"
)

// FuzzFleet feeds whatever the capture decoder makes of arbitrary bytes to
// the fleet analysis and its renderers: no panic, no hang.
func FuzzFleet(f *testing.F) {
	var seed bytes.Buffer
	if err := fleetgen.Write(&seed, fleetgen.Population{Healthy: 1, NoUsername: 1, TakeoverLoops: 1, TakeoverRounds: 4,
		Keepalive30: 1, Storms: 1, StormConnects: 12, Unanswered: 1, TLSUnknownCA: 1, DNSFailures: 1}); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := netcap.NewFileReader("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		a := fleet.New(fleet.Options{AllClients: true})
		sel := fleet.NewSelection("twin-0000", "10.1.0.2")
		_, _ = netcap.Decode(fr, netcap.Options{}, func(r netcap.Record) {
			a.Add(r)
			sel.Add(r)
		})
		r := a.Report()
		if err := fleet.Table(io.Discard, r); err != nil {
			t.Fatal(err)
		}
		if err := fleet.JSON(io.Discard, r); err != nil {
			t.Fatal(err)
		}
	})
}
