package mqtt_test

import (
	"fmt"
	"strings"

	"github.com/atmq/atmq/decode/mqtt"
)

// One direction of a TCP connection arrives in segments that cut packets
// anywhere; the splitter reassembles them and Conn decodes them with the
// connection's version.
func ExampleStreamSplitter() {
	segments := [][]byte{
		{0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x04, 'd', 'e'},
		{'v', '1', 0x32}, // rest of CONNECT, first byte of a PUBLISH
		{0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x07, 'h'}, // PUBLISH body, minus one byte
		{'i', 0xc0, 0x00}, // PUBLISH end, PINGREQ
	}
	var conn mqtt.Conn
	split := mqtt.NewStreamSplitter(false)
	for _, seg := range segments {
		split.Feed(seg, func(raw []byte, note mqtt.SplitNote) {
			p, err := conn.Decode(raw, true)
			if err != nil {
				fmt.Println("error:", err)
				return
			}
			line := fmt.Sprint(p.Type, " ", mqtt.VersionString(p.Version), " ", p.Summary())
			fmt.Println(strings.TrimSpace(line))
		})
	}
	split.Flush(func([]byte, mqtt.SplitNote) {})
	fmt.Println("pending bytes:", split.Pending())
	// Output:
	// CONNECT 3.1.1 client_id="dev1" keepalive=60 clean=1 v=3.1.1
	// PUBLISH 3.1.1 topic="a/b" id=7 qos=1 len=2
	// PINGREQ 3.1.1
	// pending bytes: 0
}

func ExampleDecode() {
	// A 5.0 CONNACK refusing the client, decoded without knowing the version.
	p, err := mqtt.Decode([]byte{0x20, 0x03, 0x00, 0x87, 0x00}, mqtt.VersionUnknown)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Type, mqtt.VersionString(p.Version), p.VersionGuessed, p.Summary())
	fmt.Println(mqtt.ReasonCode(p.ReasonCode).Error())
	// Output:
	// CONNACK 5.0 true rc=0x87 (not authorized)
	// not authorized
}
