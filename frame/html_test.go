package frame_test

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

type htmlRow struct {
	ID   int64   `ember:"id"`
	Name string  `ember:"name"`
	Note *string `ember:"note"`
}

func htmlRows() []htmlRow {
	long := "a note much longer than twenty characters" // cut to 17 and "..."
	return []htmlRow{
		{ID: 1, Name: `<b>"Tom" & Jerry</b>`, Note: &long},
		{ID: 2, Name: "plain"},
		{ID: 3, Name: "third"},
	}
}

func TestHTML(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		n    int
		opts *frame.HTMLOptions // nil: HTML(ctx, n)
		want string
	}{{
		name: "all rows, truncated, escaped",
		n:    5,
		want: `<table class="ember-dataframe" border="1">
<thead><tr><th>id</th><th>name</th><th>note</th></tr></thead>
<tbody>
<tr><td>1</td><td>&lt;b&gt;&#34;Tom&#34; &amp; Jerry&lt;/b&gt;</td><td>a note much longe...</td></tr>
<tr><td>2</td><td>plain</td><td>NULL</td></tr>
<tr><td>3</td><td>third</td><td>NULL</td></tr>
</tbody>
</table>
`,
	}, {
		name: "top rows",
		n:    1,
		want: `<table class="ember-dataframe" border="1">
<thead><tr><th>id</th><th>name</th><th>note</th></tr></thead>
<tbody>
<tr><td>1</td><td>&lt;b&gt;&#34;Tom&#34; &amp; Jerry&lt;/b&gt;</td><td>a note much longe...</td></tr>
</tbody>
</table>
<p>only showing top 1 row</p>
`,
	}, {
		name: "no rows",
		n:    0,
		want: `<table class="ember-dataframe" border="1">
<thead><tr><th>id</th><th>name</th><th>note</th></tr></thead>
<tbody>
</tbody>
</table>
<p>only showing top 0 rows</p>
`,
	}, {
		name: "whole cells, one column rendered",
		n:    2,
		opts: &frame.HTMLOptions{Cells: map[string]func(arrow.Array, int) (template.HTML, error){
			"id": func(col arrow.Array, row int) (template.HTML, error) {
				return template.HTML(fmt.Sprintf(`<a href="#r%s">%[1]s</a>`, frame.CellString(col, row))), nil
			},
		}},
		want: `<table class="ember-dataframe" border="1">
<thead><tr><th>id</th><th>name</th><th>note</th></tr></thead>
<tbody>
<tr><td><a href="#r1">1</a></td><td>&lt;b&gt;&#34;Tom&#34; &amp; Jerry&lt;/b&gt;</td><td>a note much longer than twenty characters</td></tr>
<tr><td><a href="#r2">2</a></td><td>plain</td><td>NULL</td></tr>
</tbody>
</table>
<p>only showing top 2 rows</p>
`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sess := frame.NewSession(frame.WithAllocator(mem))
			defer sess.Close()
			df := sess.CreateDataFrame(htmlRows())
			var got string
			var err error
			if tc.opts == nil {
				got, err = df.HTML(ctx, tc.n)
			} else {
				got, err = df.HTMLString(ctx, tc.n, *tc.opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestHTMLErrors(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	df := sess.CreateDataFrame(htmlRows())

	if _, err := df.HTML(ctx, -1); err == nil || !strings.Contains(err.Error(), "negative row count -1") {
		t.Errorf("HTML(-1) = %v, want a negative row count error", err)
	}
	none := func(arrow.Array, int) (template.HTML, error) { return "", nil }
	_, err := df.HTMLString(ctx, 3, frame.HTMLOptions{Cells: map[string]func(arrow.Array, int) (template.HTML, error){"img": none}})
	if err == nil || !strings.Contains(err.Error(), `no column "img"`) || !strings.Contains(err.Error(), "id, name, note") {
		t.Errorf("unknown column = %v, want an error naming it and the columns", err)
	}
	bad := errors.New("cannot read the image")
	failing := func(col arrow.Array, row int) (template.HTML, error) {
		if frame.CellString(col, row) == "plain" {
			return "", bad
		}
		return "ok", nil
	}
	_, err = df.HTMLString(ctx, 3, frame.HTMLOptions{Cells: map[string]func(arrow.Array, int) (template.HTML, error){"name": failing}})
	if !errors.Is(err, bad) || !strings.Contains(err.Error(), `column "name" row 1`) {
		t.Errorf("failing cell = %v, want %v naming the column and row", err, bad)
	}
	broken := sess.CreateDataFrame(htmlRows()).Select("missing")
	if _, err := broken.HTML(ctx, 3); err == nil {
		t.Error("HTML of a DataFrame holding an error succeeded")
	}
}

func ExampleDataFrame_HTML() {
	type fruit struct {
		Name  string `ember:"name"`
		Count int64  `ember:"count"`
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]fruit{{"apples & pears", 3}, {"<kiwi>", 1}})
	s, err := df.HTML(context.Background(), 10)
	fmt.Print(s, err)
	// In a GoNB notebook: gonbui.DisplayHTML(s)

	// Output:
	// <table class="ember-dataframe" border="1">
	// <thead><tr><th>name</th><th>count</th></tr></thead>
	// <tbody>
	// <tr><td>apples &amp; pears</td><td>3</td></tr>
	// <tr><td>&lt;kiwi&gt;</td><td>1</td></tr>
	// </tbody>
	// </table>
	// <nil>
}
