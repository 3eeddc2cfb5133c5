package eval

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

type numericArray[T number] interface {
	arrow.Array
	Values() []T
}

// divide computes l / r or l % r for operands of one numeric type, giving
// NULL where r is zero, as Spark does.
func divide(mem memory.Allocator, op interface{ String() string }, l, r arrow.Array) (arrow.Array, error) {
	mod := op.String() == "%"
	switch l.DataType().ID() {
	case arrow.FLOAT64:
		return divideTyped(array.NewFloat64Builder(mem), l.(*array.Float64), r.(*array.Float64), mod, math.Mod), nil
	case arrow.FLOAT32:
		return divideTyped(array.NewFloat32Builder(mem), l.(*array.Float32), r.(*array.Float32), mod,
			func(a, b float32) float32 { return float32(math.Mod(float64(a), float64(b))) }), nil
	case arrow.INT64:
		return divideTyped(array.NewInt64Builder(mem), l.(*array.Int64), r.(*array.Int64), mod, intMod[int64]), nil
	case arrow.INT32:
		return divideTyped(array.NewInt32Builder(mem), l.(*array.Int32), r.(*array.Int32), mod, intMod[int32]), nil
	case arrow.INT16:
		return divideTyped(array.NewInt16Builder(mem), l.(*array.Int16), r.(*array.Int16), mod, intMod[int16]), nil
	case arrow.INT8:
		return divideTyped(array.NewInt8Builder(mem), l.(*array.Int8), r.(*array.Int8), mod, intMod[int8]), nil
	case arrow.UINT64:
		return divideTyped(array.NewUint64Builder(mem), l.(*array.Uint64), r.(*array.Uint64), mod, intMod[uint64]), nil
	case arrow.UINT32:
		return divideTyped(array.NewUint32Builder(mem), l.(*array.Uint32), r.(*array.Uint32), mod, intMod[uint32]), nil
	case arrow.UINT16:
		return divideTyped(array.NewUint16Builder(mem), l.(*array.Uint16), r.(*array.Uint16), mod, intMod[uint16]), nil
	case arrow.UINT8:
		return divideTyped(array.NewUint8Builder(mem), l.(*array.Uint8), r.(*array.Uint8), mod, intMod[uint8]), nil
	}
	return nil, fmt.Errorf("exec: cannot divide values of type %s", l.DataType())
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func intMod[T integer](a, b T) T { return a % b }

type typedBuilder[T any] interface {
	array.Builder
	Append(T)
}

func divideTyped[T number, B typedBuilder[T]](b B, l, r numericArray[T], mod bool, modFn func(T, T) T) arrow.Array {
	defer b.Release()
	b.Reserve(l.Len())
	lv, rv := l.Values(), r.Values()
	for i := range lv {
		if l.IsNull(i) || r.IsNull(i) || rv[i] == 0 {
			b.AppendNull()
			continue
		}
		if mod {
			b.Append(modFn(lv[i], rv[i]))
		} else {
			b.Append(lv[i] / rv[i])
		}
	}
	return b.NewArray()
}

// monotonicIDs returns Spark's monotonically_increasing_id for n rows
// starting at row offset of partition p.
func monotonicIDs(mem memory.Allocator, p int, offset int64, n int) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Reserve(n)
	base := int64(p)<<33 + offset
	for i := 0; i < n; i++ {
		b.UnsafeAppend(base + int64(i))
	}
	return b.NewArray()
}

// nullTest reports, per row, whether the value is NULL (or, with isNull
// false, whether it is not). Every value of a null-typed array is NULL,
// though arrow-go's IsNull answers false for it (it has no validity
// bitmap).
func nullTest(mem memory.Allocator, in arrow.Array, isNull bool) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	allNull := in.DataType().ID() == arrow.NULL
	for i := 0; i < in.Len(); i++ {
		b.UnsafeAppend((allNull || in.IsNull(i)) == isNull)
	}
	return b.NewArray()
}

// not negates booleans; NOT NULL is NULL.
func not(mem memory.Allocator, in *array.Boolean) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	for i := 0; i < in.Len(); i++ {
		if in.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(!in.Value(i))
		}
	}
	return b.NewArray()
}
