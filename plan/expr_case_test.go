package plan

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCaseWhenResolve(t *testing.T) {
	var (
		i32 = arrow.PrimitiveTypes.Int32
		i64 = arrow.PrimitiveTypes.Int64
		f64 = arrow.PrimitiveTypes.Float64
		str = arrow.BinaryTypes.String
	)
	when := func(c, v Expr) When { return When{Cond: c, Value: v} }
	runResolveCases(t, exprSchema, []resolveCase{
		{name: "literals-widen", expr: &CaseWhen{Branches: []When{when(Col("b"), Lit(1))}, Else: Lit(2.5)},
			wantText: "CASE WHEN b THEN 1.0 ELSE 2.5 END", wantType: f64},
		{name: "literal-adapts-to-column", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("i32"))}, Else: Lit(0)},
			wantText: "CASE WHEN b THEN i32 ELSE 0 END", wantType: i32},
		{name: "null-else", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("i32"))}, Else: Lit(nil)},
			wantText: "CASE WHEN b THEN i32 ELSE NULL END", wantType: i32},
		{name: "no-else", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("s"))}},
			wantText: "CASE WHEN b THEN s END", wantType: str},
		{name: "columns-widen", expr: &CaseWhen{Branches: []When{
			when(Col("b"), Col("i32")),
			when(NewBinary(OpGt, Col("i64"), Lit(1)), Col("i64")),
		}}, wantText: "CASE WHEN b THEN CAST(i32 AS int64) WHEN (i64 > 1) THEN i64 END", wantType: i64},
		{name: "int-and-float-columns", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("i8"))}, Else: Col("f32")},
			wantText: "CASE WHEN b THEN CAST(i8 AS float64) ELSE CAST(f32 AS float64) END", wantType: f64},
		{name: "null-condition", expr: &CaseWhen{Branches: []When{when(Lit(nil), Lit(1))}},
			wantText: "CASE WHEN NULL THEN 1 END", wantType: i64},
		{name: "all-null-is-string", expr: &CaseWhen{Branches: []When{when(Col("b"), Lit(nil))}, Else: Lit(nil)},
			wantText: "CASE WHEN b THEN NULL ELSE NULL END", wantType: str},
		{name: "string-and-int", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("s"))}, Else: Col("i32")}, wantErr: ErrType},
		{name: "string-column-int-literal", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("s"))}, Else: Lit(1)}, wantErr: ErrType},
		{name: "non-boolean-condition", expr: &CaseWhen{Branches: []When{when(Col("i32"), Lit(1))}}, wantErr: ErrType},
		{name: "missing-value", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("nope"))}}, wantErr: ErrColumnNotFound},
	})
}

// TestCaseWhenLiteralThatDoesNotFit: Spark widens CASE WHEN b THEN int_col
// ELSE 2.5 END to double. unifyTypes only widens over the non-literal
// values, then casts the literal to their type, so 2.5 silently becomes 2
// (and 1000 overflows int8).
func TestCaseWhenLiteralThatDoesNotFit(t *testing.T) {
	when := func(c, v Expr) When { return When{Cond: c, Value: v} }
	runResolveCases(t, exprSchema, []resolveCase{
		{name: "fraction", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("i32"))}, Else: Lit(2.5)},
			wantType: arrow.PrimitiveTypes.Float64},
		{name: "overflow", expr: &CaseWhen{Branches: []When{when(Col("b"), Col("i8"))}, Else: Lit(1000)},
			wantType: arrow.PrimitiveTypes.Int64},
	})
}

func TestCaseWhenChildren(t *testing.T) {
	c := &CaseWhen{Branches: []When{{Cond: Col("b"), Value: Lit(1)}, {Cond: Lit(true), Value: Lit(2)}}, Else: Lit(3)}
	if got := FormatExprs(c.Children()); got != "[b, 1, true, 2, 3]" {
		t.Fatalf("Children() = %s", got)
	}
	rebuilt := c.WithChildren([]Expr{Col("x"), Lit(4), Col("y"), Lit(5), Lit(6)})
	if got := rebuilt.String(); got != "CASE WHEN x THEN 4 WHEN y THEN 5 ELSE 6 END" {
		t.Fatalf("WithChildren gave %s", got)
	}
}
