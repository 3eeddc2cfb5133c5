package exec

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

func TestAggregate(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "u", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	parts := []string{
		`[{"k": "a", "i": 1, "f": 0.5, "u": 18446744073709551615, "d": 19727},
		  {"k": "b", "i": null, "f": null, "u": 1, "d": null},
		  {"k": null, "i": 5, "f": 2, "u": 2, "d": 0}]`,
		`[{"k": "a", "i": 3, "f": 1.5, "u": 18446744073709551614, "d": 19728},
		  {"k": null, "i": 7, "f": null, "u": null, "d": null}]`,
		`[]`,
	}
	agg := func(f plan.AggFunc, arg string) plan.AggExpr {
		if arg == "" {
			return plan.AggExpr{Func: f}
		}
		return plan.AggExpr{Func: f, Arg: plan.Col(arg)}
	}
	cases := []struct {
		name string
		keys []string
		aggs []plan.AggExpr
		want []string
	}{
		{"global", nil, []plan.AggExpr{agg(plan.AggCount, ""), agg(plan.AggCount, "i"), agg(plan.AggSum, "i"), agg(plan.AggAvg, "f"), agg(plan.AggMin, "k"), agg(plan.AggMax, "d")},
			[]string{"5|4|16|1.3333333333333333|a|2024-01-06"}},
		{"grouped", []string{"k"}, []plan.AggExpr{agg(plan.AggCount, ""), agg(plan.AggSum, "f"), agg(plan.AggMax, "i")},
			[]string{"a|2|2.0|3", "b|1|NULL|NULL", "NULL|2|2.0|7"}},
		{"min-max-uint64", nil, []plan.AggExpr{agg(plan.AggMin, "u"), agg(plan.AggMax, "u")},
			[]string{"1|18446744073709551615"}},
		{"max-uint64-grouped", []string{"k"}, []plan.AggExpr{agg(plan.AggMax, "u")},
			[]string{"a|18446744073709551615", "b|1", "NULL|2"}},
		// Spark has no unsigned types; the sum is an int64, and group a's
		// leaves its range (TestIntegerOverflowFails).
	}
	for _, c := range cases {
		for _, batchRows := range []int{1, 2, 0} {
			t.Run(fmt.Sprintf("%s/batch=%d", c.name, batchRows), func(t *testing.T) {
				mem := exectest.CheckedAlloc(t)
				keys := make([]plan.Expr, len(c.keys))
				for i, k := range c.keys {
					keys[i] = plan.Col(k)
				}
				root := exectest.Must(plan.NewAggregate(memScan(t, mem, s, []string{parts[0]}, []string{parts[1]}, []string{parts[2]}), keys, c.aggs))
				sink, err := run(t, context.Background(), mem, batchRows, root)
				if err != nil {
					t.Fatal(err)
				}
				got := sink.All()
				slices.Sort(got)
				want := slices.Clone(c.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("batch rows %d: %v, want %v", batchRows, got, want)
				}
			})
		}
	}
}

// TestAggregateGroupsEqualFloats: -0.0 and 0.0 are one group, and so are
// all NaNs; NULL is a group of its own.
func TestAggregateGroupsEqualFloats(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	s := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, nil)
	b := array.NewFloat64Builder(mem)
	b.AppendValues([]float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0x7ff8000000000001), 1, 0},
		[]bool{true, true, true, true, true, false})
	col := b.NewArray()
	b.Release()
	batch := array.NewRecordBatch(s, []arrow.Array{col}, int64(col.Len()))
	col.Release()
	src := exectest.Must(plan.NewMemorySource(s, [][]arrow.RecordBatch{{batch}, {batch}}))
	batch.Release()
	defer src.Release()
	root := exectest.Must(plan.NewAggregate(&plan.Scan{Source: src}, []plan.Expr{plan.Col("x")}, []plan.AggExpr{{Func: plan.AggCount}}))
	sink, err := run(t, context.Background(), mem, 2, root)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.All()
	slices.Sort(got)
	if want := []string{"0.0|4", "1.0|2", "NULL|2", "NaN|4"}; !slices.Equal(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
}

func TestDistinct(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	in := memScan(t, mem, s,
		[]string{`[{"a": 1, "b": "x"}, {"a": 1, "b": "x"}, {"a": null, "b": ""}]`},
		[]string{`[{"a": null, "b": ""}, {"a": null, "b": null}, {"a": 1, "b": "y"}]`})
	sink, err := run(t, context.Background(), mem, 1, &plan.Distinct{Input: in})
	if err != nil {
		t.Fatal(err)
	}
	got := sink.All()
	slices.Sort(got)
	if want := []string{"1|x", "1|y", "NULL|", "NULL|NULL"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("distinct rows %q, want %q", got, want)
	}
}

// TestAggregateEmptyInput: a global aggregate yields one row even over no
// rows; a grouped one yields none.
func TestAggregateEmptyInput(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 2, Batches: 0}
	count := []plan.AggExpr{{Func: plan.AggCount}, {Func: plan.AggSum, Arg: plan.Col("v")}}
	sink, err := run(t, context.Background(), mem, 0, exectest.Must(plan.NewAggregate(src.Scan(), nil, count)))
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.All(); strings.Join(got, ",") != "0|NULL" {
		t.Fatalf("global aggregate over nothing: %v", got)
	}
	sink, err = run(t, context.Background(), mem, 0, exectest.Must(plan.NewAggregate(src.Scan(), []plan.Expr{plan.Col("v")}, count)))
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.All(); len(got) != 0 {
		t.Fatalf("grouped aggregate over nothing: %v", got)
	}
}

// TestAggregateSpillEveryAccumulatorKind: a GroupBy that spills, with
// the accumulators a table builds for all its groups at once (sketches,
// lists, first) beside those it builds a range at a time, has
// the rows of an unconstrained run: their state survives the table's
// resets. Every value in a group is its key (or its key's string), so
// each result is exact whatever order the states merge in (a variance's
// would not be: merging moments rounds).
func TestAggregateSpillEveryAccumulatorKind(t *testing.T) {
	src := &spillSource{Parts: 3, Batches: 12, Rows: 1000, Keys: 3000, Pad: 8}
	root := exectest.Must(plan.NewAggregate(src.Scan(), []plan.Expr{plan.Col("k")}, []plan.AggExpr{
		{Func: plan.AggApproxCountDistinct, Arg: plan.Col("k")}, {Func: plan.AggCollectSet, Arg: plan.Col("s")},
		{Func: plan.AggFirst, Arg: plan.Col("s")},
		{Func: plan.AggCount}, {Func: plan.AggMin, Arg: plan.Col("s")}, {Func: plan.AggAvg, Arg: plan.Col("k")}}))
	mem := exectest.CheckedAlloc(t)
	want, _, _, err := runSpill(t, context.Background(), Config{Allocator: mem, Parallelism: 2}, root, false)
	if err != nil {
		t.Fatal(err)
	}
	got, m, j, err := runSpill(t, context.Background(), Config{Allocator: mem, Parallelism: 2, MemoryBudget: 1 << 20, SpillDir: t.TempDir()}, root, false)
	if err != nil {
		t.Fatal(err)
	}
	if m.SpillFiles == 0 {
		t.Fatalf("nothing spilled: %s", m)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%d rows, want %d; first differences: %v", len(got), len(want), firstDiff(got, want))
	}
	if n := j.budget.used.Load(); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}
}
