package eval

import (
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// CopyValue appends arr[i] (or a NULL) to b, which has arr's type.
func CopyValue(b array.Builder, arr arrow.Array, i int) {
	if arr.IsNull(i) {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		b.Append(arr.(*array.Int64).Value(i))
	case *array.Float64Builder:
		b.Append(arr.(*array.Float64).Value(i))
	case *array.StringBuilder:
		b.Append(arr.(*array.String).Value(i))
	case *array.Int32Builder:
		b.Append(arr.(*array.Int32).Value(i))
	case *array.Float32Builder:
		b.Append(arr.(*array.Float32).Value(i))
	case *array.BooleanBuilder:
		b.Append(arr.(*array.Boolean).Value(i))
	default:
		if err := b.AppendValueFromString(arr.ValueStr(i)); err != nil {
			panic(fmt.Sprintf("exec: copying a %s value: %v", arr.DataType(), err))
		}
	}
}

// Int64Getter returns a reader of arr's values as int64, for integer-like
// types (IntegerLike: signed integers, unsigned ones up to 32 bits,
// booleans, dates, timestamps); ok is false for any other type. The
// reader ignores NULLs: check arr.IsNull first.
func Int64Getter(arr arrow.Array) (func(int) int64, bool) {
	switch a := arr.(type) {
	case *array.Int64:
		return a.Value, true
	case *array.Int32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int16:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Int8:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint16:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Uint8:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Date32:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Date64:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Timestamp:
		return func(i int) int64 { return int64(a.Value(i)) }, true
	case *array.Boolean:
		return func(i int) int64 {
			if a.Value(i) {
				return 1
			}
			return 0
		}, true
	}
	return nil, false
}

// Float64Getter returns a reader of arr's values as float64, for every
// numeric type; ok is false for any other. Like Int64Getter's, the reader
// ignores NULLs.
func Float64Getter(arr arrow.Array) (func(int) float64, bool) {
	switch a := arr.(type) {
	case *array.Float64:
		return a.Value, true
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }, true
	case *array.Uint64:
		return func(i int) float64 { return float64(a.Value(i)) }, true
	}
	if get, ok := Int64Getter(arr); ok {
		return func(i int) float64 { return float64(get(i)) }, true
	}
	return nil, false
}

// AppendInt64As appends v converted to the builder's integer-like type (a
// type Int64Getter reads). It panics for any other builder.
func AppendInt64As(b array.Builder, v int64) {
	switch b := b.(type) {
	case *array.Int64Builder:
		b.Append(v)
	case *array.Int32Builder:
		b.Append(int32(v))
	case *array.Int16Builder:
		b.Append(int16(v))
	case *array.Int8Builder:
		b.Append(int8(v))
	case *array.Uint32Builder:
		b.Append(uint32(v))
	case *array.Uint16Builder:
		b.Append(uint16(v))
	case *array.Uint8Builder:
		b.Append(uint8(v))
	case *array.Date32Builder:
		b.Append(arrow.Date32(v))
	case *array.Date64Builder:
		b.Append(arrow.Date64(v))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v))
	case *array.BooleanBuilder:
		b.Append(v != 0)
	default:
		panic(fmt.Sprintf("exec: cannot append an integer to a %s builder", b.Type()))
	}
}

// IntegerLike reports whether Int64Getter reads values of type t.
func IntegerLike(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.BOOL:
		return true
	}
	return false
}

// AppendValue appends the text of arr[i] (not NULL) as Spark prints it:
// floats with ".0" when whole, decimals with all digits of their scale,
// dates as 2006-01-02, timestamps as 2006-01-02 15:04:05 with fractional
// seconds when present.
func AppendValue(dst []byte, arr arrow.Array, i int) []byte {
	switch c := arr.(type) {
	case *array.Float64:
		return plan.AppendFloat(dst, c.Value(i), 64)
	case *array.Float32:
		return plan.AppendFloat(dst, float64(c.Value(i)), 32)
	case *array.String:
		return append(dst, c.Value(i)...)
	case *array.Boolean:
		return strconv.AppendBool(dst, c.Value(i))
	case *array.Date32:
		return c.Value(i).ToTime().AppendFormat(dst, time.DateOnly)
	case *array.Date64:
		// Without this case int64Getter below would print milliseconds.
		return c.Value(i).ToTime().AppendFormat(dst, time.DateOnly)
	case *array.Timestamp:
		return c.Value(i).ToTime(c.DataType().(*arrow.TimestampType).Unit).AppendFormat(dst, "2006-01-02 15:04:05.999999")
	case *array.Uint64:
		return strconv.AppendUint(dst, c.Value(i), 10)
	case *array.Decimal128:
		// Every digit of the scale, as Spark prints decimals (1.50, where
		// ValueStr gives 1.5).
		return append(dst, c.Value(i).ToString(c.DataType().(*arrow.Decimal128Type).Scale)...)
	}
	if get, ok := Int64Getter(arr); ok {
		return strconv.AppendInt(dst, get(i), 10)
	}
	return append(dst, arr.ValueStr(i)...)
}
