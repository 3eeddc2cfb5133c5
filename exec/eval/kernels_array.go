package eval

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// The kernels of the array functions (plan/fn_array.go states their
// semantics), over Arrow list arrays.

func init() {
	registerKernel("array", arrayKernel)
	registerKernel("element_at", elementAtKernel)
	registerKernel("size", sizeKernel)
	registerKernel("array_contains", arrayContainsKernel)
}

// arrayKernel lays the arguments' values row by row into one child array
// (one Take over the arguments end to end) and cuts it into lists of
// len(args).
func arrayKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	n := len(args)
	elem := e.Type().(*arrow.ListType).Elem()
	var child arrow.Array
	if n == 0 {
		child = array.MakeArrayOfNull(ev.mem, elem, 0)
	} else {
		all, err := array.Concatenate(args, ev.mem)
		if err != nil {
			return nil, err
		}
		defer all.Release()
		steps := argSteps(args, rows)
		offsets := make([]int64, n)
		for i := 1; i < n; i++ {
			offsets[i] = offsets[i-1] + int64(args[i-1].Len())
		}
		idx := array.NewInt64Builder(ev.mem)
		defer idx.Release()
		idx.Reserve(rows * n)
		for r := 0; r < rows; r++ {
			for k := range args {
				idx.UnsafeAppend(offsets[k] + int64(r*steps[k]))
			}
		}
		indices := idx.NewArray()
		defer indices.Release()
		if child, err = compute.TakeArray(ev.ctx, all, indices); err != nil {
			return nil, err
		}
	}
	defer child.Release()
	offs := memory.NewResizableBuffer(ev.mem)
	defer offs.Release()
	offs.Resize((rows + 1) * arrow.Int32SizeBytes)
	o := arrow.Int32Traits.CastFromBytes(offs.Bytes())
	for r := 0; r <= rows; r++ {
		o[r] = int32(r * n)
	}
	data := array.NewData(e.Type(), rows, []*memory.Buffer{nil, offs}, []arrow.ArrayData{child.Data()}, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

func elementAtKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	list := args[0].(*array.List)
	at := argOf[*array.Int64](args[1], rows)
	idx := array.NewInt64Builder(ev.mem)
	defer idx.Release()
	idx.Reserve(rows)
	for r := 0; r < rows; r++ {
		if list.IsNull(r) || at.null(r) {
			idx.UnsafeAppendBoolToBitmap(false)
			continue
		}
		from, to := list.ValueOffsets(r)
		k := at.a.Value(at.at(r))
		switch {
		case k == 0:
			return nil, fmt.Errorf("the index is 0; array indices start at 1 (negative ones count from the end)")
		case k > 0 && k <= to-from:
			idx.UnsafeAppend(from + k - 1)
		case k < 0 && -k <= to-from:
			idx.UnsafeAppend(to + k)
		default:
			idx.UnsafeAppendBoolToBitmap(false)
		}
	}
	indices := idx.NewArray()
	defer indices.Release()
	return compute.TakeArray(ev.ctx, list.ListValues(), indices)
}

func sizeKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	list := args[0].(*array.List)
	b := array.NewInt32Builder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	for r := 0; r < rows; r++ {
		if list.IsNull(r) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		from, to := list.ValueOffsets(r)
		b.UnsafeAppend(int32(to - from))
	}
	return b.NewArray(), nil
}

func arrayContainsKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	list := args[0].(*array.List)
	values := list.ListValues()
	v := args[1]
	c, err := comparer([]arrow.Array{values, v})
	if err != nil {
		return nil, err
	}
	step := 1
	if v.Len() != rows {
		step = 0
	}
	b := array.NewBooleanBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	for r := 0; r < rows; r++ {
		if list.IsNull(r) || v.IsNull(r*step) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		from, to := list.ValueOffsets(r)
		found, sawNull := false, false
		for k := int(from); k < int(to) && !found; k++ {
			if values.IsNull(k) {
				sawNull = true
			} else if c(0, k, 1, r*step) == 0 {
				found = true
			}
		}
		if !found && sawNull {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(found)
		}
	}
	return b.NewArray(), nil
}
