package frame_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// TestLongPlansGrowLinearly builds long chains of steps — filters, and
// WithColumn loops as feature-engineering code writes them — and counts
// the allocations of building and running them on two rows: doubling the
// chain must not more than double the work per unit of plan size. (Before
// this test, 2,000 WithColumn calls took 10–23 s and 20,000 filters did
// not finish: each step walked or re-resolved everything below it.)
// Allocation counts, unlike timings, do not depend on the machine.
func TestLongPlansGrowLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plans of thousands of steps")
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	base := partitioned(t, sess, mem, schema, `[{"id": 1}, {"id": 2}]`, 1)
	count := func(df *frame.DataFrame) {
		if n, err := df.Count(context.Background()); err != nil || n != 2 {
			t.Fatalf("Count = %d, %v; want 2", n, err)
		}
	}
	filters := func(n int) {
		df := base
		for i := range n {
			df = df.Filter(frame.Col("id").Gt(-i))
		}
		count(df)
	}
	withColumns := func(n int) {
		df := base
		for i := range n {
			df = df.WithColumn(fmt.Sprintf("c%d", i), frame.Col("id").Add(i))
		}
		count(df.Filter(frame.Col(fmt.Sprintf("c%d", n-1)).Gt(0)))
	}
	cases := []struct {
		name  string
		build func(int)
		n     int
		// size is the plan's size for n steps: a chain of n filters has
		// n conditions; n WithColumn calls make projections of up to n
		// columns, so the plan a Spark-style builder holds is ~n²/2 in
		// size.
		size func(n int) float64
	}{
		{"filters", filters, 2000, func(n int) float64 { return float64(n) }},
		{"with-columns", withColumns, 500, func(n int) float64 { return float64(n) * float64(n) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			small := testing.AllocsPerRun(1, func() { c.build(c.n) })
			large := testing.AllocsPerRun(1, func() { c.build(2 * c.n) })
			growth := (large / small) / (c.size(2*c.n) / c.size(c.n))
			t.Logf("%s: %.0f allocations for %d steps, %.0f for %d: %.2f× per unit of plan size", c.name, small, c.n, large, 2*c.n, growth)
			if growth > 1.5 {
				t.Errorf("doubling %s from %d steps multiplied allocations by %.1f: %.2f× per unit of plan size, want about 1 (linear)",
					c.name, c.n, large/small, growth)
			}
		})
	}
}
