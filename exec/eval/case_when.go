package eval

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plan"
)

// caseWhen evaluates every branch over the whole batch, then picks each
// row's value with one Take over the branch values laid end to end.
func (ev *Evaluator) caseWhen(e *plan.CaseWhen, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	conds := make([]plan.Expr, len(e.Branches))
	values := make([]plan.Expr, len(e.Branches), len(e.Branches)+1)
	for i, w := range e.Branches {
		conds[i], values[i] = w.Cond, w.Value
	}
	elseValue := e.Else
	if elseValue == nil {
		elseValue = plan.TypedLit(nil, e.Type())
	}
	values = append(values, elseValue)
	condArrs, err := ev.Arrays(conds, batch)
	if err != nil {
		return nil, err
	}
	defer ReleaseArrays(condArrs)
	valueArrs, err := ev.Arrays(values, batch)
	if err != nil {
		return nil, err
	}
	defer ReleaseArrays(valueArrs)
	all, err := array.Concatenate(valueArrs, ev.mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	idx := array.NewInt64Builder(ev.mem)
	defer idx.Release()
	idx.Reserve(n)
	for row := 0; row < n; row++ {
		pick := len(conds)
		for i, c := range condArrs {
			b := c.(*array.Boolean)
			if b.IsValid(row) && b.Value(row) {
				pick = i
				break
			}
		}
		idx.UnsafeAppend(int64(pick*n + row))
	}
	indices := idx.NewArray()
	defer indices.Release()
	return compute.TakeArray(ev.ctx, all, indices)
}
