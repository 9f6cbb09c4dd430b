package netcap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

var captureBase = time.Date(2026, 11, 26, 5, 0, 0, 123456789, time.UTC)

func captureTime(i int) time.Time { return captureBase.Add(time.Duration(i) * time.Second) }

// pcapBytes writes frames as a classic pcap (little-endian, µs or ns).
func pcapBytes(t *testing.T, lt int, frames [][]byte, nanos bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, layers.LinkType(lt)); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: captureTime(i), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// pcapBigEndian writes a big-endian classic pcap by hand (as written on
// SPARC or by some embedded capture tools); pcapgo only writes little-endian.
func pcapBigEndian(lt int, frames [][]byte) []byte {
	be := binary.BigEndian
	b := be.AppendUint32(nil, 0xa1b2c3d4)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint16(b, 4)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, 0)
	b = be.AppendUint32(b, 65535)
	b = be.AppendUint32(b, uint32(lt))
	for i, f := range frames {
		ts := captureTime(i)
		b = be.AppendUint32(b, uint32(ts.Unix()))
		b = be.AppendUint32(b, uint32(ts.Nanosecond()/1000))
		b = be.AppendUint32(b, uint32(len(f)))
		b = be.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll decodes a capture file and returns its records and error.
func readAll(t *testing.T, path string, opts Options) ([]Record, error) {
	t.Helper()
	var rs []Record
	_, err := ReadFile(path, opts, func(r Record) { rs = append(rs, r) })
	return rs, err
}

func TestClassicPcapVariants(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := session(f)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(pcapBytes(t, linkEthernet, frames, false))
	zw.Close()
	for _, c := range []struct {
		name string
		data []byte
		// the timestamp the file can carry for frame 0
		t0 time.Time
	}{
		{"le-micro", pcapBytes(t, linkEthernet, frames, false), captureBase.Truncate(time.Microsecond)},
		{"le-nano", pcapBytes(t, linkEthernet, frames, true), captureBase},
		{"be-micro", pcapBigEndian(linkEthernet, frames), captureBase.Truncate(time.Microsecond)},
		{"gzip", gz.Bytes(), captureBase.Truncate(time.Microsecond)},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs, err := readAll(t, writeTemp(t, c.name+".pcap", c.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := summary(rs), "4:CONNECT 5:CONNACK 6:PUBLISH"; got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			if syn := events(rs, EventSYN); len(syn) != 1 || !syn[0].Time.Equal(c.t0) {
				t.Errorf("SYN time %v, want %v", syn[0].Time, c.t0)
			}
		})
	}
}

func TestPcapngMixedInterfaces(t *testing.T) {
	eth := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	raw := newFlow("[2001:db8::2]:40001", "[2001:db8::1]:1883")
	raw.lt = linkRaw
	sll := newFlow("192.168.1.2:40002", "192.168.1.1:1883")
	sll.lt = linkSLL2
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet,
		SnapLength: 65535, TimestampResolution: 9}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	tun, _ := w.AddInterface(pcapgo.NgInterface{Name: "tun0", LinkType: layers.LinkTypeRaw, SnapLength: 65535, TimestampResolution: 9})
	anyIf, _ := w.AddInterface(pcapgo.NgInterface{Name: "any", LinkType: layers.LinkType(linkSLL2), SnapLength: 65535, TimestampResolution: 9})
	e, r, s := session(eth), session(raw), session(sll)
	n := 0
	for i := range e {
		for _, x := range []struct {
			iface int
			data  []byte
		}{{0, e[i]}, {tun, r[i]}, {anyIf, s[i]}} {
			ci := gopacket.CaptureInfo{Timestamp: captureTime(n), CaptureLength: len(x.data), Length: len(x.data), InterfaceIndex: x.iface}
			opts := pcapgo.NgPacketOptions{}
			if n%4 == 0 {
				opts.Comments = []string{"a comment on frame with some text"}
			}
			if err := w.WritePacketWithOptions(ci, x.data, opts); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	w.Flush()
	rs, err := readAll(t, writeTemp(t, "mixed.pcapng", buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Frames interleave the three sessions: each decoded on its own link type.
	want := "10:CONNECT 11:CONNECT 12:CONNECT 13:CONNACK 14:CONNACK 15:CONNACK 16:PUBLISH 17:PUBLISH 18:PUBLISH"
	if got := summary(rs); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	p := packets(rs)
	if p[0].Conn != 1 || p[1].Conn != 2 || p[2].Conn != 3 || p[1].Client != raw.client || p[2].Server != sll.server {
		t.Errorf("conns %d %d %d, %v %v", p[0].Conn, p[1].Conn, p[2].Conn, p[1].Client, p[2].Server)
	}
	if !p[0].Time.Equal(captureTime(9)) {
		t.Errorf("time %v, want %v (nanosecond resolution)", p[0].Time, captureTime(9))
	}
}

func TestTruncatedCapture(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := session(f)
	full := pcapBytes(t, linkEthernet, frames, false)
	// Offset of frame 6's record: 24-byte file header, 16 per record header.
	off := 24
	for _, fr := range frames[:5] {
		off += 16 + len(fr)
	}
	for _, cut := range []struct {
		name string
		at   int
	}{
		{"inside-record-header", off + 7},
		{"inside-frame-data", off + 16 + 30},
	} {
		t.Run(cut.name, func(t *testing.T) {
			path := writeTemp(t, "cut.pcap", full[:cut.at])
			rs, err := readAll(t, path, Options{})
			var de *DamagedError
			if !errors.As(err, &de) {
				t.Fatalf("err %v, want *DamagedError", err)
			}
			if de.Frame != 6 || de.Offset != int64(off) || de.File != path {
				t.Errorf("damage at frame %d offset %d in %q, want frame 6 offset %d", de.Frame, de.Offset, de.File, off)
			}
			msg := err.Error()
			if !strings.Contains(msg, "frame 6") || !strings.Contains(msg, "offset") || !strings.Contains(msg, "truncated") {
				t.Errorf("message %q", msg)
			}
			// Everything before the damage was decoded.
			if got := summary(rs); got != "4:CONNECT 5:CONNACK" {
				t.Errorf("before the damage: %q", got)
			}
		})
	}
}

func TestTruncatedPcapng(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := session(f)
	var buf bytes.Buffer
	w, _ := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	var ends []int
	for i, fr := range frames {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: captureTime(i), CaptureLength: len(fr), Length: len(fr)}, fr)
		w.Flush()
		ends = append(ends, buf.Len())
	}
	// Cut frame 5's block in the middle.
	path := writeTemp(t, "cut.pcapng", buf.Bytes()[:ends[3]+20])
	rs, err := readAll(t, path, Options{})
	var de *DamagedError
	if !errors.As(err, &de) || de.Frame != 5 || de.Offset != int64(ends[3]) {
		t.Fatalf("err %v (%+v), want frame 5 at offset %d", err, de, ends[3])
	}
	if got := summary(rs); got != "4:CONNECT" {
		t.Errorf("before the damage: %q", got)
	}
}

func TestNotACapture(t *testing.T) {
	for _, c := range []struct{ name, data string }{
		{"empty", ""},
		{"text", "AT+CGATT?\r\nOK\r\n...................."},
	} {
		_, err := readAll(t, writeTemp(t, c.name, []byte(c.data)), Options{})
		var de *DamagedError
		if err == nil || errors.As(err, &de) {
			t.Errorf("%s: err %v, want an unreadable-file error", c.name, err)
		}
	}
	if _, err := readAll(t, filepath.Join(t.TempDir(), "missing.pcap"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestFileReaderFrames(t *testing.T) {
	f := newFlow("10.0.0.2:40000", "10.0.0.1:1883")
	frames := session(f)
	fr, err := NewFileReader("mem", bytes.NewReader(pcapBytes(t, linkEthernet, frames, true)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		got, err := fr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != i+1 || got.LinkType != linkEthernet || !bytes.Equal(got.Data, frames[i]) || got.OrigLen != len(frames[i]) {
			t.Fatalf("frame %d: %+v", i+1, got)
		}
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}
