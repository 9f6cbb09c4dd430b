package netcap

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugDump(t *testing.T) {
	f := os.Getenv("DUMP")
	if f == "" {
		t.Skip()
	}
	_, err := ReadFile(f, Options{}, func(r Record) {
		if r.Kind == KindPacket {
			fmt.Printf("%d conn%d fromClient=%v %v v%d cid=%q topic=%q id=%d mid=%v skip=%d viol=%v\n", r.Frame, r.Conn, r.FromClient, r.Packet.Type, r.Packet.Version, r.Packet.ClientID, r.Packet.Topic, r.Packet.PacketID, r.Midstream, r.Skipped, r.Packet.Violations)
		} else {
			fmt.Printf("%d conn%d %s by=%s %s %s\n", r.Frame, r.Conn, r.Event.Type, r.Event.By, r.Event.Detail, r.Event.SNI)
		}
	})
	fmt.Println("err", err)
}
