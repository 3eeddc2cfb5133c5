// Package scan holds what every format's Source does the same way:
// describing itself for EXPLAIN and narrowing its columns and rows.
package scan

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Describe renders a file source for EXPLAIN:
// "csv [a.csv, b.csv] columns=[x, y] (pruned from 5) limit=10". At most
// three file names are listed; a negative limit is none.
func Describe(format string, paths []string, full *arrow.Schema, cols []int, limit int64) string {
	names := make([]string, 0, 4)
	for i, p := range paths {
		if i == 3 {
			names = append(names, fmt.Sprintf("… %d files", len(paths)))
			break
		}
		names = append(names, filepath.Base(p))
	}
	colNames := make([]string, len(cols))
	for i, c := range cols {
		colNames[i] = full.Field(c).Name
	}
	out := fmt.Sprintf("%s [%s] columns=[%s]", format, strings.Join(names, ", "), strings.Join(colNames, ", "))
	if len(cols) < full.NumFields() {
		out += fmt.Sprintf(" (pruned from %d)", full.NumFields())
	}
	if limit >= 0 {
		out += fmt.Sprintf(" limit=%d", limit)
	}
	return out
}

// All is every column index of s.
func All(s *arrow.Schema) []int {
	cols := make([]int, s.NumFields())
	for i := range cols {
		cols[i] = i
	}
	return cols
}

// Select is the schema of the columns cols of full, in that order.
func Select(full *arrow.Schema, cols []int) *arrow.Schema {
	if isAll(full, cols) {
		// The same schema, not an equal copy, so that plans built over the
		// source can tell at a glance that nothing changed below them.
		return full
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = full.Field(c)
	}
	return arrow.NewSchema(fields, nil)
}

// isAll reports whether cols selects every column of full, in order, and
// full has no metadata for Select to drop.
func isAll(full *arrow.Schema, cols []int) bool {
	if len(cols) != full.NumFields() || full.HasMetadata() {
		return false
	}
	for i, c := range cols {
		if c != i {
			return false
		}
	}
	return true
}

// Project narrows cols (indices in full) to the named columns, keeping the
// source's order. Naming a column twice is naming it once; naming one that
// cols lacks is an error.
func Project(full *arrow.Schema, cols []int, names []string) ([]int, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	var out []int
	for _, c := range cols {
		if n := full.Field(c).Name; want[n] {
			out = append(out, c)
			delete(want, n)
		}
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("cannot project %v from %s", names, Select(full, cols))
	}
	return out, nil
}
