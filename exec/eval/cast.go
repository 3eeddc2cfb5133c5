package eval

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// castArray converts in to type to with Spark's lenient semantics: a
// string that does not parse becomes NULL, floats print with a ".0" when
// they are whole, numbers truncate. The caller releases the result.
func castArray(ctx context.Context, in arrow.Array, to arrow.DataType) (arrow.Array, error) {
	mem := compute.GetAllocator(ctx)
	from := in.DataType()
	switch {
	case arrow.TypeEqual(from, to):
		in.Retain()
		return in, nil
	case from.ID() == arrow.NULL:
		return array.MakeArrayOfNull(mem, to, in.Len()), nil
	case from.ID() == arrow.STRING && to.ID() != arrow.STRING:
		return parseStrings(mem, in.(*array.String), to)
	case to.ID() == arrow.STRING:
		// arrow-go's numeric-to-string cast leaks kernel memory (v18.8.0),
		// and prints floats unlike Spark: format here.
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(in.Len())
		var buf []byte
		for i := 0; i < in.Len(); i++ {
			if in.IsNull(i) {
				b.AppendNull()
				continue
			}
			buf = AppendValue(buf[:0], in, i)
			b.BinaryBuilder.Append(buf)
		}
		return b.NewArray(), nil
	}
	return compute.CastArray(ctx, in, compute.UnsafeCastOptions(to))
}

func parseStrings(mem memory.Allocator, in *array.String, to arrow.DataType) (arrow.Array, error) {
	b := array.NewBuilder(mem, to)
	defer b.Release()
	b.Reserve(in.Len())
	for i := 0; i < in.Len(); i++ {
		if in.IsNull(i) || !appendParsed(b, strings.TrimSpace(in.Value(i))) {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

// appendParsed appends s parsed as the builder's type, reporting false when
// it does not parse.
func appendParsed(b array.Builder, s string) bool {
	switch b := b.(type) {
	case *array.BooleanBuilder:
		v, err := strconv.ParseBool(s)
		if err == nil {
			b.Append(v)
		}
		return err == nil
	case *array.Float64Builder:
		v, err := strconv.ParseFloat(s, 64)
		if err == nil {
			b.Append(v)
		}
		return err == nil
	case *array.Float32Builder:
		v, err := strconv.ParseFloat(s, 32)
		if err == nil {
			b.Append(float32(v))
		}
		return err == nil
	case *array.Decimal128Builder:
		// Without this case every string became NULL.
		dt := b.Type().(*arrow.Decimal128Type)
		v, err := decimal128.FromString(s, dt.Precision, dt.Scale)
		ok := err == nil && v.FitsInPrecision(dt.Precision)
		if ok {
			b.Append(v)
		}
		return ok
	case *array.Date32Builder:
		t, err := time.Parse(time.DateOnly, s)
		if err == nil {
			b.Append(arrow.Date32FromTime(t))
		}
		return err == nil
	case *array.TimestampBuilder:
		t, err := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "T", 1))
		if err != nil {
			t, err = time.Parse("2006-01-02T15:04:05.999999999", strings.Replace(s, " ", "T", 1))
		}
		if err == nil {
			ts, err2 := arrow.TimestampFromTime(t, b.Type().(*arrow.TimestampType).Unit)
			if err2 == nil {
				b.Append(ts)
			}
			return err2 == nil
		}
		return false
	}
	return appendParsedInt(b, s)
}

func appendParsedInt(b array.Builder, s string) bool {
	switch t := b.Type(); t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		v, err := strconv.ParseInt(s, 10, t.(arrow.FixedWidthDataType).BitWidth())
		if err != nil {
			return false
		}
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(v))
		case *array.Int16Builder:
			b.Append(int16(v))
		case *array.Int32Builder:
			b.Append(int32(v))
		case *array.Int64Builder:
			b.Append(v)
		}
		return true
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		v, err := strconv.ParseUint(s, 10, t.(arrow.FixedWidthDataType).BitWidth())
		if err != nil {
			return false
		}
		switch b := b.(type) {
		case *array.Uint8Builder:
			b.Append(uint8(v))
		case *array.Uint16Builder:
			b.Append(uint16(v))
		case *array.Uint32Builder:
			b.Append(uint32(v))
		case *array.Uint64Builder:
			b.Append(v)
		}
		return true
	}
	return false
}
