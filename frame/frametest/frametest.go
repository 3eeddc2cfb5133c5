// Package frametest helps the tests of programs built on frame compare
// results: it renders a table's rows as lines.
package frametest

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Rows renders every row of tbl, in order, as its values (arrow's
// ValueStr, "(null)" for NULL) joined by commas.
func Rows(tbl arrow.Table) []string {
	r := array.NewTableReader(tbl, -1)
	defer r.Release()
	var rows []string
	for r.Next() {
		b := r.RecordBatch()
		for i := range int(b.NumRows()) {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				cells[c] = col.ValueStr(i)
			}
			rows = append(rows, strings.Join(cells, ","))
		}
	}
	return rows
}
