package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

var accSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// accParts are three partitions; the last row of each group is in a later
// partition than its first, so results depend on merging partial states
// in partition order.
var accParts = [][]string{
	{`[{"k": "a", "i": 1, "f": 1, "s": "x"}, {"k": "b", "i": null, "f": null, "s": null}]`,
		`[{"k": "a", "i": 2, "f": 2, "s": null}, {"k": null, "i": 5, "f": 4, "s": "y"}]`},
	{`[{"k": "a", "i": 2, "f": 4, "s": "x"}, {"k": "b", "i": 9, "f": null, "s": "z"}]`},
	{`[]`, `[{"k": "a", "i": null, "f": 8, "s": "w"}, {"k": null, "i": 5, "f": null, "s": null}]`},
}

func aggOf(fn plan.AggFunc, arg string, params ...any) plan.AggExpr {
	a := plan.AggExpr{Func: fn, Arg: plan.Col(arg)}
	for _, p := range params {
		a.Params = append(a.Params, plan.Lit(p))
	}
	return a
}

// TestNewAggregates runs each new aggregate grouped and global, at batch
// sizes that put batch boundaries everywhere, checking the result and
// that no Arrow memory is left.
func TestNewAggregates(t *testing.T) {
	distinct := func(a plan.AggExpr, more ...string) plan.AggExpr {
		a.Distinct = true
		for _, m := range more {
			a.More = append(a.More, plan.Col(m))
		}
		return a
	}
	pct := plan.AggExpr{Func: plan.AggPercentileApprox, Arg: plan.Col("f"), Params: []plan.Expr{plan.Lit(0.5)}}
	arr := exectest.Must(plan.CallFunction("array", plan.Lit(0.0), plan.Lit(0.5), plan.Lit(1.0)))
	pcts := plan.AggExpr{Func: plan.AggPercentileApprox, Arg: plan.Col("i"), Params: []plan.Expr{arr, plan.Lit(100)}}
	cases := []struct {
		name string
		agg  plan.AggExpr
		want []string // grouped by k, sorted; then the global row
	}{
		{"stddev", aggOf(plan.AggStddev, "f"), []string{"NULL|NULL", "a|3.0956959368344514", "b|NULL", "all|2.6832815729997477"}},
		{"stddev_pop", aggOf(plan.AggStddevPop, "f"), []string{"NULL|0.0", "a|2.680951323690902", "b|NULL", "all|2.4"}},
		{"var_samp", aggOf(plan.AggVarSamp, "i"), []string{"NULL|0.0", "a|0.3333333333333333", "b|NULL", "all|8.8"}},
		{"var_pop", aggOf(plan.AggVarPop, "i"), []string{"NULL|0.0", "a|0.2222222222222222", "b|0.0", "all|7.333333333333333"}},
		{"first", aggOf(plan.AggFirst, "s"), []string{"NULL|y", "a|x", "b|NULL", "all|x"}},
		{"first_ignore_nulls", aggOf(plan.AggFirst, "s", true), []string{"NULL|y", "a|x", "b|z", "all|x"}},
		{"last", aggOf(plan.AggLast, "s"), []string{"NULL|NULL", "a|w", "b|z", "all|NULL"}},
		{"last_ignore_nulls", aggOf(plan.AggLast, "i", true), []string{"NULL|5", "a|2", "b|9", "all|5"}},
		{"collect_list", aggOf(plan.AggCollectList, "i"), []string{"NULL|[5,5]", "a|[1,2,2]", "b|[9]", "all|[1,2,5,2,9,5]"}},
		{"collect_set", aggOf(plan.AggCollectSet, "s"), []string{"NULL|[\"y\"]", "a|[\"x\",\"w\"]", "b|[\"z\"]", "all|[\"x\",\"y\",\"z\",\"w\"]"}},
		{"approx_count_distinct", aggOf(plan.AggApproxCountDistinct, "i"), []string{"NULL|1", "a|2", "b|1", "all|4"}},
		{"percentile_approx", pct, []string{"NULL|4.0", "a|2.0", "b|NULL", "all|4.0"}},
		{"percentile_approx_array", pcts, []string{"NULL|[5,5,5]", "a|[1,2,2]", "b|[9,9,9]", "all|[1,2,9]"}},
		{"count_distinct", distinct(aggOf(plan.AggCount, "i")), []string{"NULL|1", "a|2", "b|1", "all|4"}},
		{"count_distinct_two", distinct(aggOf(plan.AggCount, "i"), "s"), []string{"NULL|1", "a|2", "b|1", "all|4"}},
		{"sum_distinct", distinct(aggOf(plan.AggSum, "i")), []string{"NULL|5", "a|3", "b|9", "all|17"}},
	}
	for _, c := range cases {
		for _, batchRows := range []int{1, 3, 0} {
			t.Run(fmt.Sprintf("%s/batch=%d", c.name, batchRows), func(t *testing.T) {
				mem := exectest.CheckedAlloc(t)
				scan := memScan(t, mem, accSchema, accParts...)
				grouped := exectest.Must(plan.NewAggregate(scan, []plan.Expr{plan.Col("k")}, []plan.AggExpr{c.agg}))
				sink, err := run(t, context.Background(), mem, batchRows, grouped)
				if err != nil {
					t.Fatal(err)
				}
				got := sink.All()
				slices.Sort(got)
				global := exectest.Must(plan.NewAggregate(scan, nil, []plan.AggExpr{c.agg}))
				sink, err = run(t, context.Background(), mem, batchRows, global)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range sink.All() {
					got = append(got, "all|"+r)
				}
				if !slices.Equal(got, c.want) {
					t.Fatalf("got  %q\nwant %q", got, c.want)
				}
			})
		}
	}
}

// TestMixedDistinctAggregates checks DISTINCT aggregates over different
// columns beside plain ones (the expanded rewrite), and count(*) of a
// global aggregate over no rows.
func TestMixedDistinctAggregates(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	scan := memScan(t, mem, accSchema, accParts...)
	cd := aggOf(plan.AggCount, "i")
	cd.Distinct = true
	sd := aggOf(plan.AggCount, "s")
	sd.Distinct = true
	aggs := []plan.AggExpr{cd, {Func: plan.AggCount}, aggOf(plan.AggSum, "i"), sd, aggOf(plan.AggCollectList, "s")}
	root := exectest.Must(plan.NewAggregate(scan, []plan.Expr{plan.Col("k")}, aggs))
	sink, err := run(t, context.Background(), mem, 2, root)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.All()
	slices.Sort(got)
	want := []string{"NULL|1|2|10|1|[\"y\"]", "a|2|4|5|2|[\"x\",\"x\",\"w\"]", "b|1|2|9|1|[\"z\"]"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	empty := exectest.Must(plan.NewFilter(scan, plan.NewBinary(plan.OpEq, plan.Col("i"), plan.Lit(int32(100)))))
	root = exectest.Must(plan.NewAggregate(empty, nil, aggs))
	sink, err = run(t, context.Background(), mem, 2, root)
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.All(); !slices.Equal(got, []string{"0|0|NULL|0|NULL"}) {
		t.Fatalf("over no rows: %q", got)
	}
}

// TestCollectOverBudget fails a group whose list outgrows the memory
// budget with ErrMemoryBudget naming the aggregate.
func TestCollectOverBudget(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	var rows []string
	for i := range 200 {
		rows = append(rows, fmt.Sprintf(`{"k": "a", "i": %d, "f": 1, "s": "%s"}`, i, strings.Repeat("v", 100)))
	}
	scan := memScan(t, mem, accSchema, []string{"[" + strings.Join(rows, ",") + "]"})
	for _, keys := range [][]plan.Expr{nil, {plan.Col("k")}} {
		root := exectest.Must(plan.NewAggregate(scan, keys, []plan.AggExpr{aggOf(plan.AggCollectList, "s")}))
		sink := exectest.NewCollectSink()
		_, err := Local{Config: Config{Allocator: mem, Parallelism: 1, BatchRows: 16, MemoryBudget: 8 << 10}}.RunPlan(context.Background(), root, sink)
		if !errors.Is(err, ErrMemoryBudget) || !strings.Contains(err.Error(), "collect_list(s)") {
			t.Fatalf("keys %v: %v, want ErrMemoryBudget naming collect_list(s)", keys, err)
		}
	}
}
