package term

import (
	"io"
	"strings"
)

// Column describes one column of a Table.
type Column struct {
	Header string
	// Max caps the column's natural width (longer cells wrap); 0 = none.
	Max int
	// Min is the narrowest the column is squeezed to when the terminal is
	// narrow (at least 1).
	Min int
	// Weight is how much room the column keeps relative to the others
	// when the table is squeezed (0 counts as 1): a weight-3 column stays
	// about three times as wide as a weight-1 one.
	Weight int
}

// Style is how a table draws its frame.
type Style int

const (
	// Boxed draws "│ a │ b │" rows inside a box, as the report tables do.
	Boxed Style = iota
	// Plain separates columns by two spaces and underlines the header,
	// for long streamed listings.
	Plain
)

// Table writes rows one at a time with column widths fixed up front, so
// a listing of a million packets streams in constant memory. Cells are
// cleaned (no control characters) and wrapped inside their column; no
// line is ever wider than the Output's width when it has one.
type Table struct {
	w      io.Writer
	cols   []Column
	widths []int
	style  Style
	out    Output
	// Paint, when set, returns the style of a cell (see Paint); called
	// only when colour is on.
	Paint func(col int, cell string) string

	buf    []byte
	cells  [][]string // per column: the cell's wrapped lines (reused)
	opened bool
	err    error
}

// NewTable fixes the layout: natural[i] is the widest content column i
// will hold (capped by its Max); the widths are then fitted to out.Width.
func NewTable(w io.Writer, cols []Column, natural []int, style Style, out Output) *Table {
	t := &Table{w: w, cols: cols, style: style, out: out, cells: make([][]string, len(cols))}
	t.widths = make([]int, len(cols))
	for i, c := range cols {
		n := max(natural[i], Width(c.Header), 1)
		if c.Max > 0 && n > c.Max {
			n = max(c.Max, Width(c.Header))
		}
		t.widths[i] = n
	}
	if out.Width > 0 {
		if style == Boxed && len(cols)+t.overhead() > out.Width {
			// Not even one character a column fits in the box: drop
			// the frame rather than overflow.
			t.style = Plain
		}
		fit(t.widths, cols, out.Width-t.overhead())
	}
	return t
}

// NaturalWidths measures rows (already cleaned) for NewTable.
func NaturalWidths(ncols int, rows [][]string) []int {
	ws := make([]int, ncols)
	for _, r := range rows {
		for i, c := range r {
			if i < ncols {
				ws[i] = max(ws[i], Width(c))
			}
		}
	}
	return ws
}

func (t *Table) overhead() int {
	n := len(t.cols)
	if t.style == Boxed {
		return 3*n + 1 // "│ " + " │ "… + " │"
	}
	return 2 * (n - 1)
}

// fit narrows the widest column (by width over weight), one column at a
// time, until the widths add up to budget; columns keep their Min unless
// even the minimums do not fit, then everything goes down to one column.
func fit(ws []int, cols []Column, budget int) {
	total := 0
	for _, w := range ws {
		total += w
	}
	for _, floor := range []bool{true, false} {
		for total > budget {
			widest := -1
			for i, w := range ws {
				min := 1
				if floor {
					min = max(cols[i].Min, 1)
				}
				if w > min && (widest < 0 || w*weight(cols[widest]) > ws[widest]*weight(cols[i])) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			ws[widest]--
			total--
		}
	}
}

func weight(c Column) int { return max(c.Weight, 1) }

// Widths returns the fitted column widths.
func (t *Table) Widths() []int { return t.widths }

// Header draws the top of the table and the header row.
func (t *Table) Header() error {
	t.opened = true
	hs := make([]string, len(t.cols))
	for i, c := range t.cols {
		hs[i] = c.Header
	}
	if t.style == Boxed {
		t.rule('┌', '┬', '┐')
		t.row(hs, false)
		t.rule('├', '┼', '┤')
	} else {
		t.row(hs, false)
		n := t.overhead()
		for _, w := range t.widths {
			n += w
		}
		t.buf = append(t.buf[:0], strings.Repeat("─", n)...)
		t.buf = append(t.buf, '\n')
		t.write()
	}
	return t.err
}

// Row writes one row; cells are cleaned and wrapped to their columns.
func (t *Table) Row(cells ...string) error {
	t.row(cells, true)
	return t.err
}

// Close draws the bottom of a boxed table.
func (t *Table) Close() error {
	if t.opened && t.style == Boxed {
		t.rule('└', '┴', '┘')
	}
	return t.err
}

func (t *Table) rule(left, mid, right rune) {
	b := append(t.buf[:0], string(left)...)
	for i, w := range t.widths {
		if i > 0 {
			b = append(b, string(mid)...)
		}
		for range w + 2 {
			b = append(b, "─"...)
		}
	}
	b = append(b, string(right)...)
	t.buf = append(b, '\n')
	t.write()
}

func (t *Table) row(cells []string, paint bool) {
	if t.err != nil {
		return
	}
	height := 1
	for i := range t.cols {
		c := ""
		if i < len(cells) {
			c = Clean(cells[i])
		}
		if Width(c) <= t.widths[i] {
			// Most cells fit: no wrapping, no allocation.
			t.cells[i] = append(t.cells[i][:0], c)
		} else {
			t.cells[i] = Wrap(c, t.widths[i])
		}
		height = max(height, len(t.cells[i]))
	}
	// Plain rows end without trailing blanks: find the last column with
	// text on each line.
	for ln := range height {
		b := t.buf[:0]
		last := len(t.cols) - 1
		if t.style == Plain {
			for last > 0 && (ln >= len(t.cells[last]) || t.cells[last][ln] == "") {
				last--
			}
		}
		if t.style == Boxed {
			b = append(b, "│ "...)
		}
		for i := 0; i <= last; i++ {
			part := ""
			if ln < len(t.cells[i]) {
				part = t.cells[i][ln]
			}
			if i > 0 {
				if t.style == Boxed {
					b = append(b, " │ "...)
				} else {
					b = append(b, "  "...)
				}
			}
			pad := t.widths[i] - Width(part)
			if paint && t.out.Color && t.Paint != nil && part != "" {
				part = t.out.Paint(part, t.Paint(i, cells[i]))
			}
			b = append(b, part...)
			if t.style == Boxed || i < last {
				for range pad {
					b = append(b, ' ')
				}
			}
		}
		if t.style == Boxed {
			b = append(b, " │"...)
		}
		t.buf = append(b, '\n')
		t.write()
	}
}

func (t *Table) write() {
	if t.err == nil {
		_, t.err = t.w.Write(t.buf)
	}
}
