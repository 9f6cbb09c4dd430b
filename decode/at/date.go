package at

import (
	"fmt"
	"time"
)

// Where a time-only log's date comes from (Options.DateSource,
// Log.TimeSource), in the order DatePolicy tries them.
const (
	DateFromFlag    = "--date"
	DateFromCapture = "capture"
	DateFromMtime   = "file mtime"
)

// DatePolicy is the one rule for dating a log that stamps only the time of
// day: the date the user gave (YYYY-MM-DD), else the capture's first
// frame, else the log file's modification time. Zero values are skipped.
// It fills opts.Date and opts.DateSource; the error names a malformed
// flag.
func DatePolicy(opts *Options, flag string, captureStart, modTime time.Time) error {
	switch {
	case flag != "":
		d, err := time.ParseInLocation("2006-01-02", flag, time.Local)
		if err != nil {
			return fmt.Errorf("--date %q: want YYYY-MM-DD", flag)
		}
		opts.Date, opts.DateSource = d, DateFromFlag
	case !captureStart.IsZero():
		opts.Date, opts.DateSource = captureStart.In(time.Local), DateFromCapture
	case !modTime.IsZero():
		opts.Date, opts.DateSource = modTime, DateFromMtime
	}
	return nil
}

// DateNote is the line that tells the user a log was dated by the policy
// ("" when the log carried its own dates or none were needed).
func DateNote(path string, log *Log, date time.Time) string {
	what := map[string]string{
		DateFromFlag:    "--date",
		DateFromCapture: "the capture's first frame",
		DateFromMtime:   "the file's modification time",
	}[log.TimeSource]
	if what == "" {
		return ""
	}
	return fmt.Sprintf("%s stamps only the time of day; dates from %s (%s)", path, what, date.Format("2006-01-02"))
}
