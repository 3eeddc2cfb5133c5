package plan

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCommonType(t *testing.T) {
	var (
		i8  = arrow.PrimitiveTypes.Int8
		i16 = arrow.PrimitiveTypes.Int16
		i32 = arrow.PrimitiveTypes.Int32
		i64 = arrow.PrimitiveTypes.Int64
		u8  = arrow.PrimitiveTypes.Uint8
		u32 = arrow.PrimitiveTypes.Uint32
		u64 = arrow.PrimitiveTypes.Uint64
		f32 = arrow.PrimitiveTypes.Float32
		f64 = arrow.PrimitiveTypes.Float64
		str = arrow.BinaryTypes.String
		d32 = arrow.FixedWidthTypes.Date32
	)
	col := func(t arrow.DataType) Expr { return &Column{Name: "c", typ: t} }
	cases := []struct {
		name string
		l, r Expr
		want arrow.DataType // nil: no common type
	}{
		{"same", col(i32), col(i32), i32},
		{"same-string", col(str), col(str), str},
		{"null-left", Lit(nil), col(str), str},
		{"null-right", col(d32), Lit(nil), d32},
		{"int-widen", col(i8), col(i32), i32},
		{"int-widen-reversed", col(i64), col(i16), i64},
		{"uint-widen", col(u8), col(u32), u32},
		{"mixed-sign", col(u8), col(i8), i64},
		{"mixed-sign-uint64", col(u64), col(i64), i64},
		{"float32-pair", col(f32), col(f32), f32},
		{"float32-int", col(f32), col(i8), f64},
		{"float32-float64", col(f32), col(f64), f64},
		{"lit-fits-right", col(i8), Lit(5), i8},
		{"lit-fits-left", Lit(5), col(u8), u8},
		{"lit-too-big", col(i8), Lit(200), i64},
		{"lit-negative-unsigned", col(u32), Lit(-1), i64},
		{"float-lit-never-becomes-int", col(i16), Lit(4.0), arrow.PrimitiveTypes.Float64},
		{"float-lit-fraction", col(i16), Lit(4.5), f64},
		{"int-lit-into-float32", col(f32), Lit(3), f32},
		{"aliased-lit", col(i8), &Alias{Child: Lit(5), Name: "five"}, i8},
		{"string-int", col(str), col(i32), nil},
		{"date-int", col(d32), Lit(1), nil},
		{"string-lit-int", col(i32), Lit("1"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := commonType(c.l, c.r)
			if c.want == nil {
				if ok {
					t.Fatalf("commonType(%s, %s) = %s, want none", c.l.Type(), c.r.Type(), got)
				}
				return
			}
			if !ok || !arrow.TypeEqual(got, c.want) {
				t.Fatalf("commonType(%s %s, %s %s) = %v, %v; want %s", c.l, c.l.Type(), c.r, c.r.Type(), got, ok, c.want)
			}
		})
	}
}

func TestUnifyTypes(t *testing.T) {
	var (
		i8  = arrow.PrimitiveTypes.Int8
		i32 = arrow.PrimitiveTypes.Int32
		i64 = arrow.PrimitiveTypes.Int64
		f32 = arrow.PrimitiveTypes.Float32
		f64 = arrow.PrimitiveTypes.Float64
		str = arrow.BinaryTypes.String
		bl  = arrow.FixedWidthTypes.Boolean
	)
	col := func(t arrow.DataType) Expr { return &Column{Name: "c", typ: t} }
	cases := []struct {
		name   string
		values []Expr
		want   arrow.DataType // nil: incompatible
	}{
		{"one-column", []Expr{col(i32)}, i32},
		{"columns-widen", []Expr{col(i8), col(i32), col(i64)}, i64},
		{"float32s", []Expr{col(f32), col(f32)}, f32},
		{"int-float", []Expr{col(i32), col(f32)}, f64},
		{"literal-follows-column", []Expr{col(i8), Lit(3)}, i8},
		{"literals-only-widen", []Expr{Lit(1), Lit(2.5)}, f64},
		{"literals-only-int", []Expr{Lit(int8(1)), Lit(int32(2))}, i32},
		{"nulls-skipped", []Expr{Lit(nil), col(bl), Lit(nil)}, bl},
		{"all-null-is-string", []Expr{Lit(nil), Lit(nil)}, str},
		{"strings", []Expr{col(str), Lit("x")}, str},
		{"string-and-int-columns", []Expr{col(str), col(i32)}, nil},
		{"string-column-int-literal", []Expr{col(str), Lit(1)}, nil},
		{"int-column-string-literal", []Expr{col(i32), Lit("1")}, nil},
		{"string-and-int-literals", []Expr{Lit("a"), Lit(1)}, nil},
		{"bool-and-int", []Expr{col(bl), col(i32)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := unifyTypes(c.values)
			if c.want == nil {
				if ok {
					t.Fatalf("unifyTypes(%s) = %s, want none", FormatExprs(c.values), got)
				}
				return
			}
			if !ok || !arrow.TypeEqual(got, c.want) {
				t.Fatalf("unifyTypes(%s) = %v, %v; want %s", FormatExprs(c.values), got, ok, c.want)
			}
		})
	}
}

func TestIsNumeric(t *testing.T) {
	numeric := []arrow.DataType{
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
	}
	for _, typ := range numeric {
		if !IsNumeric(typ) {
			t.Errorf("IsNumeric(%s) = false", typ)
		}
	}
	for _, typ := range []arrow.DataType{arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32, arrow.Null, &arrow.Decimal128Type{Precision: 5}} {
		if IsNumeric(typ) {
			t.Errorf("IsNumeric(%s) = true", typ)
		}
	}
}
