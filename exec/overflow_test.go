package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestIntegerOverflowFails: integer arithmetic and integer sums that
// leave int64's range fail, naming the expression, as ANSI SQL (and
// Spark 4 by default) do — they used to wrap around to wrong numbers.
func TestIntegerOverflowFails(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64},
		{Name: "u", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	big := `[{"k": 1, "v": 9223372036854775807, "u": 1, "f": 1e308}, {"k": 1, "v": 1, "u": 18446744073709551615, "f": 1e308}]`
	small := `[{"k": 1, "v": -9223372036854775808, "u": 1, "f": 1}]`
	cases := []struct {
		name  string
		build func(plan.Node) (plan.Node, error)
		want  string // "" for success
	}{
		{"add", func(in plan.Node) (plan.Node, error) {
			return plan.NewProject(in, plan.NewBinary(plan.OpAdd, plan.Col("v"), plan.Lit(int64(1))))
		}, "(v + 1): integer overflow"},
		{"multiply", func(in plan.Node) (plan.Node, error) {
			return plan.NewProject(in, plan.NewBinary(plan.OpMul, plan.Col("v"), plan.Lit(int64(3))))
		}, "(v * 3): integer overflow"},
		{"subtract", func(in plan.Node) (plan.Node, error) {
			return plan.NewProject(in, plan.NewBinary(plan.OpSub, plan.Lit(int64(-2)), plan.Col("v")))
		}, "integer overflow"},
		{"sum", func(in plan.Node) (plan.Node, error) {
			return plan.NewAggregate(in, []plan.Expr{plan.Col("k")}, []plan.AggExpr{{Func: plan.AggSum, Arg: plan.Col("v")}})
		}, "sum(v): integer overflow"},
		{"global-sum", func(in plan.Node) (plan.Node, error) {
			return plan.NewAggregate(in, nil, []plan.AggExpr{{Func: plan.AggSum, Arg: plan.Col("v")}})
		}, "sum(v): integer overflow"},
		{"sum-uint64", func(in plan.Node) (plan.Node, error) {
			return plan.NewAggregate(in, nil, []plan.AggExpr{{Func: plan.AggSum, Arg: plan.Col("u")}})
		}, "sum(u): integer overflow"},
		{"sum-uint64-in-range", func(in plan.Node) (plan.Node, error) {
			small := exectest.Must(plan.NewFilter(in, plan.NewBinary(plan.OpLt, plan.Col("u"), plan.Lit(int64(100)))))
			return plan.NewAggregate(small, nil, []plan.AggExpr{{Func: plan.AggSum, Arg: plan.Col("u")}})
		}, ""},
		// Floats reach infinity, as in every engine: no error.
		{"float-sum", func(in plan.Node) (plan.Node, error) {
			return plan.NewAggregate(in, nil, []plan.AggExpr{{Func: plan.AggSum, Arg: plan.Col("f")}})
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			// Two partitions: sums overflow when partial states merge too.
			root, err := c.build(memScan(t, mem, s, []string{big}, []string{small, big}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = run(t, context.Background(), mem, 0, root)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
