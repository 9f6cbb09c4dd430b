package correlate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// TestSocketSamplesPairEveryPacket analyses the socket samples in pcaps/
// with their capture: every MQTT packet on the device's connection is
// paired with the socket send, read or receive URC that carried it, in
// the transactions, the events and the timeline.
func TestSocketSamplesPairEveryPacket(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "pcaps", "*-socket-*"))
	if len(dirs) == 0 {
		t.Skip("no socket samples in pcaps/")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, "serial.atmq"))
			if err != nil {
				t.Fatal(err)
			}
			log, err := at.ReadLog(f, at.Options{})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			var recs []netcap.Record
			if _, err := netcap.ReadFile(filepath.Join(dir, "capture.pcapng"), netcap.Options{Ports: []uint16{1883, 1884}}, func(r netcap.Record) {
				recs = append(recs, r)
			}); err != nil {
				t.Fatal(err)
			}
			socketLines := map[int]bool{}
			for _, s := range at.SocketStreams(log) {
				for _, p := range s.Packets() {
					socketLines[p.Line] = true
				}
			}
			r := Analyze(log, recs, Options{})
			pairedTo := map[int]int{} // frame → serial line that carried it
			for _, tx := range r.Transactions {
				for _, fr := range tx.Frames {
					pairedTo[fr] = tx.Line
				}
			}
			for _, e := range r.Events {
				for _, fr := range e.Frames {
					pairedTo[fr] = e.Line
				}
			}
			device := map[int]bool{}
			for _, c := range r.Device.Connections {
				device[c.Conn] = true
			}
			if len(device) == 0 {
				t.Fatal("no device connection chosen")
			}
			onTimeline := map[int]bool{}
			for _, row := range r.Timeline {
				if row.Lane == LaneNetwork && (row.Tx > 0 || row.Event > 0) {
					onTimeline[row.Frame] = true
				}
			}
			n := 0
			for _, rec := range recs {
				if rec.Kind != netcap.KindPacket || rec.Packet == nil || !device[rec.Conn] {
					continue
				}
				n++
				line, ok := pairedTo[rec.Frame]
				switch {
				case !ok:
					t.Errorf("frame %d (%s) is paired with no socket command", rec.Frame, rec.Packet.Type)
				case !socketLines[line]:
					t.Errorf("frame %d (%s) is paired with line %d, which carried no socket data", rec.Frame, rec.Packet.Type, line)
				case !onTimeline[rec.Frame]:
					t.Errorf("frame %d (%s) is not tied to its command on the timeline", rec.Frame, rec.Packet.Type)
				}
			}
			if n == 0 {
				t.Error("the device's connection holds no MQTT packet")
			}
		})
	}
}
