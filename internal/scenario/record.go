package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// Expected is a sample's expected.json: what atmq analyze must report.
type Expected struct {
	Findings []string `json:"findings"`         // finding codes that must be present
	Absent   []string `json:"absent,omitempty"` // finding codes that must not be
	NoErrors bool     `json:"no_errors"`        // no error-severity finding allowed
	// ClockOffsetSeconds, when set, is the serial-minus-capture offset the
	// analysis must recover within ClockToleranceSeconds.
	ClockOffsetSeconds    *float64 `json:"clock_offset_seconds,omitempty"`
	ClockToleranceSeconds float64  `json:"clock_tolerance_seconds,omitempty"`
}

// CapturedPorts are the TCP ports the recorder captures: the broker's and
// the closed port of the tcp-refused scenario.
var CapturedPorts = []uint16{BrokerPort, ClosedPort, TLSPort}

// ClosedPort has no listener: opening it is refused with RST.
const ClosedPort = 1884

// Record runs sc against a fresh mosquitto on BrokerHost:BrokerPort and
// writes the sample folder dir: capture.pcapng, the serial log,
// expected.json and README.md. It needs root (capture on lo, port 1883).
func Record(ctx context.Context, sc Scenario, dir string, progress io.Writer) error {
	conf := sc.Broker
	conf.Listen, conf.Port = BrokerHost, BrokerPort
	opts := sc.Module
	var keys *keyLog
	if sc.TLS != nil {
		certDir, err := os.MkdirTemp("", "atmq-record-tls-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(certDir)
		if keys, err = setupTLS(sc.TLS, certDir, &conf, &opts); err != nil {
			return fmt.Errorf("%s: certificates: %w", sc.Name, err)
		}
	}
	broker, err := mosquittotest.StartProcess(conf)
	if err != nil {
		return fmt.Errorf("%s: start mosquitto: %w", sc.Name, err)
	}
	defer broker.Stop()

	// Network side: atmq's own capture on loopback.
	capCtx, stopCapture := context.WithCancel(ctx)
	defer stopCapture()
	ifc, err := capture.OpenInterface("lo", capture.CaptureOptions{Filter: capture.Filter{TCPPorts: CapturedPorts, DNS: true}})
	if err != nil {
		return fmt.Errorf("%s: capture on lo: %w", sc.Name, err)
	}
	var (
		framesMu sync.Mutex
		frames   []record.Frame
	)
	capDone := make(chan error, 1)
	go func() {
		capDone <- ifc.Run(capCtx, func(f record.Frame) {
			framesMu.Lock()
			frames = append(frames, f)
			framesMu.Unlock()
		})
	}()
	time.Sleep(200 * time.Millisecond) // let the socket start delivering

	// Serial side: the module taps every byte both ways.
	var (
		chunksMu sync.Mutex
		chunks   []record.SerialChunk
	)
	opts.LocalAddr = DeviceHost
	opts.Tap = func(c record.SerialChunk) {
		chunksMu.Lock()
		chunks = append(chunks, c)
		chunksMu.Unlock()
	}
	devErr := make(chan error, 1)
	devPTY, err := startModule(ctx, opts, devErr)
	if err != nil {
		return fmt.Errorf("%s: %w", sc.Name, err)
	}
	defer devPTY.Close()

	var others sync.WaitGroup
	for i, o := range sc.Others {
		others.Add(1)
		go func(i int, o Other) {
			defer others.Done()
			select {
			case <-time.After(o.Delay):
			case <-ctx.Done():
				return
			}
			if err := runOther(ctx, sc.Module.Dialect, o.Script); err != nil {
				fmt.Fprintf(progress, "%s: other client %d: %v\n", sc.Name, i+1, err)
			}
		}(i, o)
	}

	script, err := capture.ParseScript(strings.NewReader(sc.Script), sc.Name+".script")
	if err != nil {
		return err
	}
	err = capture.RunScript(ctx, capture.SerialConfig{Port: devPTY.Path}, script,
		capture.SerialSink{Chunk: func(record.SerialChunk) {}}, capture.ScriptOptions{Log: progress})
	if err != nil {
		return fmt.Errorf("%s: script: %w", sc.Name, err)
	}
	others.Wait()
	time.Sleep(sc.Settle + 300*time.Millisecond)
	stopCapture()
	if err := <-capDone; err != nil {
		return fmt.Errorf("%s: capture: %w", sc.Name, err)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	framesMu.Lock()
	defer framesMu.Unlock()
	if err := writePcapng(filepath.Join(dir, "capture.pcapng"), ifc.LinkType(), frames); err != nil {
		return err
	}
	if keys != nil && sc.TLS.KeysInCapture {
		if err := injectKeyLog(filepath.Join(dir, "capture.pcapng"), keys.Bytes()); err != nil {
			return err
		}
	}
	chunksMu.Lock()
	defer chunksMu.Unlock()
	sort.SliceStable(chunks, func(i, j int) bool { return chunks[i].Time.Before(chunks[j].Time) })
	if err := writeSerial(dir, sc, chunks); err != nil {
		return err
	}
	return writeMeta(dir, sc)
}

// startModule serves a simulated module on a fresh pseudo-terminal.
func startModule(ctx context.Context, opts modemsim.Options, done chan<- error) (*modemsim.PTY, error) {
	pty, err := modemsim.OpenPTY()
	if err != nil {
		return nil, err
	}
	m := modemsim.New(opts)
	go func() { done <- m.ServeContext(ctx, pty.Master) }()
	return pty, nil
}

// runOther plays a second client: a simulated module on OtherHost driven
// by its own script.
func runOther(ctx context.Context, dialect, text string) error {
	done := make(chan error, 1)
	pty, err := startModule(ctx, modemsim.Options{Dialect: dialect, Echo: true, LocalAddr: OtherHost}, done)
	if err != nil {
		return err
	}
	defer pty.Close()
	script, err := capture.ParseScript(strings.NewReader(text), "other.script")
	if err != nil {
		return err
	}
	return capture.RunScript(ctx, capture.SerialConfig{Port: pty.Path}, script,
		capture.SerialSink{Chunk: func(record.SerialChunk) {}}, capture.ScriptOptions{})
}

func writePcapng(path string, linkType int, frames []record.Frame) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := pcapgo.NewNgWriter(f, layers.LinkType(linkType))
	if err != nil {
		f.Close()
		return err
	}
	for _, fr := range frames {
		ci := gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: fr.OrigLen}
		if ci.Length < ci.CaptureLength {
			ci.Length = ci.CaptureLength
		}
		if err := w.WritePacket(ci, fr.Data); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SerialLogName is the serial log's file name for a log format.
func SerialLogName(format string) string {
	if format == LogAtmq || format == "" {
		return capture.SerialFileName
	}
	return "serial.log"
}

func writeSerial(dir string, sc Scenario, chunks []record.SerialChunk) error {
	f, err := os.Create(filepath.Join(dir, SerialLogName(sc.LogFormat)))
	if err != nil {
		return err
	}
	switch sc.LogFormat {
	case LogSSCOM:
		loc := sc.SSCOMZone
		if loc == nil {
			loc = time.UTC
		}
		err = WriteSSCOM(f, chunks, loc)
	case LogRaw:
		err = WriteRaw(f, chunks)
	default:
		err = WriteAtmq(f, chunks)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeMeta(dir string, sc Scenario) error {
	exp := sc.expected()
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "expected.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var r strings.Builder
	fmt.Fprintf(&r, "# %s\n\n%s\n\n%s\n\n", sc.Name, sc.Title, sc.Description)
	fmt.Fprintf(&r, "Files: `capture.pcapng` (broker side, captured on loopback by atmq's own capture; device %s, broker %s:%d", DeviceHost, BrokerHost, sc.brokerPort())
	if len(sc.Others) > 0 {
		fmt.Fprintf(&r, ", other clients %s", OtherHost)
	}
	fmt.Fprintf(&r, "), `%s` (%s), `expected.json` (what `atmq analyze` must report).\n\n", SerialLogName(sc.LogFormat), logFormatWords(sc))
	if sc.TLS != nil {
		fmt.Fprintf(&r, "The broker is a mosquitto TLS listener on %d; the CA, server and client certificates were made for the recording (internal/tlstest) and are not kept.", TLSPort)
		if sc.TLS.KeysInCapture {
			r.WriteString(" The module's NSS key log is in the capture as a Decryption Secrets Block (as `editcap --inject-secrets tls,KEYLOG` writes it).")
		}
		r.WriteString("\n\n")
	}
	fmt.Fprintf(&r, "Recorded with a simulated %s module (internal/modemsim) against mosquitto by `go test ./internal/scenario -run TestRecord -record` (see pcaps/README.md).\n\n", strings.ToUpper(sc.Module.Dialect))
	fmt.Fprintf(&r, "```sh\ngo run ./cmd/atmq analyze pcaps/%s\n```\n\nThe host's script:\n\n```\n%s```\n", sc.Name, sc.Script)
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(r.String()), 0o644)
}

// brokerPort is the port the sample's broker listens on.
func (sc Scenario) brokerPort() int {
	if sc.TLS != nil {
		return TLSPort
	}
	return BrokerPort
}

func logFormatWords(sc Scenario) string {
	switch sc.LogFormat {
	case LogSSCOM:
		zone := "UTC"
		if sc.SSCOMZone != nil {
			zone = sc.SSCOMZone.String()
		}
		return "an SSCOM log with time-only stamps in " + zone
	case LogRaw:
		return "a raw terminal log: module output only, no timestamps"
	}
	return "atmq's own serial recording"
}

func (sc Scenario) expected() Expected {
	e := Expected{Findings: sc.Expected, Absent: sc.Absent, NoErrors: sc.NoErrors}
	if e.Findings == nil {
		e.Findings = []string{}
	}
	if sc.LogFormat == LogSSCOM && sc.SSCOMZone != nil {
		_, off := time.Now().In(sc.SSCOMZone).Zone()
		s := float64(off)
		e.ClockOffsetSeconds = &s
		e.ClockToleranceSeconds = 2
	}
	return e
}
