package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
)

// openLogFile opens a log file to read to its end: regular files and
// pipes. Devices (/dev/zero, a serial port) and sockets never end, so they
// are refused with a hint, also behind a symbolic link.
func openLogFile(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	switch m := st.Mode(); {
	case m.IsRegular(), m&os.ModeNamedPipe != 0:
		return f, nil
	case m&os.ModeCharDevice != 0:
		f.Close()
		return nil, fmt.Errorf("%s is a character device, not a log file: it never ends (to read a serial port use atmq live)", path)
	default:
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s): atmq reads log files and pipes", path, m.Type())
	}
}

// logSkipped lists a serial log's damage as the analysis's skipped input.
func logSkipped(path string, log *at.Log) []correlate.Skipped {
	var out []correlate.Skipped
	for _, s := range log.Skipped {
		k := correlate.Skipped{File: path, Kind: correlate.SkippedDamaged, Line: s.Line, What: s.What}
		if s.Offset >= 0 {
			off := s.Offset
			k.Offset = &off
		}
		out = append(out, k)
	}
	if n := log.Damaged - len(log.Skipped); n > 0 {
		out = append(out, correlate.Skipped{File: path, Kind: correlate.SkippedDamaged, What: fmt.Sprintf("%d more damaged parts not listed", n)})
	}
	return out
}

// captureSkipped lists a capture's damage and unsupported frames as the
// analysis's skipped input.
func captureSkipped(path string, damaged *netcap.DamagedError, st netcap.Stats) []correlate.Skipped {
	var out []correlate.Skipped
	if damaged != nil {
		if damaged.File != "" {
			path = damaged.File // one of several captures
		}
		off := damaged.Offset
		what := damaged.Error()
		if d := fmt.Sprintf("%s: frame %d at byte offset %d: ", damaged.File, damaged.Frame, damaged.Offset); len(what) > len(d) && what[:len(d)] == d {
			what = what[len(d):]
		}
		what += "; the rest of the file was not read"
		if errors.Is(damaged.Err, io.ErrUnexpectedEOF) {
			what += fmt.Sprintf("; `truncate -s %d %s` cuts the file to its whole records for other tools", damaged.Offset, path)
		}
		out = append(out, correlate.Skipped{File: path, Kind: correlate.SkippedDamaged, Frame: damaged.Frame, Offset: &off, What: what})
	}
	types := make([]int, 0, len(st.UnsupportedLink))
	for lt := range st.UnsupportedLink {
		types = append(types, lt)
	}
	sort.Ints(types)
	for _, lt := range types {
		out = append(out, correlate.Skipped{File: path, Kind: correlate.SkippedUnsupported, Count: st.UnsupportedLink[lt],
			What: fmt.Sprintf("frames of unsupported link type %d", lt)})
	}
	return out
}
