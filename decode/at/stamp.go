package at

import "time"

// Timestamp prefixes of terminal logs, parsed by hand (no regexp: these
// run on every line of large logs).

type stamp struct {
	hasDate      bool
	y, mo, d     int
	h, mi, s, ns int
	n            int // bytes consumed, including brackets and one separator space
}

func digits(b []byte, i, n int) (int, bool) {
	if i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// clockAt parses HH:MM:SS[.frac] (frac 1–9 digits, '.' or ':' or ',') at i.
func clockAt(b []byte, i int, st *stamp) (int, bool) {
	var ok1, ok2, ok3 bool
	st.h, ok1 = digits(b, i, 2)
	if !ok1 || i+2 >= len(b) || b[i+2] != ':' {
		return 0, false
	}
	st.mi, ok2 = digits(b, i+3, 2)
	if !ok2 || i+5 >= len(b) || b[i+5] != ':' {
		return 0, false
	}
	st.s, ok3 = digits(b, i+6, 2)
	if !ok3 || st.h > 23 || st.mi > 59 || st.s > 60 {
		return 0, false
	}
	j := i + 8
	if j < len(b) && (b[j] == '.' || b[j] == ',' || b[j] == ':') {
		k := j + 1
		frac, nd := 0, 0
		for k < len(b) && b[k] >= '0' && b[k] <= '9' && nd < 9 {
			frac = frac*10 + int(b[k]-'0')
			k++
			nd++
		}
		if nd == 0 {
			return 0, false
		}
		for ; nd < 9; nd++ {
			frac *= 10
		}
		st.ns = frac
		j = k
	}
	return j, true
}

// dateAt parses YYYY-MM-DD or YYYY/MM/DD at i.
func dateAt(b []byte, i int, st *stamp) (int, bool) {
	var ok bool
	if st.y, ok = digits(b, i, 4); !ok || i+4 >= len(b) || (b[i+4] != '-' && b[i+4] != '/') {
		return 0, false
	}
	if st.mo, ok = digits(b, i+5, 2); !ok || i+7 >= len(b) || b[i+7] != b[i+4] {
		return 0, false
	}
	if st.d, ok = digits(b, i+8, 2); !ok || st.mo < 1 || st.mo > 12 || st.d < 1 || st.d > 31 {
		return 0, false
	}
	st.hasDate = true
	return i + 10, true
}

var monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// bracketStamp parses "[...] " at the start of b: [HH:MM:SS.mmm],
// [YYYY-MM-DD HH:MM:SS.mmm] (Tera Term ≥4.96), [YYYY-MM-DDTHH:MM:SS.mmm]
// (tio iso8601), [YYYY-MM-DD_HH:MM:SS.mmm] (EC626 report, QCOM-style),
// [Thu Nov 26 04:32:23.079 2026] (Tera Term <4.96). One space after ']'
// is consumed when present.
func bracketStamp(b []byte) (stamp, bool) {
	var st stamp
	if len(b) < 10 || b[0] != '[' {
		return st, false
	}
	j, ok := clockAt(b, 1, &st)
	if !ok {
		var k int
		if k, ok = dateAt(b, 1, &st); ok && k < len(b) && (b[k] == ' ' || b[k] == 'T' || b[k] == '_') {
			j, ok = clockAt(b, k+1, &st)
		} else {
			ok = false
		}
		if !ok {
			j, ok = ctimeAt(b, 1, &st)
		}
	}
	if !ok || j >= len(b) || b[j] != ']' {
		return st, false
	}
	j++
	if j < len(b) && b[j] == ' ' {
		j++
	}
	st.n = j
	return st, true
}

// ctimeAt parses "Thu Nov 26 04:32:23.079 2026" (day of month may be
// space-padded, %e).
func ctimeAt(b []byte, i int, st *stamp) (int, bool) {
	if i+24 > len(b) || b[i+3] != ' ' || b[i+7] != ' ' {
		return 0, false
	}
	mo := 0
	for k, m := range monthNames {
		if string(b[i+4:i+7]) == m {
			mo = k + 1
		}
	}
	if mo == 0 {
		return 0, false
	}
	k := i + 8
	if b[k] == ' ' {
		k++
	}
	d := 0
	for k < len(b) && b[k] >= '0' && b[k] <= '9' {
		d = d*10 + int(b[k]-'0')
		k++
	}
	if d < 1 || d > 31 || k >= len(b) || b[k] != ' ' {
		return 0, false
	}
	j, ok := clockAt(b, k+1, st)
	if !ok || j >= len(b) || b[j] != ' ' {
		return 0, false
	}
	y, ok := digits(b, j+1, 4)
	if !ok {
		return 0, false
	}
	st.y, st.mo, st.d, st.hasDate = y, mo, d, true
	return j + 5, true
}

// arrowStamp parses the Arduino IDE serial monitor's "HH:MM:SS.mmm -> ".
func arrowStamp(b []byte) (stamp, bool) {
	var st stamp
	j, ok := clockAt(b, 0, &st)
	if !ok || j+3 > len(b) || string(b[j:j+3]) != " ->" {
		return st, false
	}
	j += 3
	if j < len(b) && b[j] == ' ' {
		j++
	}
	st.n = j
	return st, true
}

func (c *clock) at(st stamp) time.Time {
	if st.hasDate {
		return c.full(st.y, st.mo, st.d, st.h, st.mi, st.s, st.ns)
	}
	return c.timeOfDay(st.h, st.mi, st.s, st.ns)
}

// bareStamp parses a stamp without brackets followed by white space, as
// loggers print them: "2024-05-30 09:23:05,315 " (Python logging,
// atlogs/33), "2026-03-11T11:33:59.299 ", "06:37:04.740 " (host-library
// debug output, atlogs/28). White space after it is consumed.
func bareStamp(b []byte) (stamp, bool) {
	var st stamp
	j, ok := clockAt(b, 0, &st)
	if !ok {
		var k int
		if k, ok = dateAt(b, 0, &st); !ok || k >= len(b) || (b[k] != ' ' && b[k] != 'T' && b[k] != '_') {
			return st, false
		}
		if j, ok = clockAt(b, k+1, &st); !ok {
			return st, false
		}
	}
	if j >= len(b) || (b[j] != ' ' && b[j] != '\t') {
		return st, false
	}
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	st.n = j
	return st, true
}
