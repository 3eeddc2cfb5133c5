package tpch

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Answer is a query's result as text, in the form both contenders print:
// column names and rows of cells, NULL as nil.
type Answer struct {
	Columns []string    `json:"columns"`
	Rows    [][]*string `json:"rows"`
}

// FromTable renders an Arrow table: integers in decimal, floats in the
// shortest form that reads back exactly, dates as YYYY-MM-DD, strings as
// they are.
func FromTable(tbl arrow.Table) (Answer, error) {
	var a Answer
	for i := range int(tbl.NumCols()) {
		a.Columns = append(a.Columns, tbl.Schema().Field(i).Name)
	}
	a.Rows = make([][]*string, tbl.NumRows())
	for r := range a.Rows {
		a.Rows[r] = make([]*string, tbl.NumCols())
	}
	for c := range int(tbl.NumCols()) {
		row := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			for i := range chunk.Len() {
				if chunk.IsValid(i) {
					s, err := cell(chunk, i)
					if err != nil {
						return a, fmt.Errorf("column %s: %w", a.Columns[c], err)
					}
					a.Rows[row][c] = &s
				}
				row++
			}
		}
	}
	return a, nil
}

func cell(arr arrow.Array, i int) (string, error) {
	switch arr := arr.(type) {
	case *array.Int64:
		return strconv.FormatInt(arr.Value(i), 10), nil
	case *array.Int32:
		return strconv.FormatInt(int64(arr.Value(i)), 10), nil
	case *array.Float64:
		return strconv.FormatFloat(arr.Value(i), 'g', -1, 64), nil
	case *array.String:
		return arr.Value(i), nil
	case *array.LargeString:
		return arr.Value(i), nil
	case *array.Date32:
		return arr.Value(i).ToTime().Format("2006-01-02"), nil
	}
	return "", fmt.Errorf("no rendering of %s", arr.DataType())
}

// Tolerance is the relative difference two numbers of an answer may have:
// sums of floats added in another order differ in their last bits.
const Tolerance = 1e-9

// Compare reports the first difference between two answers, in row
// order: the same number of columns and rows, and in each cell the same
// text, or numbers within Tolerance of each other. Column names are not
// compared (DuckDB and ember name expressions differently).
func Compare(got, want Answer) error {
	if len(got.Columns) != len(want.Columns) {
		return fmt.Errorf("%d columns %v, want %d %v", len(got.Columns), got.Columns, len(want.Columns), want.Columns)
	}
	if len(got.Rows) != len(want.Rows) {
		return fmt.Errorf("%d rows, want %d", len(got.Rows), len(want.Rows))
	}
	for r := range got.Rows {
		for c := range got.Columns {
			g, w := got.Rows[r][c], want.Rows[r][c]
			if !sameCell(g, w) {
				return fmt.Errorf("row %d column %s: %s, want %s", r, want.Columns[c], show(g), show(w))
			}
		}
	}
	return nil
}

func sameCell(g, w *string) bool {
	if g == nil || w == nil {
		return g == nil && w == nil
	}
	if *g == *w {
		return true
	}
	gf, err1 := strconv.ParseFloat(*g, 64)
	wf, err2 := strconv.ParseFloat(*w, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return math.Abs(gf-wf) <= Tolerance*max(math.Abs(gf), math.Abs(wf), 1e-300)
}

func show(s *string) string {
	if s == nil {
		return "NULL"
	}
	return strconv.Quote(*s)
}
