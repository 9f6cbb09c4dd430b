package netcap

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// benchFrames builds n interleaved connections' worth of traffic: each
// connection opens, then exchanges QoS 1 PUBLISH/PUBACK pairs (some split
// across segments, some coalesced).
func benchFrames(conns, rounds int) [][]byte {
	flows := make([]*flow, conns)
	var frames [][]byte
	for i := range flows {
		f := newFlow(fmt.Sprintf("10.%d.%d.%d:%d", 1+i/62500, i/250%250, i%250+1, 20000+i%40000), "10.0.0.1:1883")
		flows[i] = f
		frames = append(frames, f.syn(), f.synAck(), f.ack(), f.c2s(connect311(fmt.Sprintf("dev-%05d", i))), f.s2c(connack(0)))
	}
	payload := `{"temp":21.5,"rssi":-71,"pad":"` + strings.Repeat("x", 80) + `"}`
	for r := range rounds {
		for i, f := range flows {
			id := uint16(r + 1)
			pub := packet(0x32, append(append(mqttString("devices/"+fmt.Sprint(i)+"/telemetry"), byte(id>>8), byte(id)), payload...))
			switch r % 8 {
			case 3:
				frames = append(frames, f.c2s(pub[:2]), f.c2s(pub[2:]))
			case 5:
				frames = append(frames, f.c2s(append(append(append([]byte{}, pub...), pingreq()...), pub...)))
			default:
				frames = append(frames, f.c2s(pub))
			}
			frames = append(frames, f.s2c([]byte{0x40, 2, byte(id >> 8), byte(id)}))
		}
	}
	for _, f := range flows {
		frames = append(frames, f.fin(true), f.fin(false))
	}
	return frames
}

// BenchmarkDecoder measures frames through the Decoder (no file reading,
// no output): link/IP/TCP parsing, reassembly, splitting, MQTT decoding.
func BenchmarkDecoder(b *testing.B) {
	frames := benchFrames(500, 20)
	var bytes int64
	for _, f := range frames {
		bytes += int64(len(f))
	}
	b.SetBytes(bytes) // per op: the whole set of frames
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		d := NewDecoder(Options{}, func(Record) {})
		for i, f := range frames {
			d.Frame(frameAt(i+1, linkEthernet, f))
		}
		d.Flush()
		n += len(frames)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/frame")
}

// BenchmarkReadFile decodes the capture named by $ATMQ_BENCH_PCAP (e.g. one
// made by bench/gencap): file reading included, output excluded.
func BenchmarkReadFile(b *testing.B) {
	path := os.Getenv("ATMQ_BENCH_PCAP")
	if path == "" {
		b.Skip("set ATMQ_BENCH_PCAP to a capture file")
	}
	b.ReportAllocs()
	frames := 0
	for b.Loop() {
		st, err := ReadFile(path, Options{}, func(Record) {})
		if err != nil {
			b.Fatal(err)
		}
		frames += st.Frames
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
}
