package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
)

var aggCodecSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

func aggCodecScan() plan.Node {
	return &plan.Scan{Source: &fileSource{Path: "p", Fields: plan.EncodeSchema(aggCodecSchema)}}
}

// TestAggregateCodecRoundTrip encodes a plan with every aggregate built
// through CallAggregate (as SQL builds them) and decodes the same plan.
func TestAggregateCodecRoundTrip(t *testing.T) {
	calls := []struct {
		name     string
		distinct bool
		args     []plan.Expr
	}{
		{"count", true, []plan.Expr{plan.Col("g"), plan.Col("k")}},
		{"sum", true, []plan.Expr{plan.Col("g")}},
		{"stddev", false, []plan.Expr{plan.Col("x")}},
		{"stddev_samp", false, []plan.Expr{plan.Col("x")}},
		{"stddev_pop", false, []plan.Expr{plan.Col("x")}},
		{"variance", false, []plan.Expr{plan.Col("x")}},
		{"var_samp", false, []plan.Expr{plan.Col("g")}},
		{"var_pop", false, []plan.Expr{plan.Col("g")}},
		{"first", false, []plan.Expr{plan.Col("k"), plan.Lit(true)}},
		{"last_value", false, []plan.Expr{plan.Col("x")}},
		{"collect_list", false, []plan.Expr{plan.Col("tags")}},
		{"collect_set", false, []plan.Expr{plan.Col("k")}},
		{"approx_count_distinct", false, []plan.Expr{plan.Col("k"), plan.Lit(0.01)}},
		{"percentile_approx", false, []plan.Expr{plan.Col("x"), plan.Lit(0.5), plan.Lit(100)}},
		{"approx_percentile", false, []plan.Expr{plan.Col("g"), must(plan.CallFunction("array", plan.Lit(0.25), plan.Lit(0.75)))}},
	}
	var aggs []plan.AggExpr
	for _, c := range calls {
		a, err := plan.CallAggregate(c.name, c.distinct, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		aggs = append(aggs, a)
	}
	root, err := plan.NewAggregate(aggCodecScan(), []plan.Expr{plan.Col("k")}, aggs)
	if err != nil {
		t.Fatal(err)
	}
	names := root.Schema().Fields()
	for _, want := range []string{"count(DISTINCT g, k)", "sum(DISTINCT g)", "first(k)", "percentile_approx(x, 0.5, 100)", "percentile_approx(g, array(0.25, 0.75), 10000)"} {
		if !slices.ContainsFunc(names, func(f arrow.Field) bool { return f.Name == want }) {
			t.Errorf("no column %q in %s", want, root.Schema())
		}
	}
	roundTrip(t, root)
	if _, err := plan.RewriteDistinctAggregates(root); err != nil {
		t.Fatal(err)
	}
}

// TestGenerateCodecAndPruning round-trips each generator and checks that
// pruning keeps only the columns the generator and its parents read.
func TestGenerateCodecAndPruning(t *testing.T) {
	for _, name := range plan.GeneratorNames() {
		for _, arg := range []string{"tags", "m"} {
			gen, err := plan.CallGenerator(name, plan.Col(arg))
			if err != nil {
				t.Fatal(err)
			}
			root, err := plan.Projection(aggCodecScan(), plan.Col("k"), gen)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, root)
			opt := optimize.Optimize(root)
			explain := plan.Explain(opt)
			if !strings.Contains(explain, "Generate "+name+"("+arg+")") {
				t.Errorf("%s(%s): EXPLAIN has no Generate:\n%s", name, arg, explain)
			}
			var gen2 *plan.Generate
			for n := opt; n != nil && gen2 == nil; {
				gen2, _ = n.(*plan.Generate)
				if len(n.Children()) == 0 {
					break
				}
				n = n.Children()[0]
			}
			if gen2 == nil || gen2.Input.Schema().NumFields() != 2 {
				t.Errorf("%s(%s): the generator's input is not pruned to k and %s:\n%s", name, arg, arg, explain)
			}
		}
	}
	if _, err := plan.Projection(aggCodecScan(), plan.NewBinary(plan.OpAdd, &plan.Generator{Arg: plan.Col("tags")}, plan.Lit(1))); err == nil {
		t.Error("a generator nested in an expression was accepted")
	}
}

func roundTrip(t *testing.T, root plan.Node) {
	t.Helper()
	data, err := plan.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if plan.Explain(back) != plan.Explain(root) || !back.Schema().Equal(root.Schema()) {
		t.Fatalf("round trip changed the plan:\n%s\nwant\n%s", plan.Explain(back), plan.Explain(root))
	}
}
