package at

import (
	"bytes"
	"errors"

	"github.com/atmq/atmq/decode/record"
)

// detectBytes is how much of the start of a log detection looks at.
const detectBytes = 64 << 10

// detectFormat guesses a log's format from its first bytes: the most
// specific shape that shows up wins; raw is the fallback.
func detectFormat(head []byte) string {
	lines := bytes.Split(head, []byte{'\n'})
	if len(lines) > 1 && len(head) == detectBytes {
		lines = lines[:len(lines)-1] // the last one may be cut
	}
	var atmqOK, atmqBad, sscom, socat, jpn, putty, arrows, hostlib, stamped, icty, slsnif, text int
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			continue
		}
		if bytes.Equal(l, []byte(record.SerialRecordingHeader)) {
			return "atmq"
		}
		if l[0] == '#' {
			continue // comments (atmq-serial; provenance notes on saved logs)
		}
		text++
		if _, err := record.ParseSerialRecord(l, 1); err == nil {
			atmqOK++
		} else if !errors.Is(err, record.ErrNotRecord) {
			atmqBad++
		}
		if _, _, _, _, ok := sscomHeader(l); ok {
			sscom++
		}
		if _, _, _, ok := socatHeader(l); ok {
			socat++
		}
		if _, _, ok := jpnHeader(l); ok {
			jpn++
		}
		if bytes.HasPrefix(l, puttyHeader) {
			putty++
		}
		if bytes.HasPrefix(l, arrowTX) || bytes.HasPrefix(l, arrowRX) {
			arrows++
		}
		if bytes.Contains(l, []byte("'response': [")) || bytes.Contains(l, []byte(`"response": [`)) {
			hostlib++
		}
		if _, ok := lineStamp(l); ok {
			stamped++
		}
		if _, _, ok := intercepttyLine(l); ok {
			icty++
		}
		if bytes.HasPrefix(l, slsnifHost) || bytes.HasPrefix(l, slsnifDevice) {
			slsnif++
		}
	}
	switch {
	case atmqOK > 0 && atmqBad == 0:
		return "atmq"
	case sscom > 0:
		return "sscom"
	case jpn > 0:
		return "jpnevulator"
	case socat > 0:
		return "socat"
	case putty > 0:
		return "putty"
	case arrows > 1:
		return "arrows"
	case hostlib > 0:
		return "hostlib"
	case slsnif > 0:
		return "slsnif"
	case icty > 1 && icty*2 >= text:
		return "interceptty"
	case stamped > 0 && stamped*3 >= text:
		return "stamped"
	}
	return "raw"
}
