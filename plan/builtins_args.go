package plan

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The argument conversions of the built-in functions. Each converts one
// resolved argument to the type the kernel reads, as Spark's implicit
// casts do (a number where a string is expected prints, a string where a
// date is expected parses, NULL takes any type), or returns an error
// naming the function, the argument and its type.

var (
	typString    = arrow.BinaryTypes.String
	typInt64     = arrow.PrimitiveTypes.Int64
	typInt32     = arrow.PrimitiveTypes.Int32
	typFloat64   = arrow.PrimitiveTypes.Float64
	typBool      = arrow.FixedWidthTypes.Boolean
	typDate      = arrow.FixedWidthTypes.Date32
	typTimestamp = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// TimestampType is the type of the timestamps the built-in functions
// return (to_timestamp, current_timestamp, date_trunc): microseconds, UTC,
// as Spark's TIMESTAMP and Lit(time.Time).
var TimestampType arrow.DataType = typTimestamp

func isTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

// asString converts argument i to string: strings as they are, numbers,
// booleans and dates printed.
func asString(fn string, args []Expr, i int) error {
	a := args[i]
	if !castable(a.Type(), typString) || a.Type().ID() == arrow.BINARY {
		return argTypeError(fn, i, a, "a string")
	}
	args[i] = coerce(a, typString)
	return nil
}

// asInt64 converts argument i to int64: integers widen, floats and
// numeric strings convert as a cast does.
func asInt64(fn string, args []Expr, i int) error {
	a := args[i]
	t := a.Type()
	if !(IsNumeric(t) || isNull(t) || isString(t)) {
		return argTypeError(fn, i, a, "an integer")
	}
	args[i] = coerce(a, typInt64)
	return nil
}

// asFloat64 converts argument i to float64.
func asFloat64(fn string, args []Expr, i int) error {
	a := args[i]
	t := a.Type()
	if !(IsNumeric(t) || isNull(t) || isString(t) || t.ID() == arrow.DECIMAL128) {
		return argTypeError(fn, i, a, "a number")
	}
	args[i] = coerce(a, typFloat64)
	return nil
}

// asDate converts argument i to date32: timestamps to their UTC date,
// strings parsed as a cast to date parses them.
func asDate(fn string, args []Expr, i int) error {
	a := args[i]
	t := a.Type()
	if !(isTemporal(t) || isNull(t) || isString(t)) {
		return argTypeError(fn, i, a, "a date, a timestamp or a date string")
	}
	args[i] = coerceTemporal(a, typDate)
	return nil
}

// asTimestamp converts argument i to a microsecond UTC timestamp: dates
// to their midnight UTC, strings parsed.
func asTimestamp(fn string, args []Expr, i int) error {
	a := args[i]
	t := a.Type()
	if !(isTemporal(t) || isNull(t) || isString(t)) {
		return argTypeError(fn, i, a, "a timestamp, a date or a timestamp string")
	}
	args[i] = coerceTemporal(a, typTimestamp)
	return nil
}

// stringLiteral returns the value of argument i, which must be a string
// literal (a LIKE escape character, a date_trunc unit): ok is false for
// a NULL literal.
func stringLiteral(fn string, args []Expr, i int, what string) (string, bool, error) {
	lit, ok := Unalias(args[i]).(*Literal)
	if !ok || !(isString(lit.Type()) || isNull(lit.Type())) {
		return "", false, typeError("%s: argument %d (%s) must be a string literal (%s)", fn, i+1, args[i], what)
	}
	s, ok := lit.Value.(string)
	return s, ok, nil
}

// intLiteral returns the value of argument i, which must be an integer
// literal (a round scale, a regexp group).
func intLiteral(fn string, args []Expr, i int, what string) (int64, error) {
	lit, ok := Unalias(args[i]).(*Literal)
	if ok {
		if v, ok := lit.Value.(int64); ok {
			return v, nil
		}
		if v, ok := lit.Value.(uint64); ok && v <= 1<<62 {
			return int64(v), nil
		}
	}
	return 0, typeError("%s: argument %d (%s) must be an integer literal (%s)", fn, i+1, args[i], what)
}
