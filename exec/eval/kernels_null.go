package eval

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plan"
)

func init() {
	registerKernel("coalesce", coalesceKernel)
}

// coalesceKernel picks, per row, the first argument that is not NULL.
func coalesceKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	if args[0].NullN() == 0 || len(args) == 1 {
		args[0].Retain()
		return args[0], nil
	}
	return ev.pick(args, rows, func(row int) int {
		for i, a := range args {
			if a.IsValid(row) {
				return i
			}
		}
		return -1
	})
}

// pick builds, for any type, the array whose row r is row r of
// arrs[choose(r)], NULL where choose returns -1: one Take over the
// arrays laid end to end, as caseWhen does. arrs all have rows values of
// one type; the caller releases the result.
func (ev *Evaluator) pick(arrs []arrow.Array, rows int, choose func(row int) int) (arrow.Array, error) {
	all, err := array.Concatenate(arrs, ev.mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	idx := array.NewInt64Builder(ev.mem)
	defer idx.Release()
	idx.Reserve(rows)
	for row := 0; row < rows; row++ {
		if k := choose(row); k >= 0 {
			idx.UnsafeAppend(int64(k*rows + row))
		} else {
			idx.UnsafeAppendBoolToBitmap(false)
		}
	}
	indices := idx.NewArray()
	defer indices.Release()
	return compute.TakeArray(ev.ctx, all, indices)
}
