package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// filterExec keeps the rows whose condition is true.
type filterExec struct {
	input PhysicalNode
	cond  plan.Expr
}

func (f *filterExec) Schema() *arrow.Schema    { return f.input.Schema() }
func (f *filterExec) Partitions() int          { return f.input.Partitions() }
func (f *filterExec) Children() []PhysicalNode { return []PhysicalNode{f.input} }
func (f *filterExec) String() string           { return "FilterExec " + f.cond.String() }

// Operator implements PhysicalNode.
func (f *filterExec) Operator(p int) (Operator, error) {
	in, err := f.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &filterOp{exec: f, input: in, partition: p}, nil
}

type filterOp struct {
	exec      *filterExec
	input     Operator
	partition int
	eval      *eval.Evaluator
	out       op.Holder
}

var _ Operator = (*filterOp)(nil)

func (o *filterOp) Schema() *arrow.Schema          { return o.exec.Schema() }
func (o *filterOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// Next implements Operator. A batch whose rows all pass is returned as it
// came, without a copy; batches with no passing rows are skipped.
func (o *filterOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.eval == nil {
		o.eval = eval.New(ctx, allocatorOf(ctx), o.partition)
	}
	for {
		b, err := o.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		mask, err := o.eval.Array(o.exec.cond, b)
		if err != nil {
			return nil, err
		}
		o.eval.Advance(b.NumRows())
		kept := countTrue(mask.(*array.Boolean))
		switch kept {
		case 0:
			mask.Release()
			continue
		case int(b.NumRows()):
			mask.Release()
			o.out.Release()
			return b, nil
		}
		out, err := compute.FilterRecordBatch(o.eval.Context(), b, mask, compute.DefaultFilterOptions())
		mask.Release()
		if err != nil {
			return nil, err
		}
		return o.out.Set(out), nil
	}
}

func countTrue(mask *array.Boolean) int {
	if mask.NullN() == 0 {
		return bitutil.CountSetBits(mask.Data().Buffers()[1].Bytes(), mask.Data().Offset(), mask.Len())
	}
	n := 0
	for i := 0; i < mask.Len(); i++ {
		if mask.IsValid(i) && mask.Value(i) {
			n++
		}
	}
	return n
}

// Close implements Operator.
func (o *filterOp) Close() error {
	o.out.Release()
	return o.input.Close()
}
