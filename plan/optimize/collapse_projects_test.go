package optimize

import (
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestCollapseProjects(t *testing.T) {
	scan := opaqueScan()
	plus1 := project(scan, col("a"), as(bin(plan.OpAdd, col("b"), lit(1)), "c"))
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"select-columns", project(project(scan, col("a"), col("s")), col("s")),
			tree("Project [s]", "+- "+opaqueLine)},
		{"rename", project(project(scan, as(col("a"), "x"), col("b")), as(col("x"), "y")),
			tree("Project [a AS y]", "+- "+opaqueLine)},
		{"keep-alias-name", project(project(scan, as(col("a"), "x")), col("x")),
			tree("Project [a AS x]", "+- "+opaqueLine)},
		{"substitute-cheap-once", project(plus1, as(bin(plan.OpMul, col("c"), lit(2)), "d")),
			tree("Project [((b + 1) * 2) AS d]", "+- "+opaqueLine)},
		{"literal-any-times", project(project(scan, col("a"), as(lit(2), "k")), as(bin(plan.OpMul, col("k"), col("k")), "kk"), col("a")),
			tree("Project [(2 * 2) AS kk, a]", "+- "+opaqueLine)},
		// (b + 1) would be computed twice.
		{"cheap-read-twice", project(plus1, as(bin(plan.OpMul, col("c"), col("c")), "d")),
			tree("Project [(c * c) AS d]", "+- Project [a, (b + 1) AS c]", "   +- "+opaqueLine)},
		{"model-read-once", project(project(scan, as(udf(col("b")), "p")), as(bin(plan.OpAdd, col("p"), lit(1)), "q")),
			tree("Project [(p + 1.0) AS q]", "+- Project [model(b) AS p]", "   +- "+opaqueLine)},
		{"id-read-once", project(project(scan, as(&plan.MonotonicID{}, "id")), as(bin(plan.OpAdd, col("id"), lit(1)), "next")),
			tree("Project [(id + 1) AS next]", "+- Project [monotonically_increasing_id() AS id]", "   +- "+opaqueLine)},
		{"identity-disappears", project(scan, col("a"), col("b"), col("s")),
			tree(opaqueLine)},
		{"reordering-is-not-identity", project(scan, col("b"), col("a"), col("s")),
			tree("Project [b, a, s]", "+- "+opaqueLine)},
		{"three-levels", project(project(project(scan, col("a"), col("b")), col("b")), as(col("b"), "z")),
			tree("Project [b AS z]", "+- "+opaqueLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(collapseProjects{}, c.in), c.want)
		})
	}
}
