package correlate

import "strings"

// A session often holds its own fix: the user retyped the command that
// had typographic quotes, or reconnected with the credentials, and the
// retry worked. The first attempt's error is still shown (it explains
// the failure the user saw) but marked with the line that resolved it, and
// it no longer fails the run.

// resolvableOps are the operations whose later success undoes an earlier
// failure; a refused publish or subscribe is resolved only by the same
// kind of command succeeding later.
var resolvableOps = map[string]bool{
	"configure": true, "open": true, "connect": true, "subscribe": true,
	"unsubscribe": true, "publish": true, "disconnect": true, "close": true,
}

// markResolved sets ResolvedByLine on error findings about a command that
// a later command of the same name and operation did successfully: the
// module reports it ok (its final and result URC, as its dialect reads
// them) and, when the capture shows it, the broker did not refuse it.
func markResolved(res *Result) {
	byLine := map[int]int{}
	for i, t := range res.Transactions {
		byLine[t.Line] = i
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		if f.Severity != SeverityError || f.Line == 0 {
			continue
		}
		ti, ok := byLine[f.Line]
		if !ok {
			continue
		}
		failed := res.Transactions[ti]
		if !resolvableOps[failed.Op] || failed.Outcome == "ok" {
			continue
		}
		if by := laterSuccess(res, ti, failed); by > 0 {
			f.ResolvedByLine = by
		}
	}
	markResolvedStatus(res)
}

// laterSuccess finds the first later transaction that did what the failed
// one tried, with no failure of the same command after it.
func laterSuccess(res *Result, ti int, failed Transaction) int {
	name := commandName(failed.Command)
	by := 0
	for _, t := range res.Transactions[ti+1:] {
		if t.Op != failed.Op || commandName(t.Command) != name {
			continue
		}
		switch {
		case t.Outcome == "ok" && !refusedOnWire(res, t):
			if by == 0 {
				by = t.Line
			}
		case t.Outcome == "failed":
			by = 0 // failed again after: the last attempt decides
		}
	}
	return by
}

// refusedOnWire says an error finding stands on the later command itself.
func refusedOnWire(res *Result, t Transaction) bool {
	for _, f := range res.Findings {
		if f.Line == t.Line && f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// commandName is the command's name up to its arguments ("AT+QMTCONN").
func commandName(cmd string) string {
	if i := strings.IndexAny(cmd, "=?"); i >= 0 {
		cmd = cmd[:i]
	}
	return strings.ToUpper(strings.TrimSpace(cmd))
}

// markResolvedStatus sets ResolvedByLine on error findings about a status
// URC (the connection was lost) when a later connect of the session was
// accepted: the device reconnected, as the log shows.
func markResolvedStatus(res *Result) {
	status := map[int]bool{}
	for _, e := range res.Events {
		if e.Op == "status" {
			status[e.Line] = true
		}
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		if f.Severity != SeverityError || f.Line == 0 || !status[f.Line] || f.ResolvedByLine != 0 {
			continue
		}
		for _, t := range res.Transactions {
			if t.Line > f.Line && t.Op == "connect" && t.Outcome == "ok" && !refusedOnWire(res, t) {
				f.ResolvedByLine = t.Line
				break
			}
		}
	}
}
