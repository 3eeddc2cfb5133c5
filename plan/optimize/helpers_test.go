package optimize

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// testSchema is the schema of every test scan: a non-nullable key, two
// nullable columns.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64},
	{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// memScan scans an empty two-partition memory source, which accepts
// projections and limits.
func memScan() *plan.Scan {
	src := must(plan.NewMemorySource(testSchema, [][]arrow.RecordBatch{nil, nil}))
	return &plan.Scan{Source: src}
}

// opaqueSource accepts neither projections nor limits.
type opaqueSource struct{}

func (opaqueSource) String() string        { return "opaque" }
func (opaqueSource) Schema() *arrow.Schema { return testSchema }
func (opaqueSource) Partitions() int       { return 1 }
func (opaqueSource) Open(context.Context, int, plan.ScanOptions) (plan.BatchReader, error) {
	return nil, errors.New("opaque source is not readable")
}

func opaqueScan() *plan.Scan { return &plan.Scan{Source: opaqueSource{}} }

// model stands for an expensive user-defined function.
type model struct{}

func (model) Name() string { return "model" }
func (model) ReturnType([]arrow.DataType) (arrow.DataType, error) {
	return arrow.PrimitiveTypes.Float64, nil
}
func (model) Invoke(context.Context, []arrow.Array, int) (arrow.Array, error) {
	return nil, errors.New("not called by the optimizer")
}

func udf(args ...plan.Expr) plan.Expr { return &plan.Call{Fn: model{}, Args: args} }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func col(name string) plan.Expr { return plan.Col(name) }
func lit(v any) plan.Expr       { return plan.Lit(v) }
func as(e plan.Expr, name string) plan.Expr {
	return &plan.Alias{Child: e, Name: name}
}
func bin(op plan.BinaryOp, l, r plan.Expr) plan.Expr { return plan.NewBinary(op, l, r) }
func gt(l plan.Expr, v any) plan.Expr                { return bin(plan.OpGt, l, lit(v)) }

func project(in plan.Node, exprs ...plan.Expr) plan.Node { return must(plan.NewProject(in, exprs...)) }
func filter(in plan.Node, cond plan.Expr) plan.Node      { return must(plan.NewFilter(in, cond)) }
func limit(in plan.Node, n int64) plan.Node              { return &plan.Limit{Input: in, N: n} }

// tree joins EXPLAIN lines.
func tree(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// applyRule runs one rule over a whole plan, as Optimize does.
func applyRule(r Rule, n plan.Node) plan.Node { return transformUp(n, r.Apply) }

// checkPlan compares EXPLAIN text and checks the root schema is unchanged.
func checkPlan(t *testing.T, before, after plan.Node, want string) {
	t.Helper()
	if got := plan.Explain(after); got != want {
		t.Errorf("plan\n%s\nwant\n%s\nfrom\n%s", got, want, plan.Explain(before))
	}
	if !after.Schema().Equal(before.Schema()) {
		t.Errorf("root schema changed from %s to %s", before.Schema(), after.Schema())
	}
}

const (
	memLine    = "Scan memory [a, b, s], 2 partitions"
	opaqueLine = "Scan opaque"
)
