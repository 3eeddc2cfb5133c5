package optimize

import (
	"strings"
	"testing"

	"github.com/ember-df/ember/plan"
)

func testWindow(in plan.Node, exprs ...plan.WindowExpr) *plan.Window {
	return must(plan.NewWindow(in, exprs...))
}

var windowBySO = plan.WindowSpec{PartitionBy: []plan.Expr{col("s")}, OrderBy: []plan.SortOrder{{Expr: col("a")}}}

// TestPushFiltersAndWindows: a filter on the partition keys only moves
// below a window (it keeps or drops whole window partitions); any other
// stays above, where it does not change the rows a frame sees.
func TestPushFiltersAndWindows(t *testing.T) {
	scan := opaqueScan()
	w := testWindow(scan, plan.WindowExpr{Func: plan.WinRank, Spec: windowBySO, Name: "r"})
	line := "Window [rank() ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW AS r] partition=[s] order=[a ASC NULLS LAST]"
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"partition-key", filter(w, bin(plan.OpEq, col("s"), lit("x"))),
			tree(line, `+- Filter (s = "x")`, "   +- "+opaqueLine)},
		{"order-key", filter(w, gt(col("a"), 1)),
			tree("Filter (a > 1)", "+- "+line, "   +- "+opaqueLine)},
		{"window-column", filter(w, bin(plan.OpEq, col("r"), lit(int32(1)))),
			tree("Filter (r = 1)", "+- "+line, "   +- "+opaqueLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(pushFilters{}, c.in), c.want)
		})
	}
}

// TestPruneWindows: a window keeps the input columns required above it
// and those its functions read; a window whose columns nobody reads goes.
func TestPruneWindows(t *testing.T) {
	w := testWindow(memScan(),
		plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{col("b")}, Spec: windowBySO, Name: "total"},
		plan.WindowExpr{Func: plan.WinRowNumber, Spec: windowBySO, Name: "rn"})
	got := plan.Explain(Optimize(project(w, col("rn"))))
	if !strings.Contains(got, "Window [row_number() ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW AS rn]") || strings.Contains(got, "total") ||
		!strings.Contains(got, "Scan memory [a, s]") {
		t.Fatalf("pruned plan:\n%s", got)
	}
	got = plan.Explain(Optimize(project(w, col("b"))))
	if strings.Contains(got, "Window") {
		t.Fatalf("a window nobody reads stayed:\n%s", got)
	}
}
