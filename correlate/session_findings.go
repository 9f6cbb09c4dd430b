package correlate

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Bounds on the findings a session remembers once their lines are
// settled: a module repeating one mistake for hours gives one finding
// whose line list is cut (the count stays right), and a session of
// endless distinct findings keeps the first ones.
const (
	maxSettledFindings = 10000
	maxFindingLines    = 1000
	maxFindingFrames   = 1000
)

// findingsAcc remembers the findings about settled items, merged as
// groupFindings merges them: one per code, severity and summary.
type findingsAcc struct {
	groups map[findingKey]*findingGroup
	order  []findingKey
	n      int // findings added
	// left counts the distinct findings past maxSettledFindings.
	left int
}

type findingKey struct {
	code, summary string
	severity      Severity
	frame         int // first frame, for findings about no line
}

type findingGroup struct {
	f          Finding // the first one's explanation, fix, CONNACK code
	lines      []int   // ascending, at most maxFindingLines
	more       int     // lines past the bound
	frames     []int   // ascending, at most maxFindingFrames
	fixDiffers bool
}

// ungroup undoes groupFindings' wording: the finding as one line says it,
// the lines it stands for and whether their fixes differ.
func ungroup(f Finding) (base Finding, lines []int, fixDiffers bool) {
	base = f
	lines = []int{f.Line}
	if len(f.Lines) < 2 {
		return base, lines, false
	}
	lines = f.Lines
	others := make([]string, 0, len(f.Lines)-1)
	for _, l := range f.Lines[1:] {
		others = append(others, strconv.Itoa(l))
	}
	word := "line"
	if len(others) > 1 {
		word = "lines"
	}
	base.Summary = strings.TrimSuffix(f.Summary, fmt.Sprintf(" (%d times: also on %s %s)", len(f.Lines), word, strings.Join(others, ", ")))
	suffix := fmt.Sprintf(" (for line %d; correct lines %s the same way)", f.Lines[0], strings.Join(others, ", "))
	if strings.HasSuffix(f.Fix, suffix) {
		base.Fix = strings.TrimSuffix(f.Fix, suffix)
		fixDiffers = true
	}
	base.Lines = nil
	return base, lines, fixDiffers
}

func keyOf(f Finding) findingKey {
	k := findingKey{code: f.Code, severity: f.Severity, summary: f.Summary}
	if f.Line == 0 {
		k.frame = firstFrame(f.Frames)
	}
	return k
}

// add remembers f; false when it told nothing new.
func (a *findingsAcc) add(f Finding) bool {
	if a.groups == nil {
		a.groups = map[findingKey]*findingGroup{}
	}
	base, lines, differs := ungroup(f)
	k := keyOf(base)
	g, ok := a.groups[k]
	if !ok {
		if len(a.groups) >= maxSettledFindings {
			a.left++
			return false
		}
		g = &findingGroup{f: base}
		a.groups[k] = g
		a.order = append(a.order, k)
	}
	a.n++
	return g.merge(base, lines, differs) || !ok
}

// merge adds lines and frames to g; false when it had them all.
func (g *findingGroup) merge(f Finding, lines []int, fixDiffers bool) bool {
	changed := false
	if fixDiffers && !g.fixDiffers || f.Fix != g.f.Fix && !g.fixDiffers {
		g.fixDiffers, changed = true, true
	}
	for _, l := range lines {
		if l == 0 {
			continue
		}
		i, found := slices.BinarySearch(g.lines, l)
		if found {
			continue
		}
		changed = true
		if len(g.lines) >= maxFindingLines {
			if i == len(g.lines) {
				g.more++
			}
			continue
		}
		g.lines = slices.Insert(g.lines, i, l)
	}
	for _, fr := range f.Frames {
		i, found := slices.BinarySearch(g.frames, fr)
		if found || len(g.frames) >= maxFindingFrames {
			continue
		}
		changed = true
		g.frames = slices.Insert(g.frames, i, fr)
	}
	return changed
}

// merge returns the remembered findings merged with a window's (already
// grouped) findings; the window's alone when nothing is remembered.
func (a *findingsAcc) merge(window []Finding) []Finding {
	if len(a.groups) == 0 {
		return window
	}
	left := a.left
	groups := make(map[findingKey]*findingGroup, len(a.groups)+len(window))
	order := append([]findingKey(nil), a.order...)
	for k, g := range a.groups {
		c := *g
		c.lines = slices.Clone(g.lines)
		c.frames = slices.Clone(g.frames)
		groups[k] = &c
	}
	for _, f := range window {
		base, lines, differs := ungroup(f)
		k := keyOf(base)
		g, ok := groups[k]
		if !ok {
			if len(groups) >= maxSettledFindings {
				left++
				continue
			}
			g = &findingGroup{f: base}
			groups[k] = g
			order = append(order, k)
		}
		g.merge(base, lines, differs)
	}
	if left > 0 {
		k := findingKey{code: "findings-not-listed", severity: SeverityInfo}
		groups[k] = &findingGroup{f: Finding{Code: k.code, Severity: k.severity,
			Summary: fmt.Sprintf("%d more findings are not listed: a session lists its first %d", left, maxSettledFindings),
			Fix:     "analyse a shorter part of the log (or fix the first ones and record again)"}}
		order = append(order, k)
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		out = append(out, groups[k].finding())
	}
	sort.SliceStable(out, func(i, j int) bool {
		fi, fj := out[i], out[j]
		if fi.Severity.rank() != fj.Severity.rank() {
			return fi.Severity.rank() < fj.Severity.rank()
		}
		if fi.Line != fj.Line {
			return fi.Line < fj.Line
		}
		return firstFrame(fi.Frames) < firstFrame(fj.Frames)
	})
	return out
}

// finding words a group as groupFindings does.
func (g *findingGroup) finding() Finding {
	f := g.f
	f.Frames = append([]int{}, g.frames...)
	if len(g.lines) > 0 {
		f.Line = g.lines[0]
	}
	count := len(g.lines) + g.more
	if count < 2 {
		return f
	}
	f.Lines = append([]int(nil), g.lines...)
	others := make([]string, 0, len(g.lines)-1)
	for _, l := range g.lines[1:] {
		others = append(others, strconv.Itoa(l))
	}
	list := strings.Join(others, ", ")
	if g.more > 0 {
		list += fmt.Sprintf(" and %d more", g.more)
	}
	word := "line"
	if count > 2 {
		word = "lines"
	}
	f.Summary += fmt.Sprintf(" (%d times: also on %s %s)", count, word, list)
	if g.fixDiffers {
		f.Fix += fmt.Sprintf(" (for line %d; correct lines %s the same way)", f.Line, list)
	}
	return f
}
