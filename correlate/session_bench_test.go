package correlate

import (
	"bufio"
	"flag"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
)

var (
	benchSessionLength = flag.Duration("session.length", 2*time.Hour, "BenchmarkSessionLive: simulated session length")
	benchSessionTick   = flag.Duration("session.tick", 500*time.Millisecond, "BenchmarkSessionLive: how often the view asks for the result")
)

// BenchmarkSessionLive plays a live session through the Session API as
// `atmq live` drives it: a module publishing 20 messages/s at QoS 1 (its
// AT commands as serial chunks, its PUBLISH/PUBACK as records), 20 other
// clients publishing 40 messages/s on the same broker, a result asked for
// every -session.tick of session time, for -session.length (default two
// hours). It reports the CPU time per update in the first and the last
// ten minutes (flat when the cost follows the window, not the session)
// and the process's peak RSS. bench/session.sh runs it.
func BenchmarkSessionLive(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := NewSession(SessionOptions{Window: DefaultLiveWindow, LeaveOutOthers: true})
		if err != nil {
			b.Fatal(err)
		}
		length := benchSessionLength.Seconds()
		tenMin := min(600, length/2)
		var firstCPU, lastCPU time.Duration
		var firstN, lastN int
		prev := cpuTime()
		d := &simDevice{Rate: 20, BrokerRate: 40, Others: 20, FailEvery: 1000}
		d.run(length, s.AddSerial, s.AddRecord, benchSessionTick.Seconds(), func(at float64) {
			// Feeding the data is part of an update: count from the last one.
			s.Result()
			now := cpuTime()
			spent := now - prev
			prev = now
			switch {
			case at <= tenMin:
				firstCPU += spent
				firstN++
			case at > length-tenMin:
				lastCPU += spent
				lastN++
			}
		})
		if firstN == 0 || lastN == 0 {
			b.Fatalf("session too short for two ten-minute spans: %v", *benchSessionLength)
		}
		b.ReportMetric(float64(firstCPU.Microseconds())/float64(firstN), "µs-cpu/update-first10m")
		b.ReportMetric(float64(lastCPU.Microseconds())/float64(lastN), "µs-cpu/update-last10m")
		b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-rss")
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set in bytes (Linux: VmHWM; 0
// elsewhere).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

var benchLogLines = flag.Int("session.lines", 1000000, "BenchmarkSessionLongLog: lines of the serial log")

// BenchmarkSessionLongLog reads a serial log of -session.lines lines (an
// ECMT module publishing every 50 ms, every 97th publish refused; written
// through a pipe, never held whole) through a session that spills what
// it settles, as `atmq analyze --serial` does, and reports the CPU time
// per line and the process's peak RSS (issue: flat with the log's length).
func BenchmarkSessionLongLog(b *testing.B) {
	for i := 0; i < b.N; i++ {
		spill, err := NewSpill()
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewSession(SessionOptions{OnSettled: spill.Settled})
		if err != nil {
			b.Fatal(err)
		}
		r, w := io.Pipe()
		go func() {
			bw := bufio.NewWriterSize(w, 1<<20)
			bw.WriteString("# atmq-serial v1\n")
			var buf []byte
			lines := 1
			d := &simDevice{Rate: 20, FailEvery: 97}
			// The simulation runs far longer than needed; stop it by
			// closing the pipe once the log has its lines.
			d.run(float64(*benchLogLines)/60+10, func(c record.SerialChunk) {
				if lines >= *benchLogLines {
					return
				}
				lines++
				buf = record.AppendSerialRecord(buf[:0], c)
				bw.Write(buf)
			}, func(netcap.Record) {}, 0, nil)
			bw.Flush()
			w.Close()
		}()
		start := cpuTime()
		if _, err := s.ReadSerial(r, at.Options{}); err != nil {
			b.Fatal(err)
		}
		res := s.Close()
		spent := cpuTime() - start
		if len(res.Findings) == 0 {
			b.Fatal("no findings for the refused publishes")
		}
		spill.Close()
		b.ReportMetric(float64(spent.Nanoseconds())/float64(*benchLogLines)/1000, "µs-cpu/line")
		b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-rss")
	}
}
