package correlate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// groupFindings merges findings that say the same thing about different
// lines (same code, severity and summary: one cause), so a log repeating
// one mistake gives one finding listing every line instead of a wall of
// copies. The merged finding keeps the first one's line and explanation,
// names the other lines in its summary and takes every frame. findings
// must be sorted (sortedFindings); their order is kept.
func groupFindings(findings []Finding) []Finding {
	type key struct{ code, severity, summary string }
	at := map[key]int{}
	var out []Finding
	var lines [][]int
	var fixes [][]string
	for _, f := range findings {
		k := key{f.Code, f.Severity.String(), f.Summary}
		i, seen := at[k]
		if !seen || f.Line == 0 {
			at[k] = len(out)
			out = append(out, f)
			lines = append(lines, []int{f.Line})
			fixes = append(fixes, []string{f.Fix})
			continue
		}
		lines[i] = append(lines[i], f.Line)
		fixes[i] = append(fixes[i], f.Fix)
		out[i].Frames = mergeFrames(out[i].Frames, f.Frames)
	}
	for i := range out {
		if len(lines[i]) < 2 {
			continue
		}
		others := make([]string, 0, len(lines[i])-1)
		for _, l := range lines[i][1:] {
			others = append(others, strconv.Itoa(l))
		}
		out[i].Lines = append([]int(nil), lines[i]...)
		word := "line"
		if len(others) > 1 {
			word = "lines"
		}
		out[i].Summary += fmt.Sprintf(" (%d times: also on %s %s)", len(lines[i]), word, strings.Join(others, ", "))
		if !allSame(fixes[i]) {
			out[i].Fix += fmt.Sprintf(" (for line %d; correct lines %s the same way)", lines[i][0], strings.Join(others, ", "))
		}
	}
	return out
}

func allSame(ss []string) bool {
	for _, s := range ss[1:] {
		if s != ss[0] {
			return false
		}
	}
	return true
}

// mergeFrames returns the sorted union of two frame lists.
func mergeFrames(a, b []int) []int {
	if len(b) == 0 {
		return a
	}
	seen := map[int]bool{}
	var out []int
	for _, f := range append(append([]int(nil), a...), b...) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Ints(out)
	return out
}
