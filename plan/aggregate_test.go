package plan

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestAggregateNaming(t *testing.T) {
	scan := testScan(t)
	a := mustBuild(NewAggregate(scan, []Expr{Col("s"), &Alias{Child: NewBinary(OpMod, Col("a"), Lit(2)), Name: "parity"}}, []AggExpr{
		{Func: AggCount},
		{Func: AggCount, Arg: Col("b")},
		{Func: AggSum, Arg: Col("b")},
		{Func: AggAvg, Arg: Col("a")},
		{Func: AggMin, Arg: Col("s")},
		{Func: AggMax, Arg: NewBinary(OpAdd, Col("b"), Lit(1))},
		{Func: AggSum, Arg: &Alias{Child: NewBinary(OpMul, Col("a"), Lit(2)), Name: "double"}},
		{Func: AggAvg, Arg: Col("b"), Name: "mean_b"},
	}))
	want := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "parity", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "count", Type: arrow.PrimitiveTypes.Int64},
		{Name: "count(b)", Type: arrow.PrimitiveTypes.Int64},
		{Name: "sum(b)", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "avg(a)", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "min(s)", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "max((b + 1))", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "sum(double)", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "mean_b", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	if !a.Schema().Equal(want) {
		t.Fatalf("schema\n%s\nwant\n%s", a.Schema(), want)
	}
	if got, want := a.String(), "Aggregate keys=[s, (a % 2) AS parity] aggs=[count(*) AS count, count(b), sum(b), avg(a), min(s), max((b + 1)), sum((a * 2) AS double) AS sum(double), avg(b) AS mean_b]"; got != want {
		t.Fatalf("String()\n%s\nwant\n%s", got, want)
	}
}

func TestAggregateTypes(t *testing.T) {
	in := &Scan{Source: mustBuild(NewMemorySource(exprSchema, nil))}
	cases := []struct {
		agg  AggExpr
		want arrow.DataType // nil: ErrType
	}{
		{AggExpr{Func: AggSum, Arg: Col("i8")}, arrow.PrimitiveTypes.Int64},
		{AggExpr{Func: AggSum, Arg: Col("u64")}, arrow.PrimitiveTypes.Int64},
		{AggExpr{Func: AggSum, Arg: Col("f32")}, arrow.PrimitiveTypes.Float64},
		{AggExpr{Func: AggAvg, Arg: Col("i32")}, arrow.PrimitiveTypes.Float64},
		{AggExpr{Func: AggMin, Arg: Col("d")}, arrow.FixedWidthTypes.Date32},
		{AggExpr{Func: AggMax, Arg: Col("b")}, arrow.FixedWidthTypes.Boolean},
		{AggExpr{Func: AggCount, Arg: Col("l")}, arrow.PrimitiveTypes.Int64},
		{AggExpr{Func: AggSum, Arg: Col("s")}, nil},
		{AggExpr{Func: AggAvg, Arg: Col("b")}, nil},
		{AggExpr{Func: AggMax, Arg: Col("l")}, nil},
		{AggExpr{Func: AggSum}, nil}, // only count may omit its argument
	}
	for _, c := range cases {
		a, err := NewAggregate(in, nil, []AggExpr{c.agg})
		if c.want == nil {
			if !errors.Is(err, ErrType) {
				t.Errorf("%s: error %v, want ErrType", c.agg, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.agg, err)
			continue
		}
		if got := a.Aggs[0].Type(); !arrow.TypeEqual(got, c.want) {
			t.Errorf("%s has type %s, want %s", c.agg, got, c.want)
		}
	}
}

func TestAggregateErrors(t *testing.T) {
	scan := testScan(t)
	if _, err := NewAggregate(scan, nil, []AggExpr{{Func: AggCount}, {Func: AggCount}}); err == nil {
		t.Error("two count(*) columns accepted")
	}
	if _, err := NewAggregate(scan, []Expr{Col("s")}, []AggExpr{{Func: AggMax, Arg: Col("b"), Name: "s"}}); err == nil {
		t.Error("an aggregate named like a key accepted")
	}
	if _, err := NewAggregate(scan, []Expr{Col("zz")}, nil); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("missing key: %v", err)
	}
	if _, err := NewAggregate(scan, nil, []AggExpr{{Func: AggSum, Arg: Col("zz")}}); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("missing argument: %v", err)
	}
	// No keys and no aggregates: one row with no columns, like Spark.
	a := mustBuild(NewAggregate(scan, nil, nil))
	if a.Schema().NumFields() != 0 {
		t.Errorf("empty aggregate schema %s", a.Schema())
	}
}

func TestAggExprDefaultName(t *testing.T) {
	cases := []struct {
		agg  AggExpr
		want string
	}{
		{AggExpr{Func: AggCount}, "count"},
		{AggExpr{Func: AggCount, Arg: Col("x")}, "count(x)"},
		{AggExpr{Func: AggSum, Arg: Col("x")}, "sum(x)"},
		{AggExpr{Func: AggAvg, Arg: Col("x")}, "avg(x)"},
		{AggExpr{Func: AggMin, Arg: Col("x")}, "min(x)"},
		{AggExpr{Func: AggMax, Arg: &Alias{Child: Col("y"), Name: "x"}}, "max(x)"},
	}
	for _, c := range cases {
		if got := c.agg.DefaultName(); got != c.want {
			t.Errorf("DefaultName() = %q, want %q", got, c.want)
		}
	}
}
