package optimize

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

func TestOptimize(t *testing.T) {
	derived := project(memScan(), col("a"), as(bin(plan.OpAdd, col("b"), lit(1)), "c"))
	cases := []struct {
		name string
		in   plan.Node
		want string
	}{
		{"filters-combine-and-sink", filter(filter(derived, gt(col("c"), 1)), gt(col("a"), 2)),
			tree("Project [a, (b + 1) AS c]", "+- Filter (((b + 1) > 1) AND (a > 2))", "   +- Scan memory [a, b], 2 partitions")},
		{"filter-through-two-projects", filter(project(derived, as(bin(plan.OpMul, col("c"), lit(2)), "d")), gt(col("d"), 10)),
			tree("Project [((b + 1) * 2) AS d]", "+- Filter (((b + 1) * 2) > 10)", "   +- Scan memory [b], 2 partitions")},
		{"filter-below-model", filter(project(memScan(), col("s"), as(udf(col("b")), "p")), bin(plan.OpEq, col("s"), lit("x"))),
			tree(`Project [s, model(b) AS p]`, `+- Filter (s = "x")`, "   +- Scan memory [b, s], 2 partitions")},
		{"model-output-filter-stays", filter(project(memScan(), col("s"), as(udf(col("b")), "p")), gt(col("p"), 0.5)),
			tree("Filter (p > 0.5)", "+- Project [s, model(b) AS p]", "   +- Scan memory [b, s], 2 partitions")},
		{"show-5-over-model", limit(project(filter(memScan(), gt(col("a"), 0)), col("a"), as(udf(col("b")), "p")), 5),
			tree("Project [a, model(b) AS p]", "+- Limit 5", "   +- Filter (a > 0)", "      +- Scan memory [a, b], 2 partitions")},
		{"id-stays-above", limit(filter(project(memScan(), col("a"), as(&plan.MonotonicID{}, "id")), gt(col("a"), 1)), 5),
			tree("Limit 5", "+- Filter (a > 1)", "   +- Project [a, monotonically_increasing_id() AS id]", "      +- Scan memory [a], 2 partitions")},
		// Once the unused id column is pruned, the limit reaches the scan.
		{"pruned-id-lets-limit-through", project(limit(project(memScan(), col("a"), as(&plan.MonotonicID{}, "id")), 5), col("a")),
			tree("Limit 5", "+- Scan memory [a], 2 partitions, limit 5")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkPlan(t, c.in, Optimize(c.in), c.want)
		})
	}
}

// TestOptimizeKeepsRootSchema optimizes random plans and checks the
// properties every optimization must keep: the root schema is identical
// (names, order, types, nullability), every node of the result resolves
// against its inputs, and optimizing again changes nothing.
func TestOptimizeKeepsRootSchema(t *testing.T) {
	plans := 3000
	if testing.Short() {
		plans = 300
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range plans {
		p := randomPlan(r)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			defer func() {
				if x := recover(); x != nil {
					t.Fatalf("panic %v optimizing\n%s", x, plan.Explain(p))
				}
			}()
			got := Optimize(p)
			if !got.Schema().Equal(p.Schema()) {
				t.Fatalf("root schema changed\nfrom %s\n  to %s\nplan\n%s\noptimized\n%s", p.Schema(), got.Schema(), plan.Explain(p), plan.Explain(got))
			}
			checkResolves(t, got)
			if again := Optimize(got); plan.Explain(again) != plan.Explain(got) {
				t.Fatalf("optimizing twice\n%s\nthen\n%s", plan.Explain(got), plan.Explain(again))
			}
		})
	}
}

// checkResolves rebuilds every node over its own children: the optimizer
// must never produce a node whose expressions its input cannot satisfy.
func checkResolves(t *testing.T, n plan.Node) {
	t.Helper()
	for _, c := range n.Children() {
		checkResolves(t, c)
	}
	if len(n.Children()) == 0 {
		return
	}
	rebuilt, err := n.WithChildren(n.Children())
	if err != nil {
		t.Fatalf("%s does not resolve over its input: %v", n, err)
	}
	if !rebuilt.Schema().Equal(n.Schema()) {
		t.Fatalf("%s: schema %s, rebuilt %s", n, n.Schema(), rebuilt.Schema())
	}
}

// randomPlan stacks 1 to 7 random operations on a scan.
func randomPlan(r *rand.Rand) plan.Node {
	var n plan.Node = memScan()
	if r.IntN(4) == 0 {
		n = opaqueScan()
	}
	fresh := 0
	name := func() string { fresh++; return fmt.Sprintf("x%d", fresh) }
	for range 1 + r.IntN(7) {
		if next := randomStep(r, n, name); next != nil {
			n = next
		}
	}
	return n
}

func randomStep(r *rand.Rand, n plan.Node, name func() string) plan.Node {
	fields := n.Schema().Fields()
	var numeric, all []plan.Expr
	for _, f := range fields {
		all = append(all, col(f.Name))
		if plan.IsNumeric(f.Type) {
			numeric = append(numeric, col(f.Name))
		}
	}
	pick := func(xs []plan.Expr) plan.Expr { return xs[r.IntN(len(xs))] }
	var out plan.Node
	var err error
	switch r.IntN(13) {
	case 0: // select a shuffled subset
		if len(all) == 0 {
			return nil
		}
		sub := append([]plan.Expr(nil), all...)
		r.Shuffle(len(sub), func(i, j int) { sub[i], sub[j] = sub[j], sub[i] })
		sub = sub[:1+r.IntN(len(sub))]
		if r.IntN(3) == 0 {
			sub[0] = as(sub[0], name())
		}
		out, err = plan.NewProject(n, sub...)
	case 1, 2: // with a cheap computed column
		if len(numeric) == 0 {
			return nil
		}
		out, err = plan.NewProject(n, append(all, as(bin(plan.OpAdd, pick(numeric), lit(1)), name()))...)
	case 3: // with a model column
		if len(numeric) == 0 {
			return nil
		}
		out, err = plan.NewProject(n, append(all, as(udf(pick(numeric)), name()))...)
	case 4: // with an id column
		out, err = plan.NewProject(n, append(all, as(&plan.MonotonicID{}, name()))...)
	case 5, 6:
		if len(numeric) == 0 {
			return nil
		}
		out, err = plan.NewFilter(n, gt(pick(numeric), r.IntN(10)))
	case 7:
		out = limit(n, int64(r.IntN(20)))
	case 8:
		if len(all) == 0 {
			return nil
		}
		out, err = plan.NewSort(n, plan.SortOrder{Expr: pick(all), Descending: r.IntN(2) == 0})
	case 9:
		if len(all) > 0 && r.IntN(2) == 0 {
			out, err = plan.NewRepartition(n, 1+r.IntN(4), pick(all))
		} else {
			out, err = plan.NewRepartition(n, 1+r.IntN(4))
		}
	case 10:
		out = &plan.Coalesce{Input: n, N: 1 + r.IntN(3)}
	case 11:
		var keys []plan.Expr
		if len(all) > 0 && r.IntN(2) == 0 {
			keys = []plan.Expr{pick(all)}
		}
		aggs := []plan.AggExpr{{Func: plan.AggCount}}
		if len(numeric) > 0 {
			aggs = append(aggs, plan.AggExpr{Func: plan.AggSum, Arg: pick(numeric), Name: name()})
		}
		out, err = plan.NewAggregate(n, keys, aggs)
	case 12:
		if r.IntN(2) == 0 {
			out = &plan.Distinct{Input: n}
		} else {
			out, err = plan.NewUnion(n, n)
		}
	}
	if err != nil {
		return nil // for example an aggregate key named like an aggregate
	}
	return out
}

// TestOptimizeNullability: a column reference keeps its input field's
// nullability through every rewrite.
func TestOptimizeNullability(t *testing.T) {
	in := project(filter(project(memScan(), col("a"), col("b")), gt(col("a"), 1)), col("a"))
	got := Optimize(in)
	f := got.Schema().Field(0)
	if f.Name != "a" || f.Nullable || !arrow.TypeEqual(f.Type, arrow.PrimitiveTypes.Int64) {
		t.Fatalf("optimized root field %v, plan\n%s", f, plan.Explain(got))
	}
}
