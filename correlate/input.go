package correlate

// Skipped is input the analysis could not use, so its result may lack
// what was there: a damaged part of a file (a record cut or malformed, a
// line cut at 64 KiB or lost to a NUL byte, a read error) or frames of a
// kind atmq does not decode. `atmq analyze --json` lists them as "input";
// damage makes it exit 3.
type Skipped struct {
	File string `json:"file"`
	// Kind is SkippedDamaged or SkippedUnsupported.
	Kind   string `json:"kind"`
	Frame  int    `json:"frame,omitempty"`  // capture: the frame number the damaged record would have had
	Line   int    `json:"line,omitempty"`   // serial log: the line where the damage starts
	Offset *int64 `json:"offset,omitempty"` // byte offset in the file, when known
	Count  int    `json:"count,omitempty"`  // unsupported frames: how many
	What   string `json:"what"`
}

// Kinds of skipped input.
const (
	SkippedDamaged     = "damaged"
	SkippedUnsupported = "unsupported"
)

// Damaged reports whether the analysis had to skip damaged input.
func (r *Result) Damaged() bool {
	for _, s := range r.Input {
		if s.Kind == SkippedDamaged {
			return true
		}
	}
	return false
}
