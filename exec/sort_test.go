package exec

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

func TestSort(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	parts := [][]string{
		{`[{"k": 2, "s": "p0a", "f": 1.5}, {"k": null, "s": "p0b", "f": "NaN"}]`, `[{"k": 1, "s": "p0c", "f": -1}]`},
		{`[{"k": 2, "s": "p1a", "f": null}, {"k": 1, "s": null, "f": 0}]`},
	}
	cases := []struct {
		name   string
		orders []plan.SortOrder
		want   string // column s, in order
	}{
		// Ties keep input order: partition 0 before partition 1.
		{"asc-nulls-last", []plan.SortOrder{{Expr: plan.Col("k")}}, "p0c,NULL,p0a,p1a,p0b"},
		{"asc-nulls-first", []plan.SortOrder{{Expr: plan.Col("k"), NullsFirst: true}}, "p0b,p0c,NULL,p0a,p1a"},
		{"desc", []plan.SortOrder{{Expr: plan.Col("k"), Descending: true}}, "p0a,p1a,p0c,NULL,p0b"},
		{"two-keys", []plan.SortOrder{{Expr: plan.Col("k"), Descending: true}, {Expr: plan.Col("s"), NullsFirst: true}}, "p0a,p1a,NULL,p0c,p0b"},
		{"expression", []plan.SortOrder{{Expr: plan.NewBinary(plan.OpMul, plan.Col("k"), plan.Lit(-1))}}, "p0a,p1a,p0c,NULL,p0b"},
		// NaN sorts above every number, as in Spark.
		{"float-nan", []plan.SortOrder{{Expr: plan.Col("f")}}, "p0c,NULL,p0a,p0b,p1a"},
	}
	for _, c := range cases {
		for _, batchRows := range []int{1, 2, 0} {
			t.Run(fmt.Sprintf("%s/batch=%d", c.name, batchRows), func(t *testing.T) {
				mem := exectest.CheckedAlloc(t)
				root := exectest.Must(plan.NewProject(exectest.Must(plan.NewSort(memScan(t, mem, s, parts...), c.orders...)), plan.Col("s")))
				sink, err := run(t, context.Background(), mem, batchRows, root)
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(sink.All(), ","); got != c.want {
					t.Fatalf("order %s, want %s", got, c.want)
				}
				if len(sink.Rows) > 1 {
					t.Errorf("sort produced %d partitions", len(sink.Rows))
				}
			})
		}
	}
}

// TestMergeRuns checks the merge of sorted runs against a stable sort of
// the same rows: for runs of every shape (empty input, one run, runs that
// continue each other, many equal keys), the order is the same.
func TestMergeRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		var keys []int
		for range rng.IntN(6) {
			run := make([]int, rng.IntN(20))
			for i := range run {
				run[i] = rng.IntN(1 + trial%10)
			}
			slices.Sort(run)
			keys = append(keys, run...)
		}
		compare := func(a, b int) int { return cmp.Compare(keys[a], keys[b]) }
		want := make([]int32, len(keys))
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int { return compare(int(a), int(b)) })
		if got := mergeRuns(len(keys), compare); !slices.Equal(got, want) {
			t.Fatalf("keys %v: merged %v, stable sort %v", keys, got, want)
		}
	}
}
