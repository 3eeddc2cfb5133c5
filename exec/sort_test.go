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
			})
		}
	}
}

// TestSortRanges checks the range exchange against a stable sort of the
// same rows: for inputs of every shape (empty partitions, one distinct key,
// many duplicates, NULLs, more ranges than distinct keys), at several
// parallelisms, the output partitions laid end to end equal a stable sort
// of the input partitions laid end to end, and partition i sorts before
// partition i+1.
func TestSortRanges(t *testing.T) {
	s := keyedSchema
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 60 {
		parts, all := randomKeyedInput(rng, 1+trial%13, 7, 4, 40, 10)
		desc := trial%2 == 1
		sortKeyedStable(all, desc, false)
		var want []string
		for _, r := range all {
			want = append(want, r.id)
		}
		for _, parallelism := range []int{1, 3, 8} {
			t.Run(fmt.Sprintf("trial=%d/parallelism=%d", trial, parallelism), func(t *testing.T) {
				mem := exectest.CheckedAlloc(t)
				order := plan.SortOrder{Expr: plan.Col("k"), Descending: desc}
				root := exectest.Must(plan.NewSort(memScan(t, mem, s, parts...), order))
				sink := exectest.NewCollectSink()
				if _, err := (Local{Config: Config{Allocator: mem, Parallelism: parallelism, BatchRows: 7}}).RunPlan(context.Background(), root, sink); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, line := range sink.All() {
					got = append(got, strings.Split(line, "|")[1])
				}
				if !slices.Equal(got, want) {
					t.Fatalf("sorted ids\n%v\nwant (stable sort)\n%v", got, want)
				}
			})
		}
	}
}

// TestSortRangesBalance checks that the sampled bounds split distinct keys
// into ranges of about equal size.
func TestSortRangesBalance(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rng := rand.New(rand.NewPCG(5, 6))
	const parts, rows = 8, 1000
	var partitions [][]string
	for range parts {
		var objs []string
		for range rows {
			objs = append(objs, fmt.Sprintf(`{"k": %d}`, rng.Int64N(1e9)))
		}
		partitions = append(partitions, []string{"[" + strings.Join(objs, ",") + "]"})
	}
	root := exectest.Must(plan.NewSort(memScan(t, mem, s, partitions...), plan.SortOrder{Expr: plan.Col("k")}))
	sink := exectest.NewCollectSink()
	if _, err := (Local{Config: Config{Allocator: mem, Parallelism: 4}}).RunPlan(context.Background(), root, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Rows) != 4 {
		t.Fatalf("%d output partitions, want 4 ranges", len(sink.Rows))
	}
	for p, got := range sink.Rows {
		if share := float64(len(got)) / (parts * rows); share < 0.15 || share > 0.35 {
			t.Errorf("range %d holds %.0f%% of the rows, want about 25%%", p, 100*share)
		}
	}
}

// keyedSchema is the schema of the sort tests' random inputs.
var keyedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "id", Type: arrow.BinaryTypes.String},
}, nil)

// keyedRow is a row of the sort tests' random inputs: a key (nil: NULL)
// and an id naming its partition, batch and row.
type keyedRow struct {
	k  *int64
	id string
}

// randomKeyedInput draws up to maxParts partitions (at least one) of up
// to maxBatches-1 JSON batches of up to maxRows-1 (k, id) rows, k one of
// distinct values or NULL one time in nullOneIn; it returns them and
// their rows laid end to end.
func randomKeyedInput(rng *rand.Rand, distinct, maxParts, maxBatches, maxRows, nullOneIn int) ([][]string, []keyedRow) {
	var parts [][]string
	var all []keyedRow
	for p := range 1 + rng.IntN(maxParts) {
		var batches []string
		for b := range rng.IntN(maxBatches) {
			var objs []string
			for r := range rng.IntN(maxRows) {
				id := fmt.Sprintf("%d.%d.%d", p, b, r)
				if rng.IntN(nullOneIn) == 0 {
					objs = append(objs, fmt.Sprintf(`{"k": null, "id": %q}`, id))
					all = append(all, keyedRow{nil, id})
					continue
				}
				k := int64(rng.IntN(distinct))
				objs = append(objs, fmt.Sprintf(`{"k": %d, "id": %q}`, k, id))
				all = append(all, keyedRow{&k, id})
			}
			batches = append(batches, "["+strings.Join(objs, ",")+"]")
		}
		parts = append(parts, batches)
	}
	return parts, all
}

// sortKeyedStable sorts rows stably by k, descending or not, NULLs first
// or last.
func sortKeyedStable(rows []keyedRow, desc, nullsFirst bool) {
	slices.SortStableFunc(rows, func(a, b keyedRow) int {
		switch {
		case a.k == nil && b.k == nil:
			return 0
		case a.k == nil && nullsFirst, b.k == nil && !nullsFirst:
			return -1
		case a.k == nil, b.k == nil:
			return 1
		}
		if desc {
			return cmp.Compare(*b.k, *a.k)
		}
		return cmp.Compare(*a.k, *b.k)
	})
}
