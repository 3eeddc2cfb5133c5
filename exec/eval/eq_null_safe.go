package eval

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// eqNullSafe is l <=> r for operands of one type: l = r where both are
// set, true where both are NULL, false where one is; never NULL.
func eqNullSafe(ctx context.Context, mem memory.Allocator, l, r arrow.Array) (arrow.Array, error) {
	var eq *array.Boolean
	if l.DataType().ID() != arrow.NULL {
		ld, rd := compute.NewDatum(l), compute.NewDatum(r)
		defer ld.Release()
		defer rd.Release()
		d, err := compute.CallFunction(ctx, "equal", nil, ld, rd)
		if err != nil {
			return nil, err
		}
		defer d.Release()
		arr := d.(*compute.ArrayDatum).MakeArray()
		defer arr.Release()
		eq = arr.(*array.Boolean)
	}
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(l.Len())
	for i := 0; i < l.Len(); i++ {
		ln, rn := l.IsNull(i), r.IsNull(i)
		switch {
		case ln || rn:
			b.UnsafeAppend(ln && rn)
		default:
			b.UnsafeAppend(eq.Value(i))
		}
	}
	return b.NewArray(), nil
}
