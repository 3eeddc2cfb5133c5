package optimize

import (
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestPushLimits(t *testing.T) {
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"min-outer", limit(limit(opaqueScan(), 10), 3), tree("Limit 3", "+- "+opaqueLine)},
		{"min-inner", limit(limit(opaqueScan(), 3), 10), tree("Limit 3", "+- "+opaqueLine)},
		{"below-project", limit(project(opaqueScan(), col("a"), as(udf(col("b")), "p")), 5),
			tree("Project [a, model(b) AS p]", "+- Limit 5", "   +- "+opaqueLine)},
		{"into-scan", limit(memScan(), 5),
			tree("Limit 5", "+- Scan memory [a, b, s], 2 partitions, limit 5")},
		{"not-into-opaque-scan", limit(opaqueScan(), 5), tree("Limit 5", "+- "+opaqueLine)},
		// The Limit runs as one partition; ids number rows per partition.
		{"not-below-id", limit(project(opaqueScan(), col("a"), as(&plan.MonotonicID{}, "id")), 5),
			tree("Limit 5", "+- Project [a, monotonically_increasing_id() AS id]", "   +- "+opaqueLine)},
		{"not-below-filter", limit(filter(opaqueScan(), gt(col("a"), 1)), 5),
			tree("Limit 5", "+- Filter (a > 1)", "   +- "+opaqueLine)},
		{"not-below-sort", limit(must(plan.NewSort(opaqueScan(), plan.SortOrder{Expr: col("a")})), 5),
			tree("Limit 5", "+- Sort [a ASC NULLS LAST]", "   +- "+opaqueLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(pushLimits{}, c.in), c.want)
		})
	}
}

func TestOptimizeLimits(t *testing.T) {
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"below-project-into-scan", limit(project(memScan(), col("a"), as(udf(col("b")), "p")), 5),
			tree("Project [a, model(b) AS p]", "+- Limit 5", "   +- Scan memory [a, b], 2 partitions, limit 5")},
		{"nested", limit(project(limit(memScan(), 3), col("s")), 10),
			tree("Limit 3", "+- Scan memory [s], 2 partitions, limit 3")},
		{"tighter-outer", limit(project(limit(memScan(), 10), col("s")), 3),
			tree("Limit 3", "+- Scan memory [s], 2 partitions, limit 3")},
		{"through-repartition", limit(must(plan.NewRepartition(memScan(), 10)), 5),
			tree("Limit 5", "+- Repartition 10, round-robin", "   +- Limit 5", "      +- Scan memory [a, b, s], 2 partitions, limit 5")},
		{"through-coalesce", limit(&plan.Coalesce{Input: memScan(), N: 1}, 5),
			tree("Limit 5", "+- Coalesce 1", "   +- Limit 5", "      +- Scan memory [a, b, s], 2 partitions, limit 5")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, Optimize(c.in), c.want)
		})
	}
}
