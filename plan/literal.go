package plan

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Literal is a constant. Value holds the normalized Go value for Type: nil
// (a NULL of any type), bool, int64 (signed integer types, date32 as days,
// timestamps in the type's unit), uint64, float64, string or []byte.
type Literal struct {
	Value any
	typ   arrow.DataType
}

// Lit returns a literal for a Go value: nil, bool, any integer or float
// type, string, []byte or time.Time (a UTC microsecond timestamp). Any other
// type gives an Invalid expression whose error surfaces when it is used.
func Lit(v any) Expr {
	switch v := v.(type) {
	case nil:
		return &Literal{typ: arrow.Null}
	case bool:
		return &Literal{Value: v, typ: arrow.FixedWidthTypes.Boolean}
	case int:
		return &Literal{Value: int64(v), typ: arrow.PrimitiveTypes.Int64}
	case int8:
		return &Literal{Value: int64(v), typ: arrow.PrimitiveTypes.Int8}
	case int16:
		return &Literal{Value: int64(v), typ: arrow.PrimitiveTypes.Int16}
	case int32:
		return &Literal{Value: int64(v), typ: arrow.PrimitiveTypes.Int32}
	case int64:
		return &Literal{Value: v, typ: arrow.PrimitiveTypes.Int64}
	case uint8:
		return &Literal{Value: uint64(v), typ: arrow.PrimitiveTypes.Uint8}
	case uint16:
		return &Literal{Value: uint64(v), typ: arrow.PrimitiveTypes.Uint16}
	case uint32:
		return &Literal{Value: uint64(v), typ: arrow.PrimitiveTypes.Uint32}
	case uint64:
		return &Literal{Value: v, typ: arrow.PrimitiveTypes.Uint64}
	case uint:
		return &Literal{Value: uint64(v), typ: arrow.PrimitiveTypes.Uint64}
	case float32:
		return &Literal{Value: float64(v), typ: arrow.PrimitiveTypes.Float32}
	case float64:
		return &Literal{Value: v, typ: arrow.PrimitiveTypes.Float64}
	case string:
		return &Literal{Value: v, typ: arrow.BinaryTypes.String}
	case []byte:
		return &Literal{Value: v, typ: arrow.BinaryTypes.Binary}
	case time.Time:
		return &Literal{Value: v.UnixMicro(), typ: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}
	}
	return &Invalid{Err: fmt.Errorf("plan: unsupported literal of Go type %T", v)}
}

// TypedLit returns a literal of an explicit Arrow type; value follows the
// normalization documented on Literal.
func TypedLit(value any, t arrow.DataType) *Literal { return &Literal{Value: value, typ: t} }

func (l *Literal) Children() []Expr                    { return nil }
func (l *Literal) WithChildren([]Expr) Expr            { return l }
func (l *Literal) Type() arrow.DataType                { return l.typ }
func (l *Literal) Resolve(*arrow.Schema) (Expr, error) { return l, nil }

func (l *Literal) String() string {
	switch v := l.Value.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(v)
	case float64:
		return string(AppendFloat(nil, v, 64))
	}
	return fmt.Sprint(l.Value)
}

// convertTo returns the literal as a value of type t when the conversion is
// exact (2 → 2.0, 3.0 → 3, 7 → int8(7)), and false when it would lose
// information.
func (l *Literal) convertTo(t arrow.DataType) (*Literal, bool) {
	if arrow.TypeEqual(l.typ, t) {
		return l, true
	}
	if l.Value == nil {
		return &Literal{typ: t}, true
	}
	switch {
	case isFloat(t):
		var f float64
		switch v := l.Value.(type) {
		case int64:
			f = float64(v)
			if int64(f) != v {
				return nil, false
			}
		case uint64:
			f = float64(v)
			if uint64(f) != v {
				return nil, false
			}
		case float64:
			f = v
		default:
			return nil, false
		}
		if t.ID() == arrow.FLOAT32 && float64(float32(f)) != f && !math.IsNaN(f) {
			return nil, false // 0.1 is not a float32: compare as float64
		}
		return &Literal{Value: f, typ: t}, true
	case isSignedInt(t):
		lo, hi := intRange(t)
		switch v := l.Value.(type) {
		case int64:
			return &Literal{Value: v, typ: t}, v >= lo && v <= hi
		case uint64:
			return &Literal{Value: int64(v), typ: t}, v <= uint64(hi)
		case float64:
			ok := v == math.Trunc(v) && v >= float64(lo) && v <= float64(hi)
			return &Literal{Value: int64(v), typ: t}, ok
		}
	case isUnsignedInt(t):
		hi := uintMax(t)
		switch v := l.Value.(type) {
		case int64:
			return &Literal{Value: uint64(v), typ: t}, v >= 0 && uint64(v) <= hi
		case uint64:
			return &Literal{Value: v, typ: t}, v <= hi
		case float64:
			ok := v == math.Trunc(v) && v >= 0 && v <= float64(hi)
			return &Literal{Value: uint64(v), typ: t}, ok
		}
	}
	return nil, false
}
