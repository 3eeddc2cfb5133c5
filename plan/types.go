package plan

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

func isSignedInt(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return true
	}
	return false
}

func isUnsignedInt(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func isInteger(t arrow.DataType) bool { return isSignedInt(t) || isUnsignedInt(t) }

func isFloat(t arrow.DataType) bool {
	return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64
}

// IsNumeric reports whether t is an integer or floating-point type.
func IsNumeric(t arrow.DataType) bool { return isInteger(t) || isFloat(t) }

func isNull(t arrow.DataType) bool { return t.ID() == arrow.NULL }

func isString(t arrow.DataType) bool {
	return t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING
}

func intRange(t arrow.DataType) (int64, int64) {
	switch t.ID() {
	case arrow.INT8:
		return math.MinInt8, math.MaxInt8
	case arrow.INT16:
		return math.MinInt16, math.MaxInt16
	case arrow.INT32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func uintMax(t arrow.DataType) uint64 {
	switch t.ID() {
	case arrow.UINT8:
		return math.MaxUint8
	case arrow.UINT16:
		return math.MaxUint16
	case arrow.UINT32:
		return math.MaxUint32
	}
	return math.MaxUint64
}

func bitWidth(t arrow.DataType) int {
	if fw, ok := t.(arrow.FixedWidthDataType); ok {
		return fw.BitWidth()
	}
	return 0
}

// widerNumeric is the smallest type both numeric types convert to without
// overflow, following Spark's widening: ints widen to the larger int,
// mixing signed and unsigned gives int64, any float gives float64 unless
// both are float32.
func widerNumeric(a, b arrow.DataType) arrow.DataType {
	switch {
	case arrow.TypeEqual(a, b):
		return a
	case isFloat(a) || isFloat(b):
		if a.ID() == arrow.FLOAT32 && b.ID() == arrow.FLOAT32 {
			return a
		}
		return arrow.PrimitiveTypes.Float64
	case isSignedInt(a) == isSignedInt(b):
		if bitWidth(a) >= bitWidth(b) {
			return a
		}
		return b
	}
	return arrow.PrimitiveTypes.Int64
}

// CommonType is the type two resolved operands are converted to before a
// binary operation. A literal adapts to the other side when it can do so
// exactly (Spark promotes numeric literals to the column type), a NULL
// takes the other side's type, and numeric types widen. ok is false when
// the types have nothing in common.
func commonType(l, r Expr) (arrow.DataType, bool) {
	lt, rt := l.Type(), r.Type()
	switch {
	case arrow.TypeEqual(lt, rt):
		return lt, true
	case isNull(lt):
		return rt, true
	case isNull(rt):
		return lt, true
	}
	if t, ok := temporalCommonType(lt, rt); ok {
		return t, true
	}
	if !IsNumeric(lt) || !IsNumeric(rt) {
		return nil, false
	}
	if lit, ok := Unalias(r).(*Literal); ok && adapts(lit, lt) {
		return lt, true
	}
	if lit, ok := Unalias(l).(*Literal); ok && adapts(lit, rt) {
		return rt, true
	}
	return widerNumeric(lt, rt), true
}

// adapts reports whether a numeric literal takes the type t of the value it
// meets: when it converts exactly, and never a float literal to an integer
// type (Col("age").Mul(2.0) is a double, as in Spark).
func adapts(lit *Literal, t arrow.DataType) bool {
	if isFloat(lit.Type()) && isInteger(t) {
		return false
	}
	_, exact := lit.convertTo(t)
	return exact
}

// coerce returns e as type t: e itself when it already has that type, a
// converted literal, or a Cast.
func coerce(e Expr, t arrow.DataType) Expr {
	if arrow.TypeEqual(e.Type(), t) {
		return e
	}
	if isTemporal(t) && t.ID() != arrow.DATE64 && (isString(e.Type()) || isTemporal(e.Type())) {
		return coerceTemporal(e, t)
	}
	if lit, ok := e.(*Literal); ok {
		if c, exact := lit.convertTo(t); exact {
			return c
		}
	}
	return &Cast{Child: e, To: t}
}

// unifyTypes is the type a list of values converts to: the widening of the
// non-literal values' types, or of the literals' types when all are
// literals; literals then adapt to it. NULLs take any type; all NULLs give
// string.
func unifyTypes(values []Expr) (arrow.DataType, bool) {
	var typ arrow.DataType
	fold := func(literals bool) bool {
		for _, v := range values {
			_, isLit := Unalias(v).(*Literal)
			t := v.Type()
			if isLit != literals || isNull(t) {
				continue
			}
			switch {
			case typ == nil || arrow.TypeEqual(typ, t):
				typ = t
			case IsNumeric(typ) && IsNumeric(t):
				typ = widerNumeric(typ, t)
			default:
				return false
			}
		}
		return true
	}
	if !fold(false) {
		return nil, false
	}
	if typ == nil && !fold(true) {
		return nil, false
	}
	if typ == nil {
		return arrow.BinaryTypes.String, true
	}
	for _, v := range values {
		lit, isLit := Unalias(v).(*Literal)
		if !isLit || isNull(v.Type()) || arrow.TypeEqual(typ, v.Type()) {
			continue
		}
		if !IsNumeric(typ) || !IsNumeric(v.Type()) {
			return nil, false
		}
		if !adapts(lit, typ) {
			// A literal that does not fit widens the type, as in Spark:
			// CASE WHEN b THEN int_col ELSE 2.5 END is a double.
			typ = widerNumeric(typ, v.Type())
		}
	}
	return typ, true
}

// temporalCommonType is the type a date or timestamp and a value of
// another type are compared in, as Spark coerces them: a date and a
// timestamp compare as timestamps, a string converts to the date or
// timestamp it meets, timestamps of different units or zones compare as
// TimestampType.
func temporalCommonType(lt, rt arrow.DataType) (arrow.DataType, bool) {
	lTemp, rTemp := isTemporal(lt) && lt.ID() != arrow.DATE64, isTemporal(rt) && rt.ID() != arrow.DATE64
	switch {
	case lTemp && rTemp:
		if lt.ID() == arrow.TIMESTAMP && rt.ID() == arrow.TIMESTAMP {
			return typTimestamp, true
		}
		if lt.ID() == arrow.TIMESTAMP {
			return lt, true
		}
		return rt, true
	case lTemp && isString(rt):
		return lt, true
	case rTemp && isString(lt):
		return rt, true
	}
	return nil, false
}
