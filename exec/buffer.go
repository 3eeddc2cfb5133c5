package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/op"
)

// bufferOp is a blocking operator: Open opens its input and runs load,
// which consumes the input and returns every output batch at once (with
// the bytes it reserved against the budget); Next serves them, releasing
// each once the next is asked for.
type bufferOp struct {
	schema  *arrow.Schema
	input   Operator
	load    func(ctx context.Context) ([]arrow.RecordBatch, int64, error)
	job     *job
	batches []arrow.RecordBatch
	bytes   int64
	out     op.Holder
}

var _ Operator = (*bufferOp)(nil)

func (o *bufferOp) Schema() *arrow.Schema { return o.schema }

// Open implements Operator: it computes every output batch.
func (o *bufferOp) Open(ctx context.Context) error {
	if err := o.input.Open(ctx); err != nil {
		return err
	}
	var err error
	o.batches, o.bytes, err = o.load(ctx)
	return err
}

// Next implements Operator.
func (o *bufferOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(o.batches) == 0 {
		o.out.Release()
		return nil, io.EOF
	}
	b := o.batches[0]
	o.batches = o.batches[1:]
	return o.out.Set(b), nil
}

// Close implements Operator.
func (o *bufferOp) Close() error {
	o.out.Release()
	for _, b := range o.batches {
		b.Release()
	}
	o.batches = nil
	o.job.budget.free(o.bytes)
	o.bytes = 0
	return o.input.Close()
}
