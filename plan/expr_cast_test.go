package plan

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCastResolve(t *testing.T) {
	var (
		i32 = arrow.PrimitiveTypes.Int32
		f64 = arrow.PrimitiveTypes.Float64
		str = arrow.BinaryTypes.String
	)
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	runResolveCases(t, exprSchema, []resolveCase{
		{name: "int-to-float", expr: &Cast{Child: Col("i32"), To: f64}, wantText: "CAST(i32 AS float64)", wantType: f64},
		{name: "same-type-is-no-cast", expr: &Cast{Child: Col("i32"), To: i32}, wantText: "i32", wantType: i32},
		{name: "exact-literal-folds", expr: &Cast{Child: Lit(2), To: i32}, wantText: "2", wantType: i32},
		{name: "inexact-literal-stays-cast", expr: &Cast{Child: Lit(2.5), To: i32}, wantText: "CAST(2.5 AS int32)", wantType: i32},
		{name: "string-to-int", expr: &Cast{Child: Col("s"), To: i32}, wantText: "CAST(s AS int32)", wantType: i32},
		{name: "string-to-date", expr: &Cast{Child: Col("s"), To: arrow.FixedWidthTypes.Date32}, wantType: arrow.FixedWidthTypes.Date32},
		{name: "string-to-timestamp", expr: &Cast{Child: Col("s"), To: ts}, wantType: ts},
		{name: "string-to-bool", expr: &Cast{Child: Col("s"), To: arrow.FixedWidthTypes.Boolean}, wantType: arrow.FixedWidthTypes.Boolean},
		{name: "int-to-string", expr: &Cast{Child: Col("i64"), To: str}, wantText: "CAST(i64 AS utf8)", wantType: str},
		{name: "date-to-string", expr: &Cast{Child: Col("d"), To: str}, wantType: str},
		{name: "bool-to-int", expr: &Cast{Child: Col("b"), To: i32}, wantType: i32},
		{name: "null-to-list", expr: &Cast{Child: Lit(nil), To: arrow.ListOf(i32)}, wantText: "NULL", wantType: arrow.ListOf(i32)},
		{name: "list-to-string", expr: &Cast{Child: Col("l"), To: str}, wantErr: ErrType},
		{name: "string-to-list", expr: &Cast{Child: Col("s"), To: arrow.ListOf(i32)}, wantErr: ErrType},
		{name: "missing", expr: &Cast{Child: Col("nope"), To: str}, wantErr: ErrColumnNotFound},
	})
}

func TestCastable(t *testing.T) {
	var (
		i32  = arrow.PrimitiveTypes.Int32
		u64  = arrow.PrimitiveTypes.Uint64
		f32  = arrow.PrimitiveTypes.Float32
		str  = arrow.BinaryTypes.String
		lstr = arrow.BinaryTypes.LargeString
		bin  = arrow.BinaryTypes.Binary
		bl   = arrow.FixedWidthTypes.Boolean
		d32  = arrow.FixedWidthTypes.Date32
		d64  = arrow.FixedWidthTypes.Date64
		ts   = &arrow.TimestampType{Unit: arrow.Second}
		dec  = &arrow.Decimal128Type{Precision: 10, Scale: 2}
		list = arrow.ListOf(i32)
		st   = arrow.StructOf(arrow.Field{Name: "x", Type: i32})
	)
	cases := []struct {
		from, to arrow.DataType
		want     bool
	}{
		{i32, i32, true}, {list, list, true}, {arrow.Null, list, true}, {arrow.Null, st, true},
		{i32, f32, true}, {f32, u64, true}, {str, i32, true}, {i32, str, true}, {lstr, i32, true},
		{str, d32, true}, {str, ts, true}, {d32, str, true}, {d64, d32, true}, {ts, d32, true},
		{bl, i32, true}, {i32, bl, true}, {str, dec, true}, {dec, f32, true},
		{list, str, false}, {str, list, false}, {st, str, false}, {bin, str, false},
		{str, bin, false}, {list, arrow.ListOf(f32), false},
	}
	for _, c := range cases {
		if got := castable(c.from, c.to); got != c.want {
			t.Errorf("castable(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}
