package widefile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Index returns the index of the column called name ("c0" … "c19").
func Index(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "c")
	i, err := strconv.Atoi(digits)
	if !ok || err != nil || i < 0 || i >= NumColumns || Name(i) != name {
		return 0, false
	}
	return i, true
}

// Verify checks what a scan printed against e: exactly a line "rows <n>"
// with the number of rows that pass the filter, and one line
// "<column> <sum>" for each of columns, in any order, where the sum is that
// of an int64 or float64 column's values or the total byte length of a
// string column's, NULLs skipped. Integer sums must be exact; float64 sums,
// which each reader adds up in its own order, must be within
// Sum.Tolerance of the generator's.
func (e Expectation) Verify(out string, columns []string) error {
	got := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			return fmt.Errorf("unexpected output line %q", line)
		}
		if _, dup := got[name]; dup {
			return fmt.Errorf("%s printed twice", name)
		}
		got[name] = value
	}
	if rows, err := strconv.ParseInt(got["rows"], 10, 64); err != nil || rows != e.Kept {
		return fmt.Errorf("rows: got %q, want %d", got["rows"], e.Kept)
	}
	delete(got, "rows")
	for _, name := range columns {
		i, ok := Index(name)
		if !ok {
			return fmt.Errorf("no column %q in the file", name)
		}
		value, ok := got[name]
		if !ok {
			return fmt.Errorf("no sum of column %s", name)
		}
		delete(got, name)
		want := e.Cols[i]
		if KindOf(i) != Float64 {
			if v, err := strconv.ParseInt(value, 10, 64); err != nil || v != want.Int {
				return fmt.Errorf("column %s: sum %q, want %d", name, value, want.Int)
			}
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || math.Abs(v-want.Float) > want.Tolerance() {
			return fmt.Errorf("column %s: sum %q, want %v (± %.3g)", name, value, want.Float, want.Tolerance())
		}
	}
	for name := range got {
		return fmt.Errorf("unexpected column %s in the output", name)
	}
	return nil
}
