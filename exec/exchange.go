package exec

import (
	"context"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// exchange is the shared part of the operators that must see all of their
// input before producing output (repartition, aggregate, sort). The first
// output partition to open runs the whole input, once; the result is
// accounted against the job's memory budget.
type exchange struct {
	job   *job
	input PhysicalNode

	once    sync.Once
	err     error
	mu      sync.Mutex
	buckets [][]arrow.RecordBatch // output partition → batches, handed out once
	bytes   []int64
}

// materialize runs fill once, on all input partitions; fill is called
// concurrently for different input partitions and must store what it
// keeps with keep. Every output partition waits for the same result.
func (e *exchange) materialize(ctx context.Context, outputs int, fill func(ctx context.Context, p int, b arrow.RecordBatch) error) error {
	e.once.Do(func() {
		e.buckets = make([][]arrow.RecordBatch, outputs)
		e.bytes = make([]int64, outputs)
		e.job.onFinish(e.releaseAll)
		e.err = e.job.runPartitions(ctx, e.input, func(ctx context.Context, p int, op Operator) error {
			return drain(ctx, op, func(b arrow.RecordBatch) error { return fill(ctx, p, b) })
		})
	})
	return e.err
}

// keep adds batch b (now owned by the exchange) to output partition out.
func (e *exchange) keep(out int, b arrow.RecordBatch, what string) error {
	n := batchBytes(b)
	if err := e.job.budget.reserve(n, what); err != nil {
		b.Release()
		return err
	}
	e.mu.Lock()
	e.buckets[out] = append(e.buckets[out], b)
	e.bytes[out] += n
	e.mu.Unlock()
	return nil
}

// take hands the batches of output partition p to the caller, who then
// owns them; their bytes stay reserved until release.
func (e *exchange) take(p int) ([]arrow.RecordBatch, int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out, n := e.buckets[p], e.bytes[p]
	e.buckets[p], e.bytes[p] = nil, 0
	return out, n
}

func (e *exchange) releaseAll() {
	for p := range e.buckets {
		batches, n := e.take(p)
		for _, b := range batches {
			b.Release()
		}
		e.job.budget.free(n)
	}
}

// batchBytes is the memory held by b's buffers.
func batchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, c := range b.Columns() {
		n += arrayBytes(c.Data())
	}
	return n
}

func arrayBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		n += arrayBytes(c)
	}
	return n
}

// bufferOp returns batches an exchange produced, releasing each once the
// next is asked for.
type bufferOp struct {
	schema  *arrow.Schema
	load    func(ctx context.Context) ([]arrow.RecordBatch, int64, error)
	job     *job
	batches []arrow.RecordBatch
	bytes   int64
	out     holder
}

var _ Operator = (*bufferOp)(nil)

func (o *bufferOp) Schema() *arrow.Schema { return o.schema }

// Open implements Operator: it waits for the exchange to finish.
func (o *bufferOp) Open(ctx context.Context) error {
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
		o.out.release()
		return nil, io.EOF
	}
	b := o.batches[0]
	o.batches = o.batches[1:]
	return o.out.set(b), nil
}

// Close implements Operator.
func (o *bufferOp) Close() error {
	o.out.release()
	for _, b := range o.batches {
		b.Release()
	}
	o.batches = nil
	o.job.budget.free(o.bytes)
	o.bytes = 0
	return nil
}
