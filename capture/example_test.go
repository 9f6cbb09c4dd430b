package capture_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/decode/record"
)

// Example_live shows how `atmq live` wires the pieces: one clock, one
// session folder, a serial source and a network source feeding both the
// recorder and the live decoders, and Ctrl-C/SIGTERM closing everything.
func Example_live() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	clock := time.Now
	start := clock()
	serialCfg := capture.SerialConfig{Port: "/dev/ttyUSB0", Baud: 115200}
	filter := capture.DefaultFilter()
	sess, err := capture.NewSession(capture.DefaultSessionDir(start), capture.SessionOptions{
		Start: start, Interface: "lo", Filter: filter.String(),
		Serial: []capture.SerialInfo{capture.NewSerialInfo("proxy", serialCfg)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sess.Close() // idempotent: the signal path may have closed it already

	net, err := capture.OpenInterface("lo", capture.CaptureOptions{Filter: filter})
	if err != nil {
		fmt.Println(err) // says how to get capture privileges when missing
		return
	}
	go net.Run(ctx, func(f record.Frame) {
		sess.Frame(f)
		// … and feed the network decoder
	})

	px, err := capture.StartProxy(ctx, serialCfg, capture.SerialSink{
		Clock:  clock,
		Chunk:  func(c record.SerialChunk) { sess.SerialChunk(c) /* … and feed the AT decoder */ },
		Status: func(s capture.Status) { fmt.Fprintln(os.Stderr, "atmq:", s) },
	}, capture.ProxyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("open", px.Path, "in your terminal program")
	px.Wait() // returns after Ctrl-C / SIGTERM
	if err := sess.Close(); err != nil {
		fmt.Println(err)
	}
}
