package frame_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// TestJoinOutputColumns: after a join that keeps both inputs' columns of
// a name, Select("*"), WithColumn, Drop and qualified references work on
// them as in Spark, and writing them is refused, naming the duplicates.
func TestJoinOutputColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	ctx := context.Background()
	a := sess.Range(3).WithColumn("x", frame.Col("id").Mul(frame.Lit(int64(2))))
	b := sess.Range(3).WithColumn("x", frame.Col("id").Mul(frame.Lit(int64(3))))
	j := a.Join(b, a.Col("id").Eq(b.Col("id")), "inner")
	for _, c := range []struct {
		name  string
		df    *frame.DataFrame
		first int64  // the value in the first column of the row to show
		want  string // the columns, then that row
	}{
		{"Select(*)", j.Select("*"), 2, "id x id x | 2 4 2 6"},
		{"Drop(x) drops both", j.Drop("x"), 2, "id id | 2 2"},
		{"WithColumn(y) keeps both sides", j.WithColumn("y", a.Col("x").Add(b.Col("x"))), 2, "id x id x y | 2 4 2 6 10"},
		{"WithColumn(x) replaces both by one", j.WithColumn("x", a.Col("x").Sub(b.Col("x"))), 2, "id x id | 2 -2 2"},
		{"qualified after WithColumn", j.WithColumn("y", frame.Lit(int64(0))).Select(b.Col("x"), a.Col("x")), 6, "x x | 6 4"},
	} {
		if err := c.df.Err(); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := strings.Join(c.df.Columns(), " ") + " | " + rowStarting(t, ctx, c.df, c.first)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	err := j.Write().Parquet(ctx, filepath.Join(t.TempDir(), "out"))
	if err == nil || !strings.Contains(err.Error(), "duplicate column names (id, x)") {
		t.Fatalf("writing duplicate columns: %v", err)
	}
	if err := j.Select(a.Col("id"), b.Col("x")).Write().Parquet(ctx, filepath.Join(t.TempDir(), "out")); err != nil {
		t.Fatalf("writing distinct columns: %v", err)
	}
}

// rowStarting renders the row whose first column holds first, values
// separated by spaces.
func rowStarting(t *testing.T, ctx context.Context, df *frame.DataFrame, first int64) string {
	t.Helper()
	for row, err := range df.Rows(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := row.Value(0).(int64); v != first {
			continue
		}
		var parts []string
		for i := range row.Len() {
			parts = append(parts, fmt.Sprint(row.Value(i)))
		}
		return strings.Join(parts, " ")
	}
	return "no row"
}
