package frame_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/plan"
)

// rangeIDs collects the ids of a Range DataFrame through Rows.
func rangeIDs(t *testing.T, df *frame.DataFrame) []int64 {
	t.Helper()
	var ids []int64
	for row, err := range df.Rows(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		id, err := row.GetInt64("id")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

var rangeCases = [][]int64{
	{10}, {0}, {-3}, {2, 10}, {2, 10, 3}, {10, 0, -3}, {5, 5}, {0, 10, -1}, {-5, 5, 4},
	{math.MaxInt64 - 2, math.MaxInt64}, {math.MinInt64, math.MinInt64 + 3},
	{math.MaxInt64, math.MinInt64, math.MinInt64}, {math.MinInt64, math.MaxInt64, math.MaxInt64},
	{0, 1000, 7},
}

// TestRangeAgainstDuckDB: Range(start, end, step) gives exactly DuckDB's
// range(start, end, step), in order, at several parallelisms and batch
// sizes.
func TestRangeAgainstDuckDB(t *testing.T) {
	var stmts []string
	for _, c := range rangeCases {
		args := make([]string, len(c))
		for i, v := range c {
			args[i] = fmt.Sprint(v)
			if v == math.MinInt64 { // not a literal DuckDB parses as BIGINT
				args[i] = "(-9223372036854775807 - 1)"
			}
		}
		stmts = append(stmts, fmt.Sprintf("SELECT range AS id FROM range(%s)", strings.Join(args, ", ")))
	}
	ref := duckdbtest.Query(t, stmts...)
	for _, parallelism := range []int{1, 3} {
		for _, batch := range []int{2, 0} {
			sess := checkedSession(t, frame.WithParallelism(parallelism), frame.WithBatchSize(batch, 0))
			for i, c := range rangeCases {
				var want []int64
				for _, r := range ref[i].Rows {
					var v int64
					fmt.Sscan(fmt.Sprint(r[0]), &v)
					want = append(want, v)
				}
				got := rangeIDs(t, sess.Range(c...))
				if !slices.Equal(got, want) {
					t.Fatalf("parallelism %d, batch %d: Range%v = %v, DuckDB %v", parallelism, batch, c, got, want)
				}
			}
		}
	}
}

func TestRangePartitionsAndPlan(t *testing.T) {
	ctx := context.Background()
	sess := checkedSession(t, frame.WithParallelism(4))
	df := sess.Range(0, 100, 10)
	if got := df.Schema().String(); !strings.Contains(got, "id: type=int64") || df.Schema().Field(0).Nullable {
		t.Fatalf("schema %s", got)
	}
	if !strings.Contains(df.Explain(), "range(0, 100, step 10), 4 partitions") {
		t.Fatal(df.Explain())
	}
	if n := sess.Range(2).Plan().(*plan.Scan).Source.Partitions(); n != 2 {
		t.Fatalf("Range(2) has %d partitions, want 2 (no empty ones)", n)
	}
	// Partition p holds a contiguous slice: MonotonicallyIncreasingID puts
	// the partition in the upper bits.
	tbl, err := df.WithColumn("part", frame.MonotonicallyIncreasingID()).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := renderTable(tbl)
	tbl.Release()
	var parts []string
	for _, r := range got {
		id, mid, _ := strings.Cut(r, "|")
		var m int64
		fmt.Sscan(mid, &m)
		parts = append(parts, fmt.Sprintf("%s@%d", id, m>>33))
	}
	if s := strings.Join(parts, " "); s != "0@0 10@0 20@1 30@1 40@1 50@2 60@2 70@3 80@3 90@3" {
		t.Fatalf("partitions: %s", s)
	}
	// A huge range with a limit reads only what the limit keeps.
	if ids := rangeIDs(t, sess.Range(1e15).Limit(3)); !slices.Equal(ids, []int64{0, 1, 2}) {
		t.Fatalf("Range(1e15).Limit(3) = %v", ids)
	}
	if n, err := sess.Range(1_000_003).Count(ctx); n != 1_000_003 || err != nil {
		t.Fatalf("Count = %d, %v", n, err)
	}
	// The plan travels: marshalled and rebuilt, it runs the same.
	data, err := plan.Marshal(df.Filter(col("id").Gt(40)).Plan())
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if ids := rangeIDs(t, sess.FromPlan(back)); !slices.Equal(ids, []int64{50, 60, 70, 80, 90}) {
		t.Fatalf("rebuilt plan gave %v", ids)
	}
}

func TestRangeErrors(t *testing.T) {
	sess := checkedSession(t)
	for _, c := range []struct {
		args []int64
		want string
	}{
		{nil, "got 0 arguments"},
		{[]int64{1, 2, 3, 4}, "got 4 arguments"},
		{[]int64{1, 2, 0}, "Range(1, 2, 0): the step must not be 0"},
	} {
		if err := sess.Range(c.args...).Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Range%v: %v, want %q", c.args, err, c.want)
		}
	}
}
