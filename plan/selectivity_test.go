package plan

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestSelectivity(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "u", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	// i holds 100 whole values, 0…99; f spans [0, 10].
	ranges := map[string]Range{"i": {Min: int64(0), Max: int64(99)}, "d": {Min: int64(0), Max: int64(364)},
		"f": {Min: 0.0, Max: 10.0}, "s": {Min: "a", Max: "z"}}
	and := func(a, b Expr) Expr { return NewBinary(OpAnd, a, b) }
	or := func(a, b Expr) Expr { return NewBinary(OpOr, a, b) }
	cases := []struct {
		cond Expr
		want float64
	}{
		{NewBinary(OpLt, Col("i"), Lit(10)), 0.10},
		{NewBinary(OpLe, Col("i"), Lit(10)), 0.11},
		{NewBinary(OpGe, Col("i"), Lit(90)), 0.10},
		{NewBinary(OpGt, Col("i"), Lit(89.5)), 0.10}, // 90…99
		{NewBinary(OpGt, Lit(10), Col("i")), 0.10},   // mirrored: i < 10
		{NewBinary(OpEq, Col("i"), Lit(7)), 0.01},
		{NewBinary(OpEq, Col("i"), Lit(700)), 0},
		{and(NewBinary(OpGe, Col("i"), Lit(20)), NewBinary(OpLt, Col("i"), Lit(30))), 0.10}, // one interval, not 0.8 × 0.3
		{and(NewBinary(OpGe, Col("i"), Lit(50)), NewBinary(OpLt, Col("i"), Lit(40))), 0},
		{and(NewBinary(OpLt, Col("i"), Lit(50)), NewBinary(OpLt, Col("f"), Lit(2.5))), 0.125}, // independent columns multiply
		{or(NewBinary(OpLt, Col("i"), Lit(10)), NewBinary(OpGe, Col("i"), Lit(80))), 0.30},
		{or(NewBinary(OpLt, Col("i"), Lit(60)), NewBinary(OpGe, Col("i"), Lit(20))), 1}, // capped
		{and(NewBinary(OpLt, Col("i"), Lit(50)), or(NewBinary(OpLt, Col("f"), Lit(1)), NewBinary(OpGt, Col("f"), Lit(9)))), 0.10},
		{NewBinary(OpLt, Col("f"), Lit(2.5)), 0.25},
		{NewBinary(OpEq, Col("f"), Lit(2.5)), 1},  // a point of a continuum: unknown
		{NewBinary(OpEq, Col("s"), Lit("m")), 1},  // strings: unknown
		{NewBinary(OpEq, Col("s"), Lit("zz")), 0}, // but out of range
		{NewBinary(OpLt, Col("u"), Lit(5)), 1},    // no range
		{NewBinary(OpNeq, Col("i"), Lit(5)), 1},
		{NewUnary(OpIsNull, Col("i")), 1},
		{and(NewBinary(OpGe, Col("d"), TypedLit(int64(73), arrow.FixedWidthTypes.Date32)), NewBinary(OpLt, Col("d"), TypedLit(int64(146), arrow.FixedWidthTypes.Date32))), 0.2},
	}
	for _, c := range cases {
		cond, err := c.cond.Resolve(schema)
		if err != nil {
			t.Fatal(err)
		}
		if got := Selectivity(cond, ranges); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Selectivity(%s) = %v, want %v", cond, got, c.want)
		}
	}
	if got := Selectivity(nil, ranges); got != 1 {
		t.Errorf("Selectivity(nil) = %v, want 1", got)
	}
	nulls, _ := NewBinary(OpLt, Col("i"), Lit(5)).Resolve(schema)
	if got := Selectivity(nulls, map[string]Range{"i": {AllNull: true}}); got != 0 {
		t.Errorf("Selectivity over a column of NULLs = %v, want 0", got)
	}
}
