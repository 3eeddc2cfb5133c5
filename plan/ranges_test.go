package plan

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestMayMatch(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "u", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	ranges := map[string]Range{"i": {Min: int64(10), Max: int64(20)}, "f": {Min: 1.5, Max: 2.5}, "s": {Min: "b", Max: "d"}}
	cases := []struct {
		cond Expr
		want bool
	}{
		{NewBinary(OpGt, Col("i"), Lit(20)), false},
		{NewBinary(OpGe, Col("i"), Lit(20)), true},
		{NewBinary(OpLt, Col("i"), Lit(10)), false},
		{NewBinary(OpEq, Col("i"), Lit(15)), true},
		{NewBinary(OpEq, Col("i"), Lit(25)), false},
		{NewBinary(OpGt, Col("i"), Lit(19.5)), true},  // CAST(i AS double) > 19.5
		{NewBinary(OpLt, Lit(20.5), Col("i")), false}, // mirrored
		{NewBinary(OpGt, Col("f"), Lit(2.5)), false},
		{NewBinary(OpEq, Col("s"), Lit("a")), false},
		{NewBinary(OpEq, Col("s"), Lit("c")), true},
		{NewBinary(OpAnd, NewBinary(OpGt, Col("i"), Lit(0)), NewBinary(OpEq, Col("s"), Lit("z"))), false},
		{NewBinary(OpOr, NewBinary(OpGt, Col("i"), Lit(100)), NewBinary(OpEq, Col("s"), Lit("z"))), false},
		{NewBinary(OpOr, NewBinary(OpGt, Col("i"), Lit(100)), NewBinary(OpGt, Col("u"), Lit(1))), true}, // u unknown
		{NewUnary(OpIsNull, Col("i")), true},
	}
	for _, c := range cases {
		cond, err := c.cond.Resolve(schema)
		if err != nil {
			t.Fatal(err)
		}
		if got := MayMatch(cond, ranges); got != c.want {
			t.Errorf("MayMatch(%s) = %v, want %v", cond, got, c.want)
		}
	}
	nulls, _ := NewBinary(OpEq, Col("s"), Lit("x")).Resolve(schema)
	if MayMatch(nulls, map[string]Range{"s": {AllNull: true}}) {
		t.Error("s = 'x' may not match where s is always NULL")
	}
	point := map[string]Range{"s": {Min: "x", Max: "x"}}
	neq, _ := NewBinary(OpNeq, Col("s"), Lit("x")).Resolve(schema)
	if MayMatch(neq, point) {
		t.Error("s != 'x' may not match where s is always 'x'")
	}
}
