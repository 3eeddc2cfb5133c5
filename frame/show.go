package frame

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/eval"
)

// Show prints the first n rows to stdout as a Spark-style table, with
// strings longer than 20 characters truncated.
func (df *DataFrame) Show(ctx context.Context, n int) error {
	s, err := df.ShowString(ctx, n, 20)
	if err != nil {
		return err
	}
	fmt.Print(s)
	return nil
}

// ShowString renders the first n rows as Show prints them; truncate > 0
// cuts longer cells to that many characters (0 keeps them whole).
func (df *DataFrame) ShowString(ctx context.Context, n, truncate int) (string, error) {
	if n < 0 {
		return "", fmt.Errorf("frame: Show: negative row count %d", n)
	}
	tbl, err := df.Take(ctx, int64(n)+1)
	if err != nil {
		return "", err
	}
	defer tbl.Release()
	schema := tbl.Schema()
	rows := [][]string{}
	header := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		header[i] = cut(f.Name, truncate)
	}
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				row[c] = cut(CellString(col, r), truncate)
			}
			rows = append(rows, row)
		}
	}
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = max(3, utf8.RuneCountInString(h))
	}
	for _, row := range rows {
		for i, v := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
		}
	}
	var b strings.Builder
	line := func() {
		b.WriteByte('+')
		for _, w := range widths {
			b.WriteString(strings.Repeat("-", w))
			b.WriteByte('+')
		}
		b.WriteByte('\n')
	}
	cells := func(vals []string) {
		b.WriteByte('|')
		for i, v := range vals {
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)))
			b.WriteString(v)
			b.WriteByte('|')
		}
		b.WriteByte('\n')
	}
	line()
	cells(header)
	line()
	for _, row := range rows {
		cells(row)
	}
	line()
	if more {
		fmt.Fprintf(&b, "only showing top %d row%s\n", n, plural(n))
	}
	return b.String(), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func cut(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 4 {
		return string([]rune(s)[:n])
	}
	return string([]rune(s)[:n-3]) + "..."
}

// CellString renders one value as Show does: NULL, floats with a ".0" when
// whole, dates as 2006-01-02, timestamps as 2006-01-02 15:04:05.
func CellString(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	return string(eval.AppendValue(nil, col, i))
}
