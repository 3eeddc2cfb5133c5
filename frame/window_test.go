package frame_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
)

// TestWindowErrors checks that a misused window function sticks an error
// to the DataFrame that names the function and what is wrong.
func TestWindowErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	type row struct {
		K string `ember:"k"`
		V int64  `ember:"v"`
	}
	df := sess.CreateDataFrame([]row{{"a", 1}, {"a", 2}})
	w := frame.Window.PartitionBy("k")
	cases := map[string]struct {
		df   *frame.DataFrame
		want string
	}{
		"rank-unordered":    {df.WithColumn("r", frame.Rank().Over(w)), "rank(): the window needs an ORDER BY"},
		"lag-unordered":     {df.Select(frame.Lag("v", 1, nil).Over(w)), "lag(v, 1, NULL): the window needs an ORDER BY"},
		"ntile-zero":        {df.WithColumn("t", frame.Ntile(0).Over(w.OrderBy("v"))), "ntile(0): the number of buckets must be positive"},
		"row-number-frame":  {df.WithColumn("n", frame.RowNumber().Over(w.OrderBy("v").RowsBetween(-1, 1))), "row_number(): the window's frame"},
		"sum-of-string":     {df.WithColumn("s", frame.Sum("k").Over(w)), "sum(k): utf8 is not numeric"},
		"range-two-keys":    {df.WithColumn("s", frame.Sum("v").Over(w.OrderBy("k", "v").RangeBetween(-1, 1))), "needs exactly one ORDER BY key"},
		"in-filter":         {df.Filter(frame.RowNumber().Over(w.OrderBy("v")).Eq(1)), "row_number() is allowed only in a select list"},
		"nth-value-zero":    {df.WithColumn("n", frame.NthValue("v", 0).Over(w.OrderBy("v"))), "nth_value(v, 0): the row (n) must be positive"},
		"nth-value-two":     {df.WithColumn("n", frame.NthValue("v", 1, true, false).Over(w.OrderBy("v"))), "NthValue takes at most one ignoreNulls, got 2"},
		"nth-unordered":     {df.WithColumn("n", frame.NthValue("v", 1).Over(w)), "nth_value(v, 1): the window needs an ORDER BY"},
		"cume-dist-frame":   {df.WithColumn("c", frame.CumeDist().Over(w.OrderBy("v").RowsBetween(-1, 0))), "the frame of cume_dist"},
		"unknown-partition": {df.WithColumn("r", frame.RowNumber().Over(frame.Window.PartitionBy("nope").OrderBy("v"))), "nope"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := c.df.Err()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	if err := df.WithColumn("r", frame.Rank().Over(w)).Err(); !errors.Is(err, plan.ErrType) {
		t.Fatalf("error %v does not wrap plan.ErrType", err)
	}
}

// TestWindowColumnsInPlace checks names and placement: WithColumn
// replaces a column in place with a window over it, Select names an
// unaliased window column as Spark does, and a filter on a window column
// after computing it keeps the rows it should.
func TestWindowColumnsInPlace(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(1, 0))
	defer sess.Close()
	type row struct {
		K string `ember:"k"`
		V int64  `ember:"v"`
	}
	df := sess.CreateDataFrame([]row{{"a", 3}, {"a", 1}, {"b", 5}, {"a", 2}, {"b", 4}})
	w := frame.Window.PartitionBy("k").OrderBy("v")
	replaced := df.WithColumn("v", frame.Sum("v").Over(w))
	if got := strings.Join(replaced.Columns(), ","); got != "k,v" {
		t.Fatalf("columns %s", got)
	}
	sel := df.Select("k", frame.RowNumber().Over(w))
	if got := sel.Columns()[1]; got != "row_number() OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST)" {
		t.Fatalf("column name %q", got)
	}
	top := df.WithColumn("rn", frame.RowNumber().Over(w)).Filter(frame.Col("rn").Eq(1)).Select("k", "v").OrderBy("k")
	rows, err := top.Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Release()
	if got := strings.Join(canonicalRows(rows), "; "); got != `"a" | 1; "b" | 4` {
		t.Fatalf("first rows %s", got)
	}
	sums, err := replaced.OrderBy("k", "v").Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Release()
	if got := strings.Join(canonicalRows(sums), "; "); got != `"a" | 1; "a" | 3; "a" | 6; "b" | 4; "b" | 9` {
		t.Fatalf("running sums %s", got)
	}
}
