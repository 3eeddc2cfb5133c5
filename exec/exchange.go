package exec

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// exchange is the shared part of the operators that must see all of their
// input before producing output (repartition, aggregate, sort). The first
// output partition to open runs the exchange's work, once; the others wait
// for it — or for their own context. The result is accounted against the
// job's memory budget.
type exchange struct {
	job   *job
	input PhysicalNode

	mu      sync.Mutex
	done    chan struct{}         // closed when the work has finished; nil before it starts
	err     error                 // the work's result, set before done closes
	buckets [][]arrow.RecordBatch // output partition → batches, handed out once
	bytes   []int64
}

// once runs work exactly once per job, on the goroutine of the first
// caller, with its context (every partition shares the job's). Other
// callers wait until it is done or their context ends. A panic in work
// becomes its error.
func (e *exchange) once(ctx context.Context, outputs int, work func(ctx context.Context) error) error {
	e.mu.Lock()
	first := e.done == nil
	if first {
		e.done = make(chan struct{})
		e.buckets = make([][]arrow.RecordBatch, outputs)
		e.bytes = make([]int64, outputs)
		e.job.onFinish(e.releaseAll)
	}
	done := e.done
	e.mu.Unlock()
	if first {
		func() {
			defer close(done)
			defer func() {
				if r := recover(); r != nil {
					e.err = fmt.Errorf("exec: %s panicked: %v\n%s", e.input, r, debug.Stack())
				}
			}()
			e.err = work(ctx)
		}()
		return e.err
	}
	select {
	case <-done:
		return e.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drainInput runs every input partition, handing its batches to fill,
// which is called concurrently for different input partitions.
func (e *exchange) drainInput(ctx context.Context, fill func(ctx context.Context, p int, b arrow.RecordBatch) error) error {
	return e.job.runPartitions(ctx, e.input, func(ctx context.Context, p int, op Operator) error {
		return drain(ctx, op, func(b arrow.RecordBatch) error { return fill(ctx, p, b) })
	})
}

// keep adds batch b (now owned by the exchange) to output partition out.
func (e *exchange) keep(out int, b arrow.RecordBatch, what string) error {
	return e.keepSized(out, b, batchBytes(b), what)
}

// keepSized is keep for a batch whose memory is n bytes (0 for a slice of
// a batch already accounted).
func (e *exchange) keepSized(out int, b arrow.RecordBatch, n int64, what string) error {
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
