package correlate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// TestCollectorPrunesOtherClients checks what a pruning collector keeps:
// the device's whole connection, the others' session packets and events.
func TestCollectorPrunesOtherClients(t *testing.T) {
	log := &at.Log{Transactions: []at.Transaction{
		{Line: 1, Op: at.OpConnect, Args: map[string]string{at.ArgClientID: "dev1"}},
		{Line: 2, Op: at.OpSubscribe, Args: map[string]string{at.ArgTopic: "dev1/cmd", at.ArgMsgID: "1"}},
	}}
	pkt := func(conn int, p mqtt.Packet) netcap.Record {
		return netcap.Record{Kind: netcap.KindPacket, Conn: conn, Packet: &p}
	}
	in := []netcap.Record{
		{Kind: netcap.KindEvent, Conn: 1, Event: &netcap.Event{Type: netcap.EventSYN}},
		pkt(1, mqtt.Packet{Type: mqtt.CONNECT, ClientID: "dev1"}),
		pkt(2, mqtt.Packet{Type: mqtt.CONNECT, ClientID: "other"}),
		pkt(2, mqtt.Packet{Type: mqtt.CONNACK}),
		pkt(2, mqtt.Packet{Type: mqtt.PUBLISH, Topic: "other/t"}), // dropped
		pkt(1, mqtt.Packet{Type: mqtt.SUBSCRIBE, PacketID: 1, Subscriptions: []mqtt.Subscription{{Filter: "dev1/cmd"}}}),
		pkt(3, mqtt.Packet{Type: mqtt.PINGREQ}),                    // mid-stream, unknown: dropped
		pkt(4, mqtt.Packet{Type: mqtt.PUBLISH, Topic: "dev1/cmd"}), // mid-stream with the log's topic: kept
		pkt(4, mqtt.Packet{Type: mqtt.PUBACK}),                     // and the rest of that connection
		pkt(2, mqtt.Packet{Type: mqtt.DISCONNECT}),
		{Kind: netcap.KindEvent, Conn: 2, Event: &netcap.Event{Type: netcap.EventFIN}},
	}
	c := NewCollector(log, Options{})
	c.Limit = 1
	for _, r := range in {
		c.Add(r)
	}
	var got []string
	for _, r := range c.Records() {
		var s string
		if r.Kind == netcap.KindPacket {
			s = r.Packet.Type.String()
		} else {
			s = r.Event.Type
		}
		got = append(got, string(rune('0'+r.Conn))+":"+s)
	}
	want := []string{"1:TCP-SYN", "1:CONNECT", "2:CONNECT", "2:CONNACK", "1:SUBSCRIBE", "4:PUBLISH", "4:PUBACK", "2:DISCONNECT", "2:TCP-FIN"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kept %v\nwant %v", got, want)
	}
	if c.Dropped() != 2 {
		t.Errorf("dropped %d, want 2", c.Dropped())
	}
}

// TestCollectorKeepsEverythingWithoutAClue: with nothing saying which
// connection is the device's, every record is kept.
func TestCollectorKeepsEverythingWithoutAClue(t *testing.T) {
	c := NewCollector(nil, Options{})
	c.Limit = 1
	for i := 0; i < 10; i++ {
		c.Add(netcap.Record{Kind: netcap.KindPacket, Conn: i + 1, Packet: &mqtt.Packet{Type: mqtt.PUBLISH, Topic: "x"}})
	}
	if len(c.Records()) != 10 || c.Dropped() != 0 {
		t.Errorf("kept %d, dropped %d", len(c.Records()), c.Dropped())
	}
}

// TestCollectorPruningKeepsSampleAnalyses analyses the recorded samples
// with a collector that prunes from the first record on: the findings and
// the pairing must not change.
func TestCollectorPruningKeepsSampleAnalyses(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "pcaps", "*"))
	n := 0
	for _, dir := range dirs {
		serial := filepath.Join(dir, "serial.atmq")
		if _, err := os.Stat(serial); err != nil {
			continue // time-only logs need the CLI's date logic
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			f, err := os.Open(serial)
			if err != nil {
				t.Fatal(err)
			}
			log, err := at.ReadLog(f, at.Options{})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			var all []netcap.Record
			pruned := NewCollector(log, Options{})
			pruned.Limit = 1
			if _, err := netcap.ReadFile(filepath.Join(dir, "capture.pcapng"), netcap.Options{Ports: []uint16{1883, 1884}}, func(r netcap.Record) {
				all = append(all, r)
				pruned.Add(r)
			}); err != nil {
				t.Fatal(err)
			}
			full, part := Analyze(log, all, Options{}), Analyze(log, pruned.Records(), Options{})
			if !reflect.DeepEqual(codes(full), codes(part)) {
				t.Errorf("findings %v with all records, %v pruned", codes(full), codes(part))
			}
			for i := range full.Transactions {
				if !reflect.DeepEqual(full.Transactions[i].Frames, part.Transactions[i].Frames) {
					t.Errorf("line %d: frames %v with all records, %v pruned", full.Transactions[i].Line, full.Transactions[i].Frames, part.Transactions[i].Frames)
				}
			}
		})
	}
	if n == 0 {
		t.Skip("no samples with an atmq-serial log in pcaps/")
	}
}

func codes(r *Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Severity.String()+" "+f.Code)
	}
	return out
}
