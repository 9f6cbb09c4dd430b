package scenario

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/decode/netcap"
)

// TestTLSHealthySampleDecrypts: the key log injected into
// pcaps/tls-healthy-keylog/capture.pcapng as a Decryption Secrets Block
// lets the decoder see every MQTT packet of the script inside TLS.
func TestTLSHealthySampleDecrypts(t *testing.T) {
	path := filepath.Join("..", "..", "pcaps", "tls-healthy-keylog", "capture.pcapng")
	var types []mqtt.Type
	if _, err := netcap.ReadFile(path, netcap.Options{}, func(r netcap.Record) {
		if r.Kind == netcap.KindPacket {
			types = append(types, r.Packet.Type)
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := []mqtt.Type{mqtt.CONNECT, mqtt.CONNACK, mqtt.SUBSCRIBE, mqtt.SUBACK, mqtt.PUBLISH, mqtt.PUBACK, mqtt.DISCONNECT}
	if !slices.Equal(types, want) {
		t.Fatalf("decrypted packets %v, want %v", types, want)
	}
}
