package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atmq/atmq/capture"
	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// The inputs of analyze, report and export: one way to check the flags,
// find a session folder's files and decode them, so the three commands
// read the same input the same way (and give the same verdict on input
// they cannot read).

// inputOptions checks the flags every input-reading command shares and
// converts the correlation ones.
func inputOptions(o analyzeOptions) (correlate.Options, error) {
	copts, err := correlateOptions(o)
	if err != nil {
		return copts, err
	}
	if err := checkReorderLimit(o.ReorderLimit); err != nil {
		return copts, err
	}
	if o.Dialect != "" && at.LookupDialect(o.Dialect) == nil {
		return copts, fmt.Errorf("--dialect %q: known dialects are %s", o.Dialect, strings.Join(at.Dialects(), ", "))
	}
	if o.SerialFormat != "" && !knownFormat(o.SerialFormat) {
		return copts, fmt.Errorf("--serial-format %q: known formats are %s", o.SerialFormat, strings.Join(at.Formats(), ", "))
	}
	return copts, nil
}

// inputFiles resolves the serial log and capture: --serial/--pcap, else
// the session folder's. verb names the command in the error when there is
// nothing to read.
func inputFiles(o analyzeOptions, verb string) (serial, pcap string, err error) {
	serial, pcap = o.Serial, o.Pcap
	if o.Dir != "" {
		ds, dp, err := capture.FindSessionFiles(o.Dir)
		if err != nil {
			return "", "", err
		}
		if serial == "" {
			serial = ds
		}
		if pcap == "" {
			pcap = dp
		}
	}
	if serial == "" && pcap == "" {
		return "", "", fmt.Errorf("nothing to %s: give DIR, --serial LOG and/or --pcap CAPTURE", verb)
	}
	return serial, pcap, nil
}

// decodedInputs are a session's inputs decoded whole.
type decodedInputs struct {
	log        *at.Log // nil without a serial log
	recs       []netcap.Record
	firstFrame time.Time           // the capture's first frame; zero without one
	skipped    []correlate.Skipped // input that could not be read
}

// decodeInputs reads the capture's first frame (it dates a time-only log),
// then the log (its open commands name the broker port), then the capture
// into a collector keeping what the analysis reads. Input atmq did not
// understand is an error (exit 2), never an empty analysis.
func decodeInputs(o analyzeOptions, copts correlate.Options, serial string, captures []string, stderr io.Writer) (*decodedInputs, error) {
	var in decodedInputs
	var err error
	if len(captures) > 0 {
		if in.firstFrame, err = captureStart(captures); err != nil {
			return nil, err
		}
	}
	if serial != "" {
		if in.log, err = readSerial(serial, o, in.firstFrame, stderr); err != nil {
			return nil, err
		}
		if err := serialVerdict(serial, in.log, "--serial-format"); err != nil {
			return nil, err
		}
		in.skipped = logSkipped(serial, in.log)
	}
	if len(captures) > 0 {
		recs, more, err := decodeCaptures(o, copts, in.log, captures, stderr)
		if err != nil {
			return nil, err
		}
		in.recs, in.skipped = recs, append(in.skipped, more...)
	}
	return &in, nil
}

// decodeCaptures decodes the captures (several as one stream in time
// order) into a collector keeping what the analysis of log can use. A
// capture with nothing usable is an error when there is no log; with a
// log it is said on stderr and the log's view stands.
func decodeCaptures(o analyzeOptions, copts correlate.Options, log *at.Log, captures []string, stderr io.Writer) ([]netcap.Record, []correlate.Skipped, error) {
	keys, err := loadTLSKeylog(o.TLSKeylog)
	if err != nil {
		return nil, nil, err
	}
	opts := netcap.Options{Ports: mqttPorts(o.Ports, log), ReorderLimit: o.ReorderLimit, TLSKeys: keys}
	recs, frames, skipped, err := readCapture(captures, opts, correlate.NewCollector(log, copts), stderr)
	if err != nil {
		return nil, nil, err
	}
	if err := captureVerdict(captureLabel(captures), frames, recs, opts.Ports, log != nil); err != nil {
		if log == nil {
			return nil, nil, err
		}
		fmt.Fprintf(stderr, "atmq: %v\n", err)
	}
	return recs, skipped, nil
}
