package optimize

import (
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestPushJoinFilters(t *testing.T) {
	l, r := opaqueScan(), memScan()
	join := func(typ plan.JoinType, on plan.Expr) plan.Node {
		return must(plan.NewJoin(l, r, plan.JoinSpec{Type: typ, On: on, LeftID: 1, RightID: 2}))
	}
	using := func(typ plan.JoinType) plan.Node {
		return must(plan.NewJoin(l, r, plan.JoinSpec{Type: typ, Using: []string{"a"}, LeftID: 1, RightID: 2}))
	}
	keys := bin(plan.OpEq, plan.LeftCol("a"), plan.RightCol("a"))
	la, rb := plan.QualifiedCol(1, "b"), plan.QualifiedCol(2, "b")
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"inner-both-sides", filter(join(plan.InnerJoin, keys), plan.And(gt(la, 1), gt(rb, 2))),
			tree("Join inner, (a = a)", ":- Filter (b > 1)", ":  +- "+opaqueLine, "+- Filter (b > 2)", "   +- "+memLine)},
		// A left join keeps its left rows: a filter on the right side's
		// columns stays above it (it drops the NULL-extended rows too).
		{"left-keeps-right-filter", filter(join(plan.LeftOuterJoin, keys), plan.And(gt(la, 1), gt(rb, 2))),
			tree("Filter (b > 2)", "+- Join left, (a = a)", "   :- Filter (b > 1)", "   :  +- "+opaqueLine, "   +- "+memLine)},
		{"right-keeps-left-filter", filter(join(plan.RightOuterJoin, keys), plan.And(gt(la, 1), gt(rb, 2))),
			tree("Filter (b > 1)", "+- Join right, (a = a)", "   :- "+opaqueLine, "   +- Filter (b > 2)", "      +- "+memLine)},
		{"full-keeps-both", filter(join(plan.FullOuterJoin, keys), gt(la, 1)),
			tree("Filter (b > 1)", "+- Join full, (a = a)", "   :- "+opaqueLine, "   +- "+memLine)},
		// A filter over both inputs of a cross join makes it an inner join
		// on that condition.
		{"cross-becomes-inner", filter(join(plan.CrossJoin, nil), bin(plan.OpEq, la, rb)),
			tree("Join inner, (b = b)", ":- "+opaqueLine, "+- "+memLine)},
		// Using keys: the left's value in a left join, either in a full one.
		{"using-key-left", filter(using(plan.LeftOuterJoin), gt(col("a"), 3)),
			tree("Join left, using [a]", ":- Filter (a > 3)", ":  +- "+opaqueLine, "+- "+memLine)},
		{"using-key-full", filter(using(plan.FullOuterJoin), gt(col("a"), 3)),
			tree("Filter (a > 3)", "+- Join full, using [a]", "   :- "+opaqueLine, "   +- "+memLine)},
		// The ON condition's one-sided conjuncts: into the right input of a
		// left join (its rows only match or not), never into the left.
		{"condition-left-join", join(plan.LeftOuterJoin, plan.And(keys, gt(plan.RightCol("b"), 5), gt(plan.LeftCol("b"), 6))),
			tree("Join left, ((a = a) AND (b > 6))", ":- "+opaqueLine, "+- Filter (b > 5)", "   +- "+memLine)},
		{"condition-inner-join", join(plan.InnerJoin, plan.And(keys, gt(plan.RightCol("b"), 5), gt(plan.LeftCol("b"), 6))),
			tree("Join inner, (a = a)", ":- Filter (b > 6)", ":  +- "+opaqueLine, "+- Filter (b > 5)", "   +- "+memLine)},
		{"condition-anti-join", join(plan.LeftAntiJoin, plan.And(keys, gt(plan.RightCol("b"), 5), gt(plan.LeftCol("b"), 6))),
			tree("Join left_anti, ((a = a) AND (b > 6))", ":- "+opaqueLine, "+- Filter (b > 5)", "   +- "+memLine)},
		{"not-row-numbers", filter(join(plan.InnerJoin, keys), bin(plan.OpGt, &plan.MonotonicID{}, lit(3))),
			tree("Filter (monotonically_increasing_id() > 3)", "+- Join inner, (a = a)", "   :- "+opaqueLine, "   +- "+memLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, applyRule(pushJoinFilters{}, c.in), c.want)
		})
	}
}

func TestPruneJoinColumns(t *testing.T) {
	l, r := memScan(), memScan()
	j := must(plan.NewJoin(l, r, plan.JoinSpec{Type: plan.InnerJoin, On: bin(plan.OpEq, plan.LeftCol("a"), plan.RightCol("b")), LeftID: 1, RightID: 2}))
	p := project(j, plan.QualifiedCol(2, "s"))
	got := plan.Explain(Optimize(p))
	// Requirements are names: s, read from the right input, is kept on
	// the left too, which has a column of that name.
	want := tree("Project [s]", "+- Join inner, (a = b)", "   :- Scan memory [a, s], 2 partitions", "   +- Scan memory [b, s], 2 partitions")
	if got != want {
		t.Fatalf("plan\n%s\nwant\n%s", got, want)
	}
	// Behind a hint too.
	h := must(plan.NewHint(r, plan.BroadcastHint))
	j = must(plan.NewJoin(l, h, plan.JoinSpec{Type: plan.LeftSemiJoin, Using: []string{"a"}}))
	got = plan.Explain(Optimize(project(j, col("b"))))
	want = tree("Project [b]", "+- Join left_semi, using [a]", "   :- Scan memory [a, b], 2 partitions", "   +- Hint broadcast", "      +- Scan memory [a], 2 partitions")
	if got != want {
		t.Fatalf("plan\n%s\nwant\n%s", got, want)
	}
}
