package mqtt

import (
	"bytes"
	"testing"
)

func BenchmarkDecodePublish(b *testing.B) {
	for _, bc := range []struct {
		name    string
		version byte
		raw     []byte
	}{
		{"3.1.1-qos1", Version311, pkt(0x32, s16("devices/dev1/telemetry"), u16(42), []byte(`{"temp":21.5,"hum":40}`))},
		{"5.0-props", Version5, pkt(0x32, s16("devices/dev1/telemetry"), u16(42), props(raw(0x01, 1), raw(0x23), u16(3)), []byte(`{"temp":21.5}`))},
		{"inferred", VersionUnknown, pkt(0x30, s16("devices/dev1/telemetry"), []byte(`{"temp":21.5,"hum":40}`))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.raw)))
			for b.Loop() {
				if _, err := Decode(bc.raw, bc.version); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeConnect(b *testing.B) {
	raw := pkt(0x10, s16("MQTT"), raw(4, 0xC2), u16(60), s16("dev1"), s16("user"), s16("password"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw, VersionUnknown); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitter(b *testing.B) {
	// 1000 small packets per 1460-byte-ish segment stream.
	var stream []byte
	for i := 0; i < 1000; i++ {
		stream = append(stream, pkt(0x32, s16("devices/dev1/telemetry"), u16(i+1), []byte(`{"temp":21.5}`))...)
		stream = append(stream, raw(0x40, 2, byte(i>>8), byte(i))...)
	}
	b.Run("segments", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(stream)))
		n := 0
		emit := func([]byte, SplitNote) { n++ }
		for b.Loop() {
			s := NewStreamSplitter(false)
			for off := 0; off < len(stream); off += 1460 {
				s.Feed(stream[off:min(off+1460, len(stream))], emit)
			}
		}
	})
	b.Run("hostile-resync", func(b *testing.B) {
		// Every third byte starts a plausible SUBSCRIBE header claiming
		// nearly the resync window: the worst case for resynchronising.
		hostile := bytes.Repeat(raw(0x82, 0xFF, 0x1F), 100000)
		b.SetBytes(int64(len(hostile)))
		for b.Loop() {
			s := NewStreamSplitter(true)
			s.Feed(hostile, func([]byte, SplitNote) {})
			s.Flush(func([]byte, SplitNote) {})
		}
	})
	b.Run("split-decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(stream)))
		for b.Loop() {
			var c Conn
			s := NewStreamSplitter(false)
			s.Feed(stream, func(raw []byte, _ SplitNote) {
				if _, err := c.Decode(raw, true); err != nil {
					b.Fatal(err)
				}
			})
		}
	})
}
