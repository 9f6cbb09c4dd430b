package mqtt

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedPackets returns real packets from the capture fixtures plus a few
// hand-built edge cases.
func seedPackets(tb testing.TB) [][]byte {
	seeds := [][]byte{
		pkt(0x10, s16("MQTT"), raw(5, 0xC6), u16(60), props(raw(0x11), u32(3600), raw(0x26), s16("k"), s16("v")),
			s16("c5"), props(raw(0x18), u32(10)), s16("will/t"), s16("bye"), s16("u"), s16("p")),
		pkt(0x10, s16("MQIsdp"), raw(3, 0xEE), u16(30), s16("paho"), s16("lwt"), s16("x"), s16("a"), s16("b")),
		pkt(0x32, s16("a/b"), u16(3), props(raw(0x23), u16(1), raw(0x0B, 0x81, 0x01)), []byte("hi")),
		pkt(0x82, u16(2), props(raw(0x0B, 5)), s16("x/+/#"), raw(0x2E)),
		pkt(0x90, u16(4), props(raw(0x1F), s16("r")), raw(0x01, 0x87)),
		pkt(0xF0, raw(0x18), props(raw(0x15), s16("SCRAM"), raw(0x16), raw(0, 1, 9))),
		raw(0x30, 0x84, 0x80, 0x80, 0x80, 0x00, 0, 1, 'a', 'z'),
		raw(0xE0, 1, 0x8E), raw(0x62, 2, 0, 1), raw(0xC0, 0), raw(0x00, 0),
	}
	files, _ := filepath.Glob("testdata/streams/*.segments")
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if b, err := hex.DecodeString(fields[len(fields)-1]); err == nil && len(b) < 4096 {
				seeds = append(seeds, b)
			}
		}
		fh.Close()
	}
	return seeds
}

// FuzzDecode decodes arbitrary bytes under every version: it must never
// panic, and what it returns must be self-consistent and renderable.
func FuzzDecode(f *testing.F) {
	for _, s := range seedPackets(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []byte{VersionUnknown, Version31, Version311, Version5} {
			p, err := Decode(data, v)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v is not *Error", err, err)
				}
				if p == nil {
					continue
				}
			} else {
				if p.Length > len(data) || !bytes.Equal(p.Raw, data[:p.Length]) {
					t.Fatalf("Length %d Raw %x for input %x", p.Length, p.Raw, data)
				}
			}
			_ = p.Summary()
			if _, err := json.Marshal(p.JSON(true)); err != nil {
				t.Fatalf("json: %v", err)
			}
			for _, viol := range p.Violations {
				if viol.Message == "" {
					t.Fatal("empty violation message")
				}
			}
		}
		var c Conn
		c.Decode(data, true)
		c.Decode(data, false)
	})
}

// FuzzStreamSplitter feeds arbitrary bytes in arbitrary chunks: the packets
// and notes must match a one-shot feed, in both start modes.
func FuzzStreamSplitter(f *testing.F) {
	stream, _ := testStream()
	f.Add(stream[:400], []byte{1, 2, 3, 200})
	seeds := seedPackets(f)
	for i := 0; i+3 < len(seeds); i += 3 {
		f.Add(cat(seeds[i], seeds[i+1], seeds[i+2]), []byte{byte(i), 1, 7})
	}
	f.Add(raw(0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x40, 2, 0, 1), []byte{1})
	f.Fuzz(func(t *testing.T, data []byte, cuts []byte) {
		sizes := make([]int, len(cuts))
		for i, c := range cuts {
			sizes[i] = int(c)
		}
		for _, midstream := range []bool{false, true} {
			want, _ := splitChunks(midstream, 300, data, nil)
			got, s, discarded := splitChunksFlushed(midstream, 300, data, sizes)
			if !sameEmitted(got, want) {
				t.Fatalf("midstream=%v chunks %v:\n got %v\nwant %v", midstream, sizes, got, want)
			}
			total := s.Pending() + discarded
			for _, e := range got {
				// End locates the packet in the stream.
				if e.note.End > int64(len(data)) || e.note.End < int64(len(e.raw)) ||
					!bytes.Equal(data[e.note.End-int64(len(e.raw)):e.note.End], e.raw) {
					t.Fatalf("End %d does not locate %v", e.note.End, e)
				}
				if e.note.Oversize {
					if e.note.Length <= 300 || len(e.raw) > oversizePrefix {
						t.Fatalf("bad oversize %v", e)
					}
					total += e.note.Length
				} else {
					if len(e.raw) != e.note.Length || e.note.Length > 300 {
						t.Fatalf("bad packet %v", e)
					}
					rem, hdr, err := parseFixedHeader(e.raw)
					if err != nil || hdr+rem != len(e.raw) {
						t.Fatalf("emitted bytes are not one packet: %v", e)
					}
					total += len(e.raw)
				}
				total += e.note.Skipped
			}
			if total < len(data) {
				t.Fatalf("accounted for %d of %d bytes", total, len(data))
			}
		}
	})
}
