package plan

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestLit(t *testing.T) {
	ts := time.Date(2024, 1, 5, 10, 20, 30, 500000000, time.UTC)
	cases := []struct {
		in       any
		wantType arrow.DataType
		wantVal  any
		wantText string
	}{
		{nil, arrow.Null, nil, "NULL"},
		{true, arrow.FixedWidthTypes.Boolean, true, "true"},
		{7, arrow.PrimitiveTypes.Int64, int64(7), "7"},
		{int8(-7), arrow.PrimitiveTypes.Int8, int64(-7), "-7"},
		{int16(7), arrow.PrimitiveTypes.Int16, int64(7), "7"},
		{int32(7), arrow.PrimitiveTypes.Int32, int64(7), "7"},
		{int64(7), arrow.PrimitiveTypes.Int64, int64(7), "7"},
		{uint(7), arrow.PrimitiveTypes.Uint64, uint64(7), "7"},
		{uint8(7), arrow.PrimitiveTypes.Uint8, uint64(7), "7"},
		{uint16(7), arrow.PrimitiveTypes.Uint16, uint64(7), "7"},
		{uint32(7), arrow.PrimitiveTypes.Uint32, uint64(7), "7"},
		{uint64(math.MaxUint64), arrow.PrimitiveTypes.Uint64, uint64(math.MaxUint64), "18446744073709551615"},
		{float32(0.5), arrow.PrimitiveTypes.Float32, 0.5, "0.5"},
		{2.0, arrow.PrimitiveTypes.Float64, 2.0, "2.0"},
		{"a\"b", arrow.BinaryTypes.String, "a\"b", `"a\"b"`},
		{ts, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, ts.UnixMicro(), "1704450030500000"},
	}
	for _, c := range cases {
		e := Lit(c.in)
		l, ok := e.(*Literal)
		if !ok {
			t.Errorf("Lit(%#v) = %T", c.in, e)
			continue
		}
		if !arrow.TypeEqual(l.Type(), c.wantType) || l.Value != c.wantVal || l.String() != c.wantText {
			t.Errorf("Lit(%#v) = %#v of %s (%q), want %#v of %s (%q)", c.in, l.Value, l.Type(), l.String(), c.wantVal, c.wantType, c.wantText)
		}
		if r := mustResolve(t, l, exprSchema); r != l {
			t.Errorf("Resolve(%s) returned a different literal", l)
		}
	}
	if b := Lit([]byte("ab")).(*Literal); b.Type().ID() != arrow.BINARY {
		t.Errorf("Lit([]byte) has type %s", b.Type())
	}
}

func TestLitUnsupportedIsInvalid(t *testing.T) {
	e := Lit(struct{}{})
	inv, ok := e.(*Invalid)
	if !ok {
		t.Fatalf("Lit(struct{}{}) = %T, want *Invalid", e)
	}
	if e.Type() != nil {
		t.Errorf("Invalid has type %s", e.Type())
	}
	// The error surfaces when the expression is used, however deep.
	_, err := NewBinary(OpAdd, Col("i32"), e).Resolve(exprSchema)
	if err == nil || !errors.Is(err, inv.Err) {
		t.Fatalf("resolving through an Invalid: %v, want %v", err, inv.Err)
	}
	if _, err := NewProject(testScan(t), &Alias{Child: e, Name: "x"}); err == nil {
		t.Fatal("NewProject accepted an Invalid expression")
	}
}

func TestLiteralConvertTo(t *testing.T) {
	var (
		i8  = arrow.PrimitiveTypes.Int8
		i32 = arrow.PrimitiveTypes.Int32
		i64 = arrow.PrimitiveTypes.Int64
		u8  = arrow.PrimitiveTypes.Uint8
		u64 = arrow.PrimitiveTypes.Uint64
		f32 = arrow.PrimitiveTypes.Float32
		f64 = arrow.PrimitiveTypes.Float64
		str = arrow.BinaryTypes.String
	)
	cases := []struct {
		lit     Expr
		to      arrow.DataType
		exact   bool
		wantVal any
	}{
		{Lit(2), f32, true, 2.0},
		{Lit(2), f64, true, 2.0},
		{Lit(uint64(2)), f64, true, 2.0},
		{Lit(3.0), i32, true, int64(3)},
		{Lit(3.5), i32, false, nil},
		{Lit(math.NaN()), i64, false, nil},
		{Lit(1e300), i64, false, nil},
		{Lit(127), i8, true, int64(127)},
		{Lit(128), i8, false, nil},
		{Lit(-129), i8, false, nil},
		{Lit(255), u8, true, uint64(255)},
		{Lit(256), u8, false, nil},
		{Lit(-1), u8, false, nil},
		{Lit(-1.0), u8, false, nil},
		{Lit(uint64(math.MaxUint64)), i64, false, nil},
		{Lit(uint64(math.MaxInt64)), i64, true, int64(math.MaxInt64)},
		{Lit(math.MinInt64), u64, false, nil},
		{Lit(nil), i32, true, nil},
		{Lit("1"), i32, false, nil},
		{Lit(1), str, false, nil},
		{Lit(true), i32, false, nil},
	}
	for _, c := range cases {
		l := c.lit.(*Literal)
		got, exact := l.convertTo(c.to)
		if exact != c.exact {
			t.Errorf("convertTo(%s of %s, %s): exact = %v, want %v", l, l.Type(), c.to, exact, c.exact)
			continue
		}
		if exact && (got.Value != c.wantVal || !arrow.TypeEqual(got.Type(), c.to)) {
			t.Errorf("convertTo(%s, %s) = %#v of %s, want %#v", l, c.to, got.Value, got.Type(), c.wantVal)
		}
	}
}

func TestTypedLit(t *testing.T) {
	l := TypedLit(int64(19727), arrow.FixedWidthTypes.Date32)
	if l.Type().ID() != arrow.DATE32 || l.Value != int64(19727) {
		t.Fatalf("TypedLit = %#v of %s", l.Value, l.Type())
	}
	r := mustResolve(t, NewBinary(OpEq, Col("d"), l), exprSchema)
	if r.String() != "(d = 19727)" {
		t.Fatalf("d = date literal resolved to %s", r)
	}
}
