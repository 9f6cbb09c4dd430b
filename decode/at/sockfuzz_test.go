package at

import (
	"bytes"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/record"
)

// FuzzSocketStreams feeds hostile module and host bytes around socket
// commands (declared lengths that lie, data that never ends, binary in
// read replies) and rebuilds and decodes the streams: no panic, no
// unbounded growth.
func FuzzSocketStreams(f *testing.F) {
	f.Add([]byte("AT+CIPSEND=0,4\r\n"), []byte("\r\n> "), []byte{0x10, 0x02, 0, 0}, []byte("\r\n+IPD,4:\x20\x02\x00\x05\r\n0, CLOSED\r\n"))
	f.Add([]byte("AT+QIRD=0,1500\r\n"), []byte("\r\n+QIRD: 99999999\r\n"), []byte{}, []byte("\x20\x02\r\nOK\r\n"))
	f.Add([]byte("AT+USORD=0,4\r\n"), []byte("+USORD: 0,4,\"zz\"\r\nOK\r\n"), []byte("AT+CARECV=0,9\r\n"), []byte("+CARECV: 9,\x30\x00\r\n+RECEIVE,0,2147483647:\r\n"))
	f.Fuzz(func(t *testing.T, cmd, reply, data, more []byte) {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		chunks := []record.SerialChunk{
			{Time: t0, Dir: record.DirHostToModule, Data: cmd},
			{Time: t0.Add(time.Millisecond), Dir: record.DirModuleToHost, Data: reply},
			{Time: t0.Add(2 * time.Millisecond), Dir: record.DirHostToModule, Data: data},
			{Time: t0.Add(3 * time.Millisecond), Dir: record.DirModuleToHost, Data: more},
		}
		l, err := ReadChunks(chunks, Options{})
		if err != nil {
			t.Fatal(err)
		}
		in := len(cmd) + len(reply) + len(data) + len(more)
		for _, s := range SocketStreams(l) {
			n := 0
			for _, p := range s.Packets() {
				n += len(p.Raw)
			}
			if n > in {
				t.Fatalf("%d packet bytes out of %d input bytes", n, in)
			}
		}
		// The same bytes as a text log.
		text := bytes.Join([][]byte{cmd, reply, data, more}, []byte("\n"))
		if l, err := ReadLog(bytes.NewReader(text), Options{}); err == nil {
			for _, s := range SocketStreams(l) {
				s.Packets()
			}
		}
	})
}
