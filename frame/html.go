package frame

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// HTMLOptions tune HTMLString. The zero value renders every cell whole,
// as CellString writes it.
type HTMLOptions struct {
	// Truncate > 0 cuts longer cells and column names to that many
	// characters, as Show does with 20.
	Truncate int
	// Cells renders the cells of the named columns itself, for what text
	// cannot show (an image thumbnail as a data: URI, a link). A function
	// is called once per shown row with the cell at index row of col (a
	// batch's column, valid only during the call). Its result goes into
	// the cell as is, unescaped: it must be safe HTML. An error ends the
	// rendering and is returned, wrapped with the column's name and row.
	Cells map[string]func(col arrow.Array, row int) (template.HTML, error)
}

// HTML renders the first n rows as an HTML table, the notebook's Show:
// a header of column names, a row per row, cells cut to 20 characters,
// and "only showing top n rows" under the table when there are more.
// Names and values are escaped. It runs a job, as Show does. A notebook
// displays the result (GoNB: gonbui.DisplayHTML).
func (df *DataFrame) HTML(ctx context.Context, n int) (string, error) {
	return df.HTMLString(ctx, n, HTMLOptions{Truncate: 20})
}

// HTMLString renders the first n rows as HTML does, tuned by opts. A
// column named in opts.Cells that df does not have is an error.
func (df *DataFrame) HTMLString(ctx context.Context, n int, opts HTMLOptions) (string, error) {
	if n < 0 {
		return "", fmt.Errorf("frame: HTML: negative row count %d", n)
	}
	tbl, err := df.Take(ctx, int64(n)+1)
	if err != nil {
		return "", err
	}
	defer tbl.Release()
	schema := tbl.Schema()
	cells := make([]func(arrow.Array, int) (template.HTML, error), schema.NumFields())
	for name, fn := range opts.Cells {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return "", fmt.Errorf("frame: HTML: no column %q to render (columns: %s)", name, strings.Join(fieldNamesOf(schema), ", "))
		}
		for _, i := range idx {
			cells[i] = fn
		}
	}

	var b strings.Builder
	b.WriteString("<table class=\"ember-dataframe\" border=\"1\">\n<thead><tr>")
	for _, f := range schema.Fields() {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(cut(f.Name, opts.Truncate)))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	rows := 0
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() && rows < n {
		batch := tr.RecordBatch()
		for r := 0; r < int(batch.NumRows()) && rows < n; r++ {
			b.WriteString("<tr>")
			for c, col := range batch.Columns() {
				if cells[c] == nil {
					fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(cut(CellString(col, r), opts.Truncate)))
					continue
				}
				h, err := cells[c](col, r)
				if err != nil {
					return "", fmt.Errorf("frame: HTML: column %q row %d: %w", schema.Field(c).Name, rows, err)
				}
				fmt.Fprintf(&b, "<td>%s</td>", h)
			}
			b.WriteString("</tr>\n")
			rows++
		}
	}
	if err := tr.Err(); err != nil {
		return "", err
	}
	b.WriteString("</tbody>\n</table>\n")
	if tbl.NumRows() > int64(n) {
		fmt.Fprintf(&b, "<p>only showing top %d row%s</p>\n", n, plural(n))
	}
	return b.String(), nil
}
