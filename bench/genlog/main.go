// Command genlog writes a synthetic serial log for benchmarking `atmq at`
// and `atmq analyze --serial`: hours of a busy ECMT module (tio-style
// "[YYYY-MM-DD HH:MM:SS.mmm] " stamps, echo on) publishing QoS 1 telemetry
// with OK and the +ECMTPUB result URC, receiving a command now and then,
// with a keepalive status line between. About 63 bytes per line.
//
//	go run ./bench/genlog -lines 1000000 -o /tmp/bench.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	lines := flag.Int("lines", 1_000_000, "number of lines to write")
	out := flag.String("o", "bench.log", "output file")
	flag.Parse()
	if err := run(*out, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}

func run(path string, lines int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	t := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	n := 0
	line := func(format string, a ...any) {
		fmt.Fprintf(w, "[%s] ", t.Format("2006-01-02 15:04:05.000"))
		fmt.Fprintf(w, format, a...)
		w.WriteString("\r\n")
		t = t.Add(7 * time.Millisecond)
		n++
	}
	line(`AT+ECMTOPEN=0,"127.0.0.1",1883`)
	line("OK")
	line("+ECMTOPEN: 0,0")
	line(`AT+ECMTCONN=0,"bench-device-0001","bench","secret"`)
	line("OK")
	line("+ECMTCONN: 0,0,0")
	for seq := 0; n < lines; seq++ {
		id := seq%65535 + 1
		line(`AT+ECMTPUB=0,%d,1,0,"dev1/telemetry","{\"seq\":%d,\"t\":21.5}"`, id, seq%100000)
		line("OK")
		line("+ECMTPUB: 0,%d,0", id)
		if seq%10 == 9 {
			line(`+ECMTRECV: 0,0,"dev/cmd","{\"set\":%d}"`, seq%1000)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
