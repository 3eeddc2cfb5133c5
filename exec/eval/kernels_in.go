package eval

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// inConstants is x IN (c…) for a list of constants (one value each) and
// x a string, integer or date column: the constants are gathered once
// and each row is looked up by equality, which is what IN is (inKernel's
// general path orders every pair with a three-way comparison). ok is
// false when this path does not apply. Floats are left to the general
// path, whose NaN equals NaN.
func inConstants(ev *Evaluator, args []arrow.Array, rows int) (out arrow.Array, ok bool) {
	if rows <= 1 {
		return nil, false
	}
	for _, a := range args[1:] {
		if a.Len() != 1 {
			return nil, false
		}
	}
	switch x := args[0].(type) {
	case *array.String:
		set, sawNull := constants(args[1:], func(a arrow.Array) string { return a.(*array.String).Value(0) })
		return matchStrings(ev.mem, x, newStringSet(set), sawNull, false, rows), true
	case *array.Int64:
		return inValues(ev.mem, x, x.Int64Values(), args[1:], rows), true
	case *array.Int32:
		return inValues(ev.mem, x, x.Int32Values(), args[1:], rows), true
	case *array.Date32:
		return inValues(ev.mem, x, x.Date32Values(), args[1:], rows), true
	}
	return nil, false
}

// constants returns the non-NULL values of one-value arrays, and whether
// any was NULL.
func constants[T any](arrs []arrow.Array, value func(arrow.Array) T) (set []T, sawNull bool) {
	for _, a := range arrs {
		if a.IsNull(0) {
			sawNull = true
			continue
		}
		set = append(set, value(a))
	}
	return set, sawNull
}

func inValues[T comparable](mem memory.Allocator, x arrow.Array, vals []T, list []arrow.Array, rows int) arrow.Array {
	set, sawNull := constants(list, func(a arrow.Array) T { return a.(interface{ Value(int) T }).Value(0) })
	return inResult(mem, x, rows, sawNull, func(i int) bool {
		v := vals[i]
		for _, s := range set {
			if s == v {
				return true
			}
		}
		return false
	})
}

// inResult builds IN's boolean result: true where x is valid and member,
// NULL where x is NULL or, when the list holds a NULL, where no member
// matched (SQL's rule), false elsewhere.
func inResult(mem memory.Allocator, x arrow.Array, rows int, sawNull bool, member func(i int) bool) arrow.Array {
	nbytes := bitutil.BytesForBits(int64(rows))
	values := memory.NewResizableBuffer(mem)
	values.Resize(int(nbytes))
	bits := values.Bytes()
	clear(bits)
	var validity *memory.Buffer
	var valid []byte
	if sawNull || x.NullN() > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(nbytes))
		valid = validity.Bytes()
		clear(valid)
	}
	nulls := 0
	for i := range rows {
		if x.IsNull(i) {
			nulls++
			continue
		}
		found := member(i)
		if found {
			bitutil.SetBit(bits, i)
		}
		if valid != nil {
			if found || !sawNull {
				bitutil.SetBit(valid, i)
			} else {
				nulls++
			}
		}
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, rows, []*memory.Buffer{validity, values}, nil, nulls, 0)
	values.Release()
	if validity != nil {
		validity.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}
