package optimize

import (
	"context"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

func TestPruneColumns(t *testing.T) {
	count := []plan.AggExpr{{Func: plan.AggCount}}
	mapped := &plan.MapBatches{Input: memScan(), Name: "fn", OutSchema: testSchema}
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"select", project(memScan(), col("a")),
			tree("Project [a]", "+- Scan memory [a], 2 partitions")},
		{"select-keeps-root-order", project(memScan(), col("s"), col("a")),
			tree("Project [s, a]", "+- Scan memory [a, s], 2 partitions")},
		{"all-columns-used", project(memScan(), col("s"), col("a"), col("b")),
			tree("Project [s, a, b]", "+- "+memLine)},
		// A count reads no column at all, only rows.
		{"count", must(plan.NewAggregate(memScan(), nil, count)),
			tree("Aggregate keys=[] aggs=[count(*) AS count]", "+- Scan memory [], 2 partitions")},
		{"count-drops-model", must(plan.NewAggregate(project(memScan(), col("a"), as(udf(col("b")), "p")), nil, count)),
			tree("Aggregate keys=[] aggs=[count(*) AS count]", "+- Project []", "   +- Scan memory [], 2 partitions")},
		{"count-filtered", must(plan.NewAggregate(filter(memScan(), gt(col("a"), 1)), nil, count)),
			tree("Aggregate keys=[] aggs=[count(*) AS count]", "+- Filter (a > 1)", "   +- Scan memory [a], 2 partitions")},
		{"group-by", must(plan.NewAggregate(memScan(), []plan.Expr{col("s")}, []plan.AggExpr{{Func: plan.AggSum, Arg: col("b")}})),
			tree("Aggregate keys=[s] aggs=[sum(b)]", "+- Scan memory [b, s], 2 partitions")},
		{"filter-column-kept", project(filter(memScan(), gt(col("a"), 1)), col("s")),
			tree("Project [s]", "+- Filter (a > 1)", "   +- Scan memory [a, s], 2 partitions")},
		{"unused-model-dropped", project(project(memScan(), col("a"), as(udf(col("b")), "p")), col("a")),
			tree("Project [a]", "+- Project [a]", "   +- Scan memory [a], 2 partitions")},
		{"sort-key-kept", project(must(plan.NewSort(memScan(), plan.SortOrder{Expr: col("b")})), col("s")),
			tree("Project [s]", "+- Sort [b ASC NULLS LAST]", "   +- Scan memory [b, s], 2 partitions")},
		{"hash-key-kept", project(must(plan.NewRepartition(memScan(), 3, col("s"))), col("a")),
			tree("Project [a]", "+- Repartition 3, hash [s]", "   +- Scan memory [a, s], 2 partitions")},
		{"through-limit-and-coalesce", project(&plan.Coalesce{Input: limit(memScan(), 4), N: 1}, col("b")),
			tree("Project [b]", "+- Coalesce 1", "   +- Limit 4", "      +- Scan memory [b], 2 partitions")},
		{"opaque-source", project(opaqueScan(), col("a")),
			tree("Project [a]", "+- "+opaqueLine)},
		// Distinct compares whole rows; a union matches columns by position;
		// a Go function may read any column: none of them is narrowed.
		{"not-below-distinct", project(&plan.Distinct{Input: memScan()}, col("a")),
			tree("Project [a]", "+- Distinct", "   +- "+memLine)},
		{"not-below-union", project(must(plan.NewUnion(memScan(), memScan())), col("a")),
			tree("Project [a]", "+- Union 2 inputs", "   :- "+memLine, "   +- "+memLine)},
		{"not-below-map-batches", project(mapped, col("a")),
			tree("Project [a]", "+- MapBatches fn -> [a, b, s]", "   +- "+memLine)},
		{"root-not-narrowed", filter(memScan(), gt(col("a"), 1)),
			tree("Filter (a > 1)", "+- "+memLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, pruneColumns(c.in, nil), c.want)
		})
	}
}

func TestOptimizePrunes(t *testing.T) {
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"select-becomes-scan", project(memScan(), col("a")),
			tree("Scan memory [a], 2 partitions")},
		{"count", must(plan.NewAggregate(project(memScan(), col("a"), as(udf(col("b")), "p")), nil, []plan.AggExpr{{Func: plan.AggCount}})),
			tree("Aggregate keys=[] aggs=[count(*) AS count]", "+- Scan memory [], 2 partitions")},
		{"unused-model-dropped", project(project(memScan(), col("a"), as(udf(col("b")), "p")), col("a")),
			tree("Scan memory [a], 2 partitions")},
		{"limit", project(limit(memScan(), 5), col("a")),
			tree("Limit 5", "+- Scan memory [a], 2 partitions, limit 5")},
		{"write", &plan.Write{Input: project(memScan(), col("s")), Format: lineFormat{}, Path: "out"},
			tree(`Write lines "out", mode ErrorIfExists`, "+- Scan memory [s], 2 partitions")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, Optimize(c.in), c.want)
		})
	}
}

// lineFormat is a file format for plans that are only optimized.
type lineFormat struct{}

func (lineFormat) Name() string      { return "lines" }
func (lineFormat) Extension() string { return "txt" }
func (lineFormat) NewWriter(io.Writer, *arrow.Schema) (plan.BatchWriter, error) {
	return nil, context.Canceled
}
