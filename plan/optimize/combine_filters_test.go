package optimize

import (
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestCombineFilters(t *testing.T) {
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"two", filter(filter(opaqueScan(), gt(col("a"), 1)), gt(col("b"), 2)),
			tree("Filter ((a > 1) AND (b > 2))", "+- "+opaqueLine)},
		{"three", filter(filter(filter(opaqueScan(), gt(col("a"), 1)), gt(col("b"), 2)), bin(plan.OpEq, col("s"), lit("x"))),
			tree(`Filter (((a > 1) AND (b > 2)) AND (s = "x"))`, "+- "+opaqueLine)},
		{"not-adjacent", filter(project(filter(opaqueScan(), gt(col("a"), 1)), col("a")), gt(col("a"), 2)),
			tree("Filter (a > 2)", "+- Project [a]", "   +- Filter (a > 1)", "      +- "+opaqueLine)},
		{"single", filter(opaqueScan(), gt(col("a"), 1)),
			tree("Filter (a > 1)", "+- "+opaqueLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(combineFilters{}, c.in), c.want)
		})
	}
}
