// Command genatmq writes a synthetic serial log in atmq's own format
// (serial.atmq) for the analyze benchmark (bench/session.sh): an ECMT
// module that opens, connects and then publishes at QoS 1, one command
// every 50 ms, each answered with OK and its result URC (every 97th
// publish refused), until the log has the number of lines asked for.
//
//	go run ./bench/genatmq LINES > serial.atmq
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/atmq/atmq/decode/record"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genatmq LINES > serial.atmq")
		os.Exit(2)
	}
	lines, err := strconv.Atoi(os.Args[1])
	if err != nil || lines < 10 {
		fmt.Fprintln(os.Stderr, "genatmq: LINES must be a number of at least 10")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	start := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	n := 1
	w.WriteString("# atmq-serial v1\n")
	var buf []byte
	emit := func(at time.Duration, dir record.Direction, text string) {
		n++
		buf = record.AppendSerialRecord(buf[:0], record.SerialChunk{Dir: dir, Time: start.Add(at), Data: []byte(text)})
		w.Write(buf)
	}
	emit(0, record.DirHostToModule, "AT+ECMTOPEN=0,\"10.0.0.1\",1883\r")
	emit(time.Millisecond, record.DirModuleToHost, "\r\nOK\r\n")
	emit(20*time.Millisecond, record.DirModuleToHost, "\r\n+ECMTOPEN: 0,0\r\n")
	emit(100*time.Millisecond, record.DirHostToModule, "AT+ECMTCONN=0,\"dev1\",\"user\",\"pass\"\r")
	emit(101*time.Millisecond, record.DirModuleToHost, "\r\nOK\r\n")
	emit(130*time.Millisecond, record.DirModuleToHost, "\r\n+ECMTCONN: 0,0,0\r\n")
	for k := 0; n+3 <= lines; k++ {
		at := time.Second + time.Duration(k)*50*time.Millisecond
		id := k%65535 + 1
		result := 0
		if k%97 == 96 {
			result = 2
		}
		emit(at, record.DirHostToModule, fmt.Sprintf("AT+ECMTPUB=0,%d,1,0,\"dev1/up\",\"seq-%d\"\r", id, k))
		emit(at+time.Millisecond, record.DirModuleToHost, "\r\nOK\r\n")
		emit(at+10*time.Millisecond, record.DirModuleToHost, fmt.Sprintf("\r\n+ECMTPUB: 0,%d,%d\r\n", id, result))
	}
}
