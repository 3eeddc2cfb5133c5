package plan

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestUnaryResolve(t *testing.T) {
	boolean, str := arrow.FixedWidthTypes.Boolean, arrow.BinaryTypes.String
	runResolveCases(t, exprSchema, []resolveCase{
		{name: "not", expr: NewUnary(OpNot, Col("b")), wantText: "(NOT b)", wantType: boolean},
		{name: "not-null", expr: NewUnary(OpNot, Lit(nil)), wantText: "(NOT NULL)", wantType: boolean},
		{name: "not-int", expr: NewUnary(OpNot, Col("i32")), wantErr: ErrType},
		{name: "not-string", expr: NewUnary(OpNot, Col("s")), wantErr: ErrType},
		{name: "negate-int8", expr: NewUnary(OpNegate, Col("i8")), wantText: "(- i8)", wantType: arrow.PrimitiveTypes.Int8},
		{name: "negate-float32", expr: NewUnary(OpNegate, Col("f32")), wantText: "(- f32)", wantType: arrow.PrimitiveTypes.Float32},
		{name: "negate-string", expr: NewUnary(OpNegate, Col("s")), wantErr: ErrType},
		{name: "negate-bool", expr: NewUnary(OpNegate, Col("b")), wantErr: ErrType},
		{name: "isnull-any-type", expr: NewUnary(OpIsNull, Col("l")), wantText: "isnull(l)", wantType: boolean},
		{name: "isnotnull", expr: NewUnary(OpIsNotNull, Col("s")), wantText: "isnotnull(s)", wantType: boolean},
		{name: "upper", expr: NewUnary(OpUpper, Col("s")), wantText: "upper(s)", wantType: str},
		{name: "lower-null", expr: NewUnary(OpLower, Lit(nil)), wantText: "lower(NULL)", wantType: str},
		{name: "length", expr: NewUnary(OpLength, Col("s")), wantText: "length(s)", wantType: arrow.PrimitiveTypes.Int32},
		{name: "upper-int", expr: NewUnary(OpUpper, Col("i32")), wantErr: ErrType},
		{name: "length-date", expr: NewUnary(OpLength, Col("d")), wantErr: ErrType},
		{name: "missing", expr: NewUnary(OpNot, Col("nope")), wantErr: ErrColumnNotFound},
	})
}
