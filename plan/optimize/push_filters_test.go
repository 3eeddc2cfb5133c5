package optimize

import (
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestPushFilters(t *testing.T) {
	scan := opaqueScan()
	derived := project(scan, col("a"), as(bin(plan.OpAdd, col("b"), lit(1)), "c"))
	withModel := project(scan, col("a"), as(udf(col("b")), "p"))
	withID := project(scan, col("a"), as(&plan.MonotonicID{}, "id"))
	sorted := must(plan.NewSort(scan, plan.SortOrder{Expr: col("b")}))
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"through-project", filter(derived, gt(col("a"), 1)),
			tree("Project [a, (b + 1) AS c]", "+- Filter (a > 1)", "   +- "+opaqueLine)},
		{"through-project-substituting", filter(derived, gt(col("c"), 1)),
			tree("Project [a, (b + 1) AS c]", "+- Filter ((b + 1) > 1)", "   +- "+opaqueLine)},
		// Rows are dropped before the model runs on them...
		{"below-model", filter(withModel, gt(col("a"), 1)),
			tree("Project [a, model(b) AS p]", "+- Filter (a > 1)", "   +- "+opaqueLine)},
		// ...but the model is not run twice to decide.
		{"not-on-model-output", filter(withModel, gt(col("p"), 0.5)),
			tree("Filter (p > 0.5)", "+- Project [a, model(b) AS p]", "   +- "+opaqueLine)},
		{"not-on-id", filter(withID, gt(col("id"), 1)),
			tree("Filter (id > 1)", "+- Project [a, monotonically_increasing_id() AS id]", "   +- "+opaqueLine)},
		// Dropping rows below the id column would renumber the rows kept.
		{"not-below-id", filter(withID, gt(col("a"), 1)),
			tree("Filter (a > 1)", "+- Project [a, monotonically_increasing_id() AS id]", "   +- "+opaqueLine)},
		{"through-sort", filter(sorted, gt(col("a"), 1)),
			tree("Sort [b ASC NULLS LAST]", "+- Filter (a > 1)", "   +- "+opaqueLine)},
		{"through-repartition", filter(must(plan.NewRepartition(scan, 3, col("s"))), gt(col("a"), 1)),
			tree("Repartition 3, hash [s]", "+- Filter (a > 1)", "   +- "+opaqueLine)},
		{"through-coalesce", filter(&plan.Coalesce{Input: scan, N: 1}, gt(col("a"), 1)),
			tree("Coalesce 1", "+- Filter (a > 1)", "   +- "+opaqueLine)},
		// One pass moves a filter one step; Optimize repeats passes.
		{"one-step-per-pass", filter(project(derived, as(bin(plan.OpMul, col("c"), lit(2)), "d")), gt(col("d"), 10)),
			tree("Project [(c * 2) AS d]", "+- Filter ((c * 2) > 10)", "   +- Project [a, (b + 1) AS c]", "      +- "+opaqueLine)},
		{"id-in-condition-stays", filter(sorted, bin(plan.OpGt, &plan.MonotonicID{}, lit(3))),
			tree("Filter (monotonically_increasing_id() > 3)", "+- Sort [b ASC NULLS LAST]", "   +- "+opaqueLine)},
		{"not-through-limit", filter(limit(scan, 5), gt(col("a"), 1)),
			tree("Filter (a > 1)", "+- Limit 5", "   +- "+opaqueLine)},
		{"not-through-aggregate", filter(must(plan.NewAggregate(scan, []plan.Expr{col("s")}, []plan.AggExpr{{Func: plan.AggCount}})), gt(col("count"), 1)),
			tree("Filter (count > 1)", "+- Aggregate keys=[s] aggs=[count(*) AS count]", "   +- "+opaqueLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(pushFilters{}, c.in), c.want)
		})
	}
}
