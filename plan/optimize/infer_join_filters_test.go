package optimize

import (
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestInferJoinFilters(t *testing.T) {
	l, r := opaqueScan(), memScan()
	join := func(typ plan.JoinType, on plan.Expr) plan.Node {
		return must(plan.NewJoin(l, r, plan.JoinSpec{Type: typ, On: on, LeftID: 1, RightID: 2}))
	}
	keys := bin(plan.OpEq, plan.LeftCol("a"), plan.RightCol("a"))
	lb, rb := plan.LeftCol("b"), plan.RightCol("b")
	or := func(a, b plan.Expr) plan.Expr { return bin(plan.OpOr, a, b) }
	// Q19's shape: each branch reads both inputs.
	q19 := or(plan.And(gt(lb, 1), gt(rb, 2)), plan.And(gt(lb, 3), gt(rb, 4)))
	const cond = "((a = a) AND (((b > 1) AND (b > 2)) OR ((b > 3) AND (b > 4))))"
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"inner-both-inputs", join(plan.InnerJoin, plan.And(keys, q19)),
			tree("Join inner, "+cond, ":- Filter ((b > 1) OR (b > 3))", ":  +- "+opaqueLine, "+- Filter ((b > 2) OR (b > 4))", "   +- "+memLine)},
		// A left join keeps its left rows whatever the condition says:
		// only its right input is filtered.
		{"left-join-right-only", join(plan.LeftOuterJoin, plan.And(keys, q19)),
			tree("Join left, "+cond, ":- "+opaqueLine, "+- Filter ((b > 2) OR (b > 4))", "   +- "+memLine)},
		{"full-join-neither", join(plan.FullOuterJoin, plan.And(keys, q19)),
			tree("Join full, "+cond, ":- "+opaqueLine, "+- "+memLine)},
		// A branch without a condition of its own on an input implies
		// nothing about that input.
		{"branch-without-left", join(plan.InnerJoin, plan.And(keys, or(plan.And(gt(lb, 1), gt(rb, 2)), gt(rb, 4)))),
			tree("Join inner, ((a = a) AND (((b > 1) AND (b > 2)) OR (b > 4)))", ":- "+opaqueLine, "+- Filter ((b > 2) OR (b > 4))", "   +- "+memLine)},
		{"no-disjunction", join(plan.InnerJoin, keys),
			tree("Join inner, (a = a)", ":- "+opaqueLine, "+- "+memLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(inferJoinFilters{}, c.in), c.want)
		})
	}
}

// TestOptimizeInfersOnce: the whole optimizer infers each filter once and
// stops; the inferred filters reach the inputs.
func TestOptimizeInfersOnce(t *testing.T) {
	lb, rb := plan.LeftCol("b"), plan.RightCol("b")
	q19 := bin(plan.OpOr, plan.And(gt(lb, 1), gt(rb, 2)), plan.And(gt(lb, 3), gt(rb, 4)))
	in := must(plan.NewJoin(opaqueScan(), memScan(), plan.JoinSpec{Type: plan.InnerJoin,
		On: plan.And(bin(plan.OpEq, plan.LeftCol("a"), plan.RightCol("a")), q19), LeftID: 1, RightID: 2}))
	once := Optimize(in)
	if again := Optimize(once); fingerprint(again) != fingerprint(once) {
		t.Errorf("optimizing twice changed the plan:\n%s\nthen\n%s", plan.Explain(once), plan.Explain(again))
	}
	want := tree("Join inner, ((a = a) AND (((b > 1) AND (b > 2)) OR ((b > 3) AND (b > 4))))",
		":- Filter ((b > 1) OR (b > 3))", ":  +- "+opaqueLine, "+- Filter ((b > 2) OR (b > 4))", "   +- "+memLine)
	checkPlan(t, in, once, want)
}
