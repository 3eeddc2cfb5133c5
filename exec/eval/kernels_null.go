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
	if args[0].Len() == rows && (args[0].NullN() == 0 || len(args) == 1) {
		args[0].Retain()
		return args[0], nil
	}
	steps := argSteps(args, rows)
	return ev.pick(args, rows, func(row int) int {
		for i, a := range args {
			if a.IsValid(row * steps[i]) {
				return i
			}
		}
		return -1
	})
}

// argSteps is, per argument, 1 for a column of rows values and 0 for a
// constant (see argCol).
func argSteps(args []arrow.Array, rows int) []int {
	steps := make([]int, len(args))
	for i, a := range args {
		if a.Len() == rows {
			steps[i] = 1
		}
	}
	return steps
}

// pick builds, for any type, the array whose row r is row r of
// arrs[choose(r)], NULL where choose returns -1: one Take over the
// arrays laid end to end, as caseWhen does. arrs all have one type and
// rows values, or one (a constant); the caller releases the result.
func (ev *Evaluator) pick(arrs []arrow.Array, rows int, choose func(row int) int) (arrow.Array, error) {
	all, err := array.Concatenate(arrs, ev.mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	steps := argSteps(arrs, rows)
	offsets := make([]int, len(arrs))
	for i := 1; i < len(arrs); i++ {
		offsets[i] = offsets[i-1] + arrs[i-1].Len()
	}
	idx := array.NewInt64Builder(ev.mem)
	defer idx.Release()
	idx.Reserve(rows)
	for row := 0; row < rows; row++ {
		if k := choose(row); k >= 0 {
			idx.UnsafeAppend(int64(offsets[k] + row*steps[k]))
		} else {
			idx.UnsafeAppendBoolToBitmap(false)
		}
	}
	indices := idx.NewArray()
	defer indices.Release()
	return compute.TakeArray(ev.ctx, all, indices)
}
