package plan

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestBinaryResolve(t *testing.T) {
	var (
		boolean = arrow.FixedWidthTypes.Boolean
		i8      = arrow.PrimitiveTypes.Int8
		i32     = arrow.PrimitiveTypes.Int32
		i64     = arrow.PrimitiveTypes.Int64
		u64     = arrow.PrimitiveTypes.Uint64
		f32     = arrow.PrimitiveTypes.Float32
		f64     = arrow.PrimitiveTypes.Float64
	)
	bin := NewBinary
	runResolveCases(t, exprSchema, []resolveCase{
		// A numeric literal adapts to the column when it fits exactly, as
		// Spark promotes literals to the column's type.
		{name: "int32+lit-stays-int32", expr: bin(OpAdd, Col("i32"), Lit(2)), wantText: "(i32 + 2)", wantType: i32},
		{name: "lit+int32-stays-int32", expr: bin(OpAdd, Lit(2), Col("i32")), wantText: "(2 + i32)", wantType: i32},
		{name: "int32>fraction-widens", expr: bin(OpGt, Col("i32"), Lit(30.5)), wantText: "(CAST(i32 AS float64) > 30.5)", wantType: boolean},
		{name: "int32>float-literal-compares-as-double", expr: bin(OpGt, Col("i32"), Lit(30.0)), wantText: "(CAST(i32 AS float64) > 30.0)", wantType: boolean},
		{name: "float32*lit-stays-float32", expr: bin(OpMul, Col("f32"), Lit(2)), wantText: "(f32 * 2.0)", wantType: f32},
		{name: "float32>float-lit-stays-float32", expr: bin(OpGt, Col("f32"), Lit(0.5)), wantText: "(f32 > 0.5)", wantType: boolean},
		{name: "int8+100-stays-int8", expr: bin(OpAdd, Col("i8"), Lit(100)), wantText: "(i8 + 100)", wantType: i8},
		{name: "int8+1000-widens", expr: bin(OpAdd, Col("i8"), Lit(1000)), wantText: "(CAST(i8 AS int64) + 1000)", wantType: i64},
		{name: "uint8+negative-widens-to-int64", expr: bin(OpAdd, Col("u8"), Lit(-1)), wantText: "(CAST(u8 AS int64) + -1)", wantType: i64},
		{name: "uint64+lit-stays-uint64", expr: bin(OpAdd, Col("u64"), Lit(1)), wantText: "(u64 + 1)", wantType: u64},
		// Column against column widens, as Spark does.
		{name: "unsigned+signed-is-int64", expr: bin(OpAdd, Col("u8"), Col("i8")), wantText: "(CAST(u8 AS int64) + CAST(i8 AS int64))", wantType: i64},
		{name: "int64+float32-is-float64", expr: bin(OpAdd, Col("i64"), Col("f32")), wantText: "(CAST(i64 AS float64) + CAST(f32 AS float64))", wantType: f64},
		{name: "float32+float32", expr: bin(OpAdd, Col("f32"), Col("f32")), wantText: "(f32 + f32)", wantType: f32},
		{name: "int8+int32", expr: bin(OpSub, Col("i8"), Col("i32")), wantText: "(CAST(i8 AS int32) - i32)", wantType: i32},
		// "/" on integers gives float64; "%" keeps the type.
		{name: "int-div-int-is-float64", expr: bin(OpDiv, Col("i32"), Col("i32")), wantText: "(CAST(i32 AS float64) / CAST(i32 AS float64))", wantType: f64},
		{name: "int-div-lit-is-float64", expr: bin(OpDiv, Col("i64"), Lit(2)), wantText: "(CAST(i64 AS float64) / 2.0)", wantType: f64},
		{name: "float32-div-stays-float32", expr: bin(OpDiv, Col("f32"), Lit(2)), wantText: "(f32 / 2.0)", wantType: f32},
		{name: "int-mod-stays-int", expr: bin(OpMod, Col("i32"), Lit(7)), wantText: "(i32 % 7)", wantType: i32},
		// NULL takes the other side's type; NULL with NULL is float64.
		{name: "int32=null", expr: bin(OpEq, Col("i32"), Lit(nil)), wantText: "(i32 = NULL)", wantType: boolean},
		{name: "null+null", expr: bin(OpAdd, Lit(nil), Lit(nil)), wantText: "(NULL + NULL)", wantType: f64},
		{name: "string=string", expr: bin(OpEq, Col("s"), Lit("x")), wantText: `(s = "x")`, wantType: boolean},
		{name: "date=date", expr: bin(OpLe, Col("d"), Col("d")), wantText: "(d <= d)", wantType: boolean},
		{name: "and", expr: bin(OpAnd, Col("b"), Lit(true)), wantText: "(b AND true)", wantType: boolean},
		{name: "or-null", expr: bin(OpOr, Col("b"), Lit(nil)), wantText: "(b OR NULL)", wantType: boolean},
		{name: "contains", expr: bin(OpContains, Col("s"), Lit("a")), wantText: `contains(s, "a")`, wantType: boolean},
		// Mismatches wrap ErrType; unknown columns ErrColumnNotFound.
		{name: "string+int", expr: bin(OpAdd, Col("s"), Lit(1)), wantErr: ErrType},
		{name: "string<int32", expr: bin(OpLt, Col("s"), Col("i32")), wantErr: ErrType},
		{name: "string+string", expr: bin(OpAdd, Col("s"), Col("s")), wantErr: ErrType},
		{name: "date+int", expr: bin(OpAdd, Col("d"), Lit(1)), wantErr: ErrType},
		{name: "bool+bool", expr: bin(OpAdd, Col("b"), Col("b")), wantErr: ErrType},
		{name: "and-int", expr: bin(OpAnd, Col("b"), Col("i32")), wantErr: ErrType},
		{name: "or-string", expr: bin(OpOr, Col("s"), Col("b")), wantErr: ErrType},
		{name: "and-int-literal", expr: bin(OpAnd, Lit(1), Col("b")), wantErr: ErrType},
		{name: "contains-int", expr: bin(OpContains, Col("s"), Col("i32")), wantErr: ErrType},
		{name: "missing-left", expr: bin(OpAdd, Col("nope"), Lit(1)), wantErr: ErrColumnNotFound},
		{name: "missing-right", expr: bin(OpAdd, Lit(1), Col("nope")), wantErr: ErrColumnNotFound},
	})
}

// TestBinaryResolveCoercesOperands checks the invariant the executor relies
// on: both operands of a resolved Binary have the same type.
func TestBinaryResolveCoercesOperands(t *testing.T) {
	names := []string{"i8", "i32", "i64", "u8", "u64", "f32", "f64"}
	lits := []Expr{Lit(2), Lit(-3), Lit(2.5), Lit(1000), Lit(uint64(1) << 63), Lit(nil)}
	var operands []Expr
	for _, n := range names {
		operands = append(operands, Col(n))
	}
	operands = append(operands, lits...)
	for op := OpAdd; op <= OpGe; op++ {
		for _, l := range operands {
			for _, r := range operands {
				e, err := NewBinary(op, l, r).Resolve(exprSchema)
				if err != nil {
					t.Fatalf("%s %s %s: %v", l, op, r, err)
				}
				b := e.(*Binary)
				if !arrow.TypeEqual(b.Left.Type(), b.Right.Type()) {
					t.Errorf("%s: operand types %s and %s differ", b, b.Left.Type(), b.Right.Type())
				}
				if op.IsComparison() && b.Type().ID() != arrow.BOOL {
					t.Errorf("%s: comparison has type %s", b, b.Type())
				}
				if op == OpDiv && !isFloat(b.Type()) {
					t.Errorf("%s: division has type %s", b, b.Type())
				}
			}
		}
	}
}

func TestBinaryOpPredicates(t *testing.T) {
	for op := OpAdd; op <= OpContains; op++ {
		arith := op == OpAdd || op == OpSub || op == OpMul || op == OpDiv || op == OpMod
		cmp := op >= OpEq && op <= OpGe
		if op.IsArithmetic() != arith || op.IsComparison() != cmp {
			t.Errorf("%s: IsArithmetic %v IsComparison %v", op, op.IsArithmetic(), op.IsComparison())
		}
		if op.String() == "" {
			t.Errorf("operator %d has no symbol", int(op))
		}
	}
}
