package plan

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestFunctionResolve(t *testing.T) {
	str, f64, i64 := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64
	runResolveCases(t, exprSchema, []resolveCase{
		{name: "concat-casts-to-string", expr: &Concat{Args: []Expr{Col("s"), Lit("-"), Col("i32")}},
			wantText: `concat(s, "-", CAST(i32 AS utf8))`, wantType: str},
		{name: "concat-null", expr: &Concat{Args: []Expr{Col("s"), Lit(nil)}}, wantText: "concat(s, NULL)", wantType: str},
		{name: "concat-list", expr: &Concat{Args: []Expr{Col("s"), Col("l")}}, wantErr: ErrType},
		{name: "call", expr: &Call{Fn: testFunc{}, Args: []Expr{Col("i32"), NewBinary(OpAdd, Col("f64"), Lit(1))}},
			wantText: "model(i32, (f64 + 1.0))", wantType: f64},
		{name: "call-no-args", expr: &Call{Fn: testFunc{}}, wantText: "model()", wantType: f64},
		{name: "monotonic-id", expr: &MonotonicID{}, wantText: "monotonically_increasing_id()", wantType: i64},
	})
	// A function's own refusal is reported with its name.
	_, err := (&Call{Fn: testFunc{}, Args: []Expr{Col("s")}}).Resolve(exprSchema)
	if err == nil || !strings.Contains(err.Error(), "model") || !strings.Contains(err.Error(), "strings are not supported") {
		t.Fatalf("model(s): %v", err)
	}
}
